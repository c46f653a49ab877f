import { type EncodeOptions, encode } from 'cbor2';
import { CryptoError, assert } from '../errors';
import { encodeCborFast, fastEncodeDeclined } from './encode-cbor-fast';

// cbor2's `cde` option is RFC 8949 §4.2.1 core deterministic encoding: shortest integers, lengths
// and floats, definite lengths only, map keys sorted bytewise by their encoding. On top of it the
// profile of this project: no floating point (amounts are integers in minor units; a JS number
// that is not a safe integer must be passed as a bigint), no `undefined`, no custom simple values,
// no two Map keys that encode alike.
const deterministicEncodeOptions: EncodeOptions = {
  cde: true,
  rejectFloats: true,
  rejectUndefined: true,
  rejectCustomSimples: true,
  rejectDuplicateKeys: true,
};

/**
 * Encodes a value as deterministic CBOR (RFC 8949 §4.2.1): the same value always gives the same
 * bytes, and the strict decoder accepts them. Maps (`Map` or plain objects) are written with keys
 * in bytewise lexicographic order of their encodings. Throws `ERR_CBOR_NOT_ENCODABLE` for values
 * outside the profile: non-integer or unsafe-integer numbers (use `bigint`), `-0`, `NaN`,
 * `undefined`, functions.
 *
 * @example
 * ```ts
 * import { bytesToHex, encodeCborDeterministic } from '@settle/crypto';
 * bytesToHex(encodeCborDeterministic(new Map<unknown, unknown>([['z', 3], [-1, 2], [10, 1]])));
 * // 'a30a012002617a03': 10 (0a) before -1 (20) before "z" (61 7a)
 * ```
 */
export function encodeCborDeterministic(value: unknown): Uint8Array {
  // The common item types without cbor2's overhead; cbor2 for the rest and for every error.
  const fast = encodeCborFast(value);
  if (fast !== fastEncodeDeclined) return fast;
  let encoded: Uint8Array;
  try {
    encoded = encode(value, deterministicEncodeOptions);
  } catch (error) {
    throw new CryptoError(
      'ERR_CBOR_NOT_ENCODABLE',
      `cannot encode as deterministic CBOR: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  assert(encoded.length > 0, 'a CBOR data item has at least one byte');
  return encoded;
}
