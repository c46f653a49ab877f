import { sha256 } from '@noble/hashes/sha2.js';
import { base64UrlDecode, base64UrlEncode } from '../encoding/base64';
import { CryptoError, assert } from '../errors';
import { type JwkInput } from '../keys/jwk';
import { parsePublicJwk } from '../keys/parse-jwk';

/** SHA-256 output length, the length of a thumbprint in bytes. */
const thumbprintLengthBytes = 32;

/**
 * The RFC 7638 §3.2 input: the required members of the key type only, in lexicographic order, no
 * whitespace. EC and OKP keys are checked in full first so that one key cannot have two
 * thumbprints through a non-canonical encoding of a coordinate; RSA is accepted only so that the
 * RFC's own example can be checked (its members must still be canonical base64url).
 */
function thumbprintInput(jwk: JwkInput): string {
  if (jwk['kty'] === 'RSA') {
    const { e, n } = jwk;
    if (
      typeof e !== 'string' ||
      typeof n !== 'string' ||
      base64UrlDecode(e) === undefined ||
      base64UrlDecode(n) === undefined
    ) {
      throw new CryptoError(
        'ERR_JWK_INVALID',
        'an RSA JWK needs canonical base64url members e and n',
      );
    }
    return JSON.stringify({ e, kty: 'RSA', n });
  }
  const { jwk: publicJwk } = parsePublicJwk(jwk, undefined, 'either');
  if (publicJwk.kty === 'EC')
    return JSON.stringify({
      crv: publicJwk.crv,
      kty: publicJwk.kty,
      x: publicJwk.x,
      y: publicJwk.y,
    });
  return JSON.stringify({ crv: publicJwk.crv, kty: publicJwk.kty, x: publicJwk.x });
}

/**
 * The RFC 7638 JWK thumbprint with SHA-256, as 32 bytes: the compact form of the protocol's key id,
 * e.g. for a COSE `kid`. Private JWKs give the thumbprint of their public half; `alg`, `kid` and
 * other optional members do not change it. Throws `ERR_JWK_INVALID` for a malformed key.
 *
 * @example
 * ```ts
 * import { calculateJwkThumbprintBytes } from '@settle/crypto';
 * const keyId = calculateJwkThumbprintBytes(publicJwk); // Uint8Array(32)
 * ```
 */
export function calculateJwkThumbprintBytes(jwk: JwkInput): Uint8Array {
  if (typeof jwk !== 'object' || jwk === null)
    throw new CryptoError('ERR_JWK_INVALID', 'a JWK must be a JSON object');
  const digest = sha256(new TextEncoder().encode(thumbprintInput(jwk)));
  assert(digest.length === thumbprintLengthBytes, 'SHA-256 digest length');
  return digest;
}

/**
 * The RFC 7638 JWK thumbprint with SHA-256, base64url-encoded (43 characters): the protocol's key
 * id (DESIGN §4). Not Apple's App Attest key id, which hashes the raw point instead.
 *
 * @example
 * ```ts
 * import { calculateJwkThumbprint } from '@settle/crypto';
 * calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' });
 * // 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k' (RFC 8037 §A.3)
 * ```
 */
export function calculateJwkThumbprint(jwk: JwkInput): string {
  return base64UrlEncode(calculateJwkThumbprintBytes(jwk));
}
