import { type SignatureAlgorithm } from '../algorithms';
import { type PrivateJwk } from './jwk';
import { parsePrivateJwk } from './parse-jwk';

/**
 * Checks a private JWK in full and returns it reduced to `kty`, `crv`, `x`, (`y`), `d`, frozen.
 * Throws `ERR_JWK_INVALID` as {@link importPublicJwk} does, and also when `d` is missing, not a
 * valid scalar/seed, or not the private half of `x`/`y`.
 *
 * @example
 * ```ts
 * import { importPrivateJwk } from '@settle/crypto';
 * const signingKey = importPrivateJwk(JSON.parse(secretJson), { alg: 'ES256' });
 * ```
 */
export function importPrivateJwk(
  input: unknown,
  options: { readonly alg?: SignatureAlgorithm } = {},
): PrivateJwk {
  return parsePrivateJwk(input, options.alg).privateJwk;
}
