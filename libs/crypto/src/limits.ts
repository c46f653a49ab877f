/**
 * Every size, depth and count limit in this library, with its unit last in the name.
 * Each is a default: the functions that enforce one take an option to lower or raise it.
 */

/**
 * Deepest CBOR nesting (arrays, maps, tags) the strict decoder accepts. Signed structures in the
 * protocol nest a handful of levels; the limit stops stack exhaustion on hostile input.
 *
 * @example
 * ```ts
 * decodeCborStrict(bytes, { nestingDepthMax: cborNestingDepthMax });
 * ```
 */
export const cborNestingDepthMax = 16;

/**
 * How many imported public keys each signature back end keeps (least recently used evicted).
 * The native back end caches OpenSSL `KeyObject`s, whose import costs more than a verification;
 * 4096 keys cover the active devices of a busy verifier instance in a few megabytes.
 *
 * @example
 * ```ts
 * import { publicKeyCacheEntriesMax } from '@settle/crypto';
 * ```
 */
export const publicKeyCacheEntriesMax = 4096;
