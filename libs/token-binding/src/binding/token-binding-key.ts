import {
  type Es256PublicJwk,
  type JwkInput,
  exportRawPublicKey,
  importRawPublicKey,
  isCryptoError,
} from '@settle/crypto';
import { ecdsaP256PointLengthBytes } from '../constants';
import { TokenBindingError, assert } from '../errors';
import { type EcdsaP256TokenBindingId } from '../message/token-binding-message';

/**
 * The public JWK of an ecdsap256 TokenBindingID (X ‖ Y prefixed with 0x04 and checked to be on
 * P-256 by `@settle/crypto`). Throws `ERR_TB_KEY_INVALID` if the point is not on the curve.
 *
 * @example
 * ```ts
 * import { tokenBindingIdToJwk } from '@settle/token-binding';
 * const jwk = tokenBindingIdToJwk({ keyParameters: 'ecdsap256', point: xy }); // { kty: 'EC', crv: 'P-256', x, y }
 * ```
 */
export function tokenBindingIdToJwk(id: EcdsaP256TokenBindingId): Es256PublicJwk {
  if (id.keyParameters !== 'ecdsap256' || id.point.length !== ecdsaP256PointLengthBytes) {
    throw new TokenBindingError(
      'ERR_TB_INVALID_ARGUMENT',
      'an ecdsap256 TokenBindingID with a 64-byte point',
    );
  }
  const uncompressed = new Uint8Array(1 + ecdsaP256PointLengthBytes);
  uncompressed[0] = 0x04;
  uncompressed.set(id.point, 1);
  try {
    const jwk = importRawPublicKey(uncompressed, 'ES256');
    assert(jwk.kty === 'EC', 'a P-256 point imports as an EC key');
    return jwk;
  } catch (error) {
    if (isCryptoError(error, 'ERR_KEY_ENCODING_INVALID'))
      throw new TokenBindingError('ERR_TB_KEY_INVALID', 'not a point on P-256', { cause: error });
    throw error;
  }
}

/**
 * The ecdsap256 TokenBindingID of a P-256 JWK (public or private; only the public half is used).
 * Throws `ERR_TB_INVALID_ARGUMENT` for a key that is not a valid P-256 key.
 *
 * @example
 * ```ts
 * import { tokenBindingIdFromJwk } from '@settle/token-binding';
 * const id = tokenBindingIdFromJwk(devicePublicJwk); // { keyParameters: 'ecdsap256', point: Uint8Array(64) }
 * ```
 */
export function tokenBindingIdFromJwk(jwk: JwkInput): EcdsaP256TokenBindingId {
  if (typeof jwk !== 'object' || jwk === null || jwk['kty'] !== 'EC' || jwk['crv'] !== 'P-256') {
    throw new TokenBindingError('ERR_TB_INVALID_ARGUMENT', 'a token binding key is a P-256 JWK');
  }
  const { d: _private, ...publicMembers } = jwk;
  let raw: Uint8Array;
  try {
    raw = exportRawPublicKey(publicMembers);
  } catch (error) {
    throw new TokenBindingError('ERR_TB_INVALID_ARGUMENT', 'not a valid P-256 JWK', {
      cause: error,
    });
  }
  assert(raw.length === 65 && raw[0] === 0x04, 'uncompressed P-256 point');
  return { keyParameters: 'ecdsap256', point: raw.slice(1) };
}
