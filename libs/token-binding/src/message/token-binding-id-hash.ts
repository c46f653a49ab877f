import { base64UrlEncode, sha256Concat } from '@settle/crypto';
import { assert } from '../errors';
import { encodeTokenBindingId } from './encode-token-binding-id';
import { type TokenBindingId } from './token-binding-message';

/**
 * SHA-256 of the encoded TokenBindingID (key_parameters ‖ key_length ‖ TB_PubKey), base64url without
 * padding (43 characters): what a bound token's `cnf` claim carries as `tbh` (the OAuth token
 * binding draft's confirmation method), next to the JWK thumbprint of the same key (`jkt`, which
 * `verifyTokenBindingMessage` returns as `keyId`). Throws `ERR_TB_INVALID_ARGUMENT` for a malformed id.
 *
 * @example
 * ```ts
 * import { tokenBindingIdHash } from '@settle/token-binding';
 * const cnf = { tbh: tokenBindingIdHash(binding.tokenBindingId), jkt: keyId };
 * ```
 */
export function tokenBindingIdHash(id: TokenBindingId): string {
  const digest = sha256Concat([encodeTokenBindingId(id)]);
  assert(digest.length === 32, 'SHA-256 digest length');
  return base64UrlEncode(digest);
}
