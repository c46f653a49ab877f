import { type SignatureAlgorithm } from '../algorithms';
import { type PublicJwk } from './jwk';
import { parsePublicJwk } from './parse-jwk';

/**
 * Checks an untrusted public JWK in full and returns it reduced to the members that define the key
 * (`kty`, `crv`, `x`, and `y` for P-256), frozen. Throws `ERR_JWK_INVALID` for anything but a
 * P-256 or Ed25519 public key: private members, another curve, non-canonical or wrong-length
 * base64url, a point not on the curve, a small-order Ed25519 point, `alg`/`use`/`key_ops`
 * inconsistent with the key, or a key of another algorithm than `options.alg`.
 *
 * @example
 * ```ts
 * import { importPublicJwk } from '@settle/crypto';
 * const jwk = importPublicJwk(JSON.parse(body), { alg: 'ES256' });
 * ```
 */
export function importPublicJwk(
  input: unknown,
  options: { readonly alg?: SignatureAlgorithm } = {},
): PublicJwk {
  return parsePublicJwk(input, options.alg).jwk;
}
