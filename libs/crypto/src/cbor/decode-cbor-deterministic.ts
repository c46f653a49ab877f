import { decodeCborFast, fastDecodeDeclined } from './decode-cbor-fast';
import { decodeCborStrict } from './decode-cbor-strict';

/**
 * Decodes one data item of strict deterministic CBOR — the one entry point for decoding what
 * `encodeCborDeterministic` writes: the fast path (`decodeCborFast`, only the common item types,
 * already in the profile) when it applies, else `decodeCborStrict`, which rejects everything outside
 * the profile with a `CryptoError` naming the fault (`ERR_CBOR_*`). Either path gives the same value
 * (a differential property test holds them together).
 *
 * @example
 * ```ts
 * import { decodeCborDeterministic } from '@settle/crypto';
 * const header = decodeCborDeterministic(protectedHeaderBytes); // Map { 1 => -7, 4 => Uint8Array(32) }
 * ```
 */
export function decodeCborDeterministic(bytes: Uint8Array): unknown {
  const fast = decodeCborFast(bytes);
  if (fast !== fastDecodeDeclined) return fast;
  return decodeCborStrict(bytes);
}
