import { concatBytes } from '../encoding/bytes';
import { assert } from '../errors';
import { type JwkInput } from './jwk';
import { parsePublicJwk } from './parse-jwk';

/**
 * Exports a public JWK as raw bytes: for ES256 the uncompressed SEC 1 point 04‖x‖y (65 bytes), or
 * with `{ compressed: true }` 02/03‖x (33 bytes); for EdDSA the 32-byte encoded point. The JWK is
 * checked in full first (`ERR_JWK_INVALID`).
 *
 * Apple's App Attest "key id" is SHA-256 of the uncompressed point; the protocol's key id is the
 * JWK thumbprint ({@link calculateJwkThumbprint}). Keep the two apart.
 *
 * @example
 * ```ts
 * import { exportRawPublicKey } from '@settle/crypto';
 * exportRawPublicKey(publicJwk, { compressed: true }); // Uint8Array(33) [0x02 | 0x03, …x]
 * ```
 */
export function exportRawPublicKey(
  jwk: JwkInput,
  options: { readonly compressed?: boolean } = {},
): Uint8Array {
  const { alg, publicKeyBytes } = parsePublicJwk(jwk);
  if (alg === 'EdDSA' || options.compressed !== true) return publicKeyBytes.slice();
  const yIsOdd = (publicKeyBytes[64]! & 1) === 1;
  const compressed = concatBytes(
    new Uint8Array([yIsOdd ? 0x03 : 0x02]),
    publicKeyBytes.subarray(1, 33),
  );
  assert(compressed.length === 33, 'compressed point length');
  return compressed;
}
