import { type SignatureAlgorithm, checkSignatureAlgorithm } from '../algorithms';
import { base64UrlEncode } from '../encoding/base64';
import { isBytes } from '../encoding/bytes';
import { CryptoError, assert } from '../errors';
import {
  decompressP256Point,
  fieldElementLengthBytes,
  isValidEd25519Point,
  isValidP256Point,
} from './curve-points';
import { type PublicJwk } from './jwk';

function invalid(message: string): CryptoError {
  return new CryptoError('ERR_KEY_ENCODING_INVALID', message);
}

function importP256Point(point: Uint8Array): PublicJwk {
  let uncompressed: Uint8Array | undefined;
  if (point.length === 65 && point[0] === 0x04) {
    uncompressed = isValidP256Point(point) ? point : undefined;
  } else if (point.length === 33 && (point[0] === 0x02 || point[0] === 0x03)) {
    uncompressed = decompressP256Point(point);
  } else {
    throw invalid('an ES256 raw public key is 04‖x‖y (65 bytes) or 02/03‖x (33 bytes)');
  }
  if (uncompressed === undefined) throw invalid('not a point on P-256');
  assert(uncompressed.length === 65, 'uncompressed point length');
  const half = 1 + fieldElementLengthBytes;
  return Object.freeze({
    kty: 'EC',
    crv: 'P-256',
    x: base64UrlEncode(uncompressed.subarray(1, half)),
    y: base64UrlEncode(uncompressed.subarray(half, 65)),
  });
}

/**
 * Imports a raw public key: for ES256 an uncompressed (04‖x‖y, 65 bytes) or compressed (02/03‖x,
 * 33 bytes) SEC 1 point, for EdDSA the 32-byte RFC 8032 encoding. Throws
 * `ERR_KEY_ENCODING_INVALID` if the bytes are not a valid point (Ed25519: canonical, not of small
 * order). A 64-byte x‖y (RFC 8471 token binding) must be prefixed with 0x04 by the caller.
 *
 * @example
 * ```ts
 * import { importRawPublicKey } from '@settle/crypto';
 * const jwk = importRawPublicKey(compressedPoint, 'ES256'); // { kty: 'EC', crv: 'P-256', x, y }
 * ```
 */
export function importRawPublicKey(bytes: Uint8Array, alg: SignatureAlgorithm): PublicJwk {
  const checkedAlg = checkSignatureAlgorithm(alg);
  if (!isBytes(bytes))
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'a raw public key must be a Uint8Array');
  if (checkedAlg === 'ES256') return importP256Point(bytes);
  if (bytes.length !== fieldElementLengthBytes)
    throw invalid('an Ed25519 raw public key is 32 bytes');
  if (!isValidEd25519Point(bytes)) throw invalid('not a canonical Ed25519 point of large order');
  return Object.freeze({ kty: 'OKP', crv: 'Ed25519', x: base64UrlEncode(bytes) });
}
