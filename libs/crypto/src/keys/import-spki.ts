import { isBytes } from '../encoding/bytes';
import { CryptoError } from '../errors';
import { importRawPublicKey } from './import-raw-public-key';
import { type PublicJwk } from './jwk';
import {
  ed25519SpkiPrefix,
  p256CompressedSpkiPrefix,
  p256UncompressedSpkiPrefix,
} from './spki-prefixes';

function hasPrefix(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length > prefix.length && prefix.every((byte, index) => bytes[index] === byte);
}

const spkiForms = [
  { prefix: p256UncompressedSpkiPrefix, pointLengthBytes: 65, alg: 'ES256' },
  { prefix: p256CompressedSpkiPrefix, pointLengthBytes: 33, alg: 'ES256' },
  { prefix: ed25519SpkiPrefix, pointLengthBytes: 32, alg: 'EdDSA' },
] as const;

/**
 * Imports a DER SubjectPublicKeyInfo (as in X.509 certificates and `-----BEGIN PUBLIC KEY-----`) of
 * a P-256 key (uncompressed or compressed point) or an Ed25519 key. Anything else, including BER
 * variants, trailing bytes and points not on the curve, throws `ERR_KEY_ENCODING_INVALID`.
 *
 * @example
 * ```ts
 * import { importSpki } from '@settle/crypto';
 * const jwk = importSpki(certificateSubjectPublicKeyInfo);
 * ```
 */
export function importSpki(der: Uint8Array): PublicJwk {
  if (!isBytes(der)) throw new CryptoError('ERR_INVALID_ARGUMENT', 'an SPKI must be a Uint8Array');
  for (const form of spkiForms) {
    if (hasPrefix(der, form.prefix)) {
      if (der.length !== form.prefix.length + form.pointLengthBytes) break;
      return importRawPublicKey(der.subarray(form.prefix.length), form.alg);
    }
  }
  throw new CryptoError(
    'ERR_KEY_ENCODING_INVALID',
    'not a DER SubjectPublicKeyInfo of a P-256 or Ed25519 public key',
  );
}
