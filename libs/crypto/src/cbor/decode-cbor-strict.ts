import { type DecodeOptions, Tag, decode } from 'cbor2';
import { type KeyValueEncoded } from 'cbor2/sorts';
import { compareBytes, isBytes } from '../encoding/bytes';
import { CryptoError, type CryptoErrorCode, assert } from '../errors';
import { cborNestingDepthMax } from '../limits';

// Strictness comes from cbor2's own options (README: "Decoding options"):
//   rejectStreaming      indefinite-length strings, arrays and maps
//   requirePreferred     integers, lengths and tag numbers not in their shortest form
//   rejectDuplicateKeys  two map keys with the same encoding
//   rejectFloats, rejectSimple, rejectUndefined   types the protocol never uses (no floating point
//                        anywhere; only false, true and null among simple values)
//   maxDepth             a stack guard (cbor2 counts an array level as 2 and a map or tag level as
//                        1, so it is set to twice the limit; `checkNestingDepth` then applies the exact one)
//   ignoreGlobalTags     tags come back as `Tag` objects, never converted (no Date, no bignum)
// and `decode` itself rejects trailing bytes. Two thin additions, because cbor2 lacks them:
//   - map keys must be in RFC 8949 §4.2.1 order. cbor2's `sortKeys` decode option checks this but
//     reports a duplicate and a misordered key with one message; `createObject` below checks the
//     order itself (it runs after cbor2's duplicate check), with its own error code;
//   - cbor2 throws plain `Error`s, so they are mapped to stable codes by message (`codeOfCborError`).
//     The rejection never depends on that mapping: if a future cbor2 words a message differently,
//     the input is still rejected, as ERR_CBOR_MALFORMED, and the tests pinning each code fail.

function mapInDeterministicOrder(entries: KeyValueEncoded[]): Map<unknown, unknown> {
  for (let index = 1; index < entries.length; index++) {
    const previousKey = entries[index - 1]![2];
    const key = entries[index]![2];
    // Encoded keys are collected by cbor2 because rejectDuplicateKeys is set.
    assert(previousKey.length > 0 && key.length > 0, 'cbor2 supplies encoded map keys');
    if (compareBytes(previousKey, key) >= 0) {
      throw new CryptoError(
        'ERR_CBOR_KEY_ORDER',
        'map keys are not in bytewise lexicographic order of their encodings (RFC 8949 §4.2.1)',
      );
    }
  }
  return new Map(entries.map(([key, value]) => [key, value]));
}

/**
 * Throws `ERR_CBOR_TOO_DEEP` if a data item is enclosed by more than `depthMax` arrays, maps and
 * tags. Runs after cbor2's own, looser guard has bounded the recursion.
 */
function checkNestingDepth(value: unknown, depthMax: number, depth: number): void {
  if (depth > depthMax)
    throw new CryptoError('ERR_CBOR_TOO_DEEP', `CBOR nested more than ${depthMax} levels deep`);
  if (Array.isArray(value)) {
    for (const item of value) checkNestingDepth(item, depthMax, depth + 1);
  } else if (value instanceof Map) {
    for (const [key, item] of value) {
      checkNestingDepth(key, depthMax, depth + 1);
      checkNestingDepth(item, depthMax, depth + 1);
    }
  } else if (value instanceof Tag) {
    checkNestingDepth(value.contents, depthMax, depth + 1);
  }
}

const cborErrorCodesByMessage: ReadonlyArray<readonly [RegExp, CryptoErrorCode]> = [
  [/^Duplicate key/, 'ERR_CBOR_DUPLICATE_KEY'],
  [/^Streaming not supported/, 'ERR_CBOR_INDEFINITE_LENGTH'],
  [/^Extra data in input/, 'ERR_CBOR_TRAILING_BYTES'],
  [/^Unexpectedly long integer encoding/, 'ERR_CBOR_NON_MINIMAL'],
  [
    /^(Decoding unwanted floating point|Invalid simple value|Unexpected undefined)/,
    'ERR_CBOR_TYPE_NOT_ALLOWED',
  ],
  [/^Maximum depth/, 'ERR_CBOR_TOO_DEEP'],
];

function codeOfCborError(error: unknown): CryptoErrorCode {
  const message = error instanceof Error ? error.message : '';
  return (
    cborErrorCodesByMessage.find(([pattern]) => pattern.test(message))?.[1] ?? 'ERR_CBOR_MALFORMED'
  );
}

/**
 * Options of {@link decodeCborStrict}.
 *
 * @example
 * ```ts
 * decodeCborStrict(bytes, { nestingDepthMax: 4 });
 * ```
 */
export interface DecodeCborStrictOptions {
  /** Most arrays, maps and tags that may enclose a data item; default {@link cborNestingDepthMax}. */
  readonly nestingDepthMax?: number;
}

/**
 * Decodes one CBOR data item that must be in deterministic encoding (RFC 8949 §4.2.1) and in this
 * project's profile, or throws a `CryptoError` saying why: `ERR_CBOR_TRAILING_BYTES`,
 * `ERR_CBOR_INDEFINITE_LENGTH`, `ERR_CBOR_NON_MINIMAL` (integer, length or tag number),
 * `ERR_CBOR_DUPLICATE_KEY`, `ERR_CBOR_KEY_ORDER`, `ERR_CBOR_TYPE_NOT_ALLOWED` (floats, `undefined`,
 * unassigned simple values), `ERR_CBOR_TOO_DEEP`, `ERR_CBOR_MALFORMED` (truncated, invalid UTF-8,
 * reserved encodings, empty input).
 *
 * Results: maps are always `Map`s (keys in encoded order); integers are `number`s when safe and
 * `bigint`s otherwise; byte strings are `Uint8Array` views into `bytes`; tags are cbor2 `Tag`
 * objects, never interpreted. Use it on every signed structure, and keep the bytes: signatures are
 * checked over the bytes received, never over a re-encoding.
 *
 * @example
 * ```ts
 * import { decodeCborStrict, hexToBytes } from '@settle/crypto';
 * decodeCborStrict(hexToBytes('a201020304')); // Map { 1 => 2, 3 => 4 }
 * decodeCborStrict(hexToBytes('a201020102')); // throws CryptoError ERR_CBOR_DUPLICATE_KEY
 * ```
 */
export function decodeCborStrict(
  bytes: Uint8Array,
  options: DecodeCborStrictOptions = {},
): unknown {
  if (!isBytes(bytes))
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'CBOR input must be a Uint8Array');
  const nestingDepthMax = options.nestingDepthMax ?? cborNestingDepthMax;
  assert(
    Number.isSafeInteger(nestingDepthMax) && nestingDepthMax > 0,
    'nestingDepthMax is a positive integer',
  );
  if (bytes.length === 0)
    throw new CryptoError('ERR_CBOR_MALFORMED', 'empty input is not a CBOR data item');
  const decodeOptions: DecodeOptions = {
    rejectStreaming: true,
    requirePreferred: true,
    rejectDuplicateKeys: true,
    rejectFloats: true,
    rejectSimple: true,
    rejectUndefined: true,
    ignoreGlobalTags: true,
    preferMap: true,
    maxDepth: 2 * nestingDepthMax,
    createObject: mapInDeterministicOrder,
  };
  try {
    const value = decode(bytes, decodeOptions);
    checkNestingDepth(value, nestingDepthMax, 0);
    return value;
  } catch (error) {
    if (error instanceof CryptoError) throw error;
    throw new CryptoError(
      codeOfCborError(error),
      `CBOR rejected: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
