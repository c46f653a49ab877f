import { base64Decode } from '../encoding/base64';
import { CryptoError } from '../errors';
import { importSpki } from './import-spki';
import { type PublicJwk } from './jwk';

const publicKeyPemPattern =
  /^-----BEGIN PUBLIC KEY-----\r?\n((?:[A-Za-z0-9+/=]+\r?\n)+)-----END PUBLIC KEY-----\r?\n?$/;

/**
 * Imports a PEM `PUBLIC KEY` (RFC 7468 §13: base64 SubjectPublicKeyInfo) of a P-256 or Ed25519
 * key; see {@link importSpki}. Surrounding whitespace is trimmed; other labels (`EC PUBLIC KEY`,
 * `CERTIFICATE`, private keys) and malformed bodies throw `ERR_KEY_ENCODING_INVALID`.
 *
 * @example
 * ```ts
 * import { importPem } from '@settle/crypto';
 * const jwk = importPem('-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYI…\n-----END PUBLIC KEY-----\n');
 * ```
 */
export function importPem(pem: string): PublicJwk {
  if (typeof pem !== 'string')
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'a PEM must be a string');
  const match = publicKeyPemPattern.exec(`${pem.trim()}\n`);
  if (match === null)
    throw new CryptoError('ERR_KEY_ENCODING_INVALID', 'not a PEM "PUBLIC KEY" block');
  let der: Uint8Array;
  try {
    der = base64Decode(match[1]!.replace(/\r?\n/g, ''));
  } catch (error) {
    throw new CryptoError('ERR_KEY_ENCODING_INVALID', 'PEM body is not canonical base64', {
      cause: error,
    });
  }
  return importSpki(der);
}
