import {
  ecdsaP256PointLengthBytes,
  rsa2048ModulusLengthBytes,
  tokenBindingKeyParametersCodes,
} from '../constants';
import { TokenBindingError, assert } from '../errors';
import { concatBytes, isBytes, uint16, uint8 } from './bytes';
import { type TokenBindingId } from './token-binding-message';

function invalid(message: string): TokenBindingError {
  return new TokenBindingError('ERR_TB_INVALID_ARGUMENT', message);
}

function encodePublicKey(id: TokenBindingId): Uint8Array {
  if (id.keyParameters === 'ecdsap256') {
    if (!isBytes(id.point) || id.point.length !== ecdsaP256PointLengthBytes)
      throw invalid('an ecdsap256 point is X ‖ Y, 64 bytes');
    return concatBytes([uint8(id.point.length), id.point]);
  }
  if (id.keyParameters !== 'rsa2048_pkcs1.5' && id.keyParameters !== 'rsa2048_pss')
    throw invalid('unknown key parameters');
  const { modulus, publicExponent } = id;
  if (!isBytes(modulus) || modulus.length !== rsa2048ModulusLengthBytes)
    throw invalid('an RSA-2048 modulus is 256 bytes');
  if (!isBytes(publicExponent) || publicExponent.length < 1 || publicExponent.length > 255)
    throw invalid('an RSA public exponent is 1 to 255 bytes');
  return concatBytes([
    uint16(modulus.length),
    modulus,
    uint8(publicExponent.length),
    publicExponent,
  ]);
}

/**
 * Encodes an RFC 8471 TokenBindingID: key_parameters (1 byte) ‖ key_length (2 bytes) ‖ TB_PubKey.
 * For ecdsap256 that is 68 bytes: `02 00 41 40` ‖ X ‖ Y. These are the bytes
 * {@link tokenBindingIdHash} hashes. Throws `ERR_TB_INVALID_ARGUMENT` for a malformed id.
 *
 * @example
 * ```ts
 * import { encodeTokenBindingId } from '@settle/token-binding';
 * encodeTokenBindingId({ keyParameters: 'ecdsap256', point: xy }); // Uint8Array(68)
 * ```
 */
export function encodeTokenBindingId(id: TokenBindingId): Uint8Array {
  if (typeof id !== 'object' || id === null) throw invalid('a TokenBindingId must be an object');
  const publicKey = encodePublicKey(id);
  const encoded = concatBytes([
    uint8(tokenBindingKeyParametersCodes[id.keyParameters]),
    uint16(publicKey.length),
    publicKey,
  ]);
  assert(encoded.length === 3 + publicKey.length, 'TokenBindingID length');
  return encoded;
}
