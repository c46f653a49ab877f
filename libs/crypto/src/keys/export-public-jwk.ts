import { type JwkInput, type PublicJwk } from './jwk';
import { parsePrivateJwk, parsePublicJwk } from './parse-jwk';

/**
 * The public JWK of a private or public JWK, reduced to the members that define the key: what a
 * device registers and what a key id is computed over. The input is checked in full
 * (`ERR_JWK_INVALID`); for a private JWK, `d` must match the public members.
 *
 * @example
 * ```ts
 * import { exportPublicJwk, generateKeyPair } from '@settle/crypto';
 * const { privateJwk } = generateKeyPair('ES256');
 * exportPublicJwk(privateJwk); // { kty: 'EC', crv: 'P-256', x, y }
 * ```
 */
export function exportPublicJwk(jwk: JwkInput): PublicJwk {
  return 'd' in jwk ? parsePrivateJwk(jwk).jwk : parsePublicJwk(jwk).jwk;
}
