import { concatBytes } from '../encoding/bytes';
import { assert } from '../errors';
import { type JwkInput } from './jwk';
import { parsePublicJwk } from './parse-jwk';
import { ed25519SpkiPrefix, p256UncompressedSpkiPrefix } from './spki-prefixes';

/**
 * Exports a public JWK as a DER SubjectPublicKeyInfo (P-256 with an uncompressed point, the form
 * OpenSSL and WebCrypto emit). The JWK is checked in full first (`ERR_JWK_INVALID`).
 *
 * @example
 * ```ts
 * import { exportSpki } from '@settle/crypto';
 * const der = exportSpki(publicJwk); // 91 bytes for P-256, 44 for Ed25519
 * ```
 */
export function exportSpki(jwk: JwkInput): Uint8Array {
  const { alg, publicKeyBytes } = parsePublicJwk(jwk);
  const der = concatBytes(
    alg === 'ES256' ? p256UncompressedSpkiPrefix : ed25519SpkiPrefix,
    publicKeyBytes,
  );
  assert(der.length === (alg === 'ES256' ? 91 : 44), 'SPKI length');
  return der;
}
