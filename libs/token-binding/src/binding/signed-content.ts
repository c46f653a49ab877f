import {
  type TokenBindingKeyParameters,
  type TokenBindingType,
  tokenBindingEkmLengthBytes,
  tokenBindingKeyParametersCodes,
  tokenBindingTypeCodes,
} from '../constants';
import { TokenBindingError, assert } from '../errors';
import { isBytes } from '../message/bytes';

/**
 * The bytes a TokenBinding's signature covers (RFC 8471 §3.3): tokenbinding_type (1 byte) ‖
 * key_parameters (1 byte) ‖ EKM (32 bytes). Neither the public key nor the extensions are covered:
 * the key is bound because only its private half can sign, the connection because of the EKM.
 * Throws `ERR_TB_INVALID_ARGUMENT` if `ekm` is not 32 bytes.
 *
 * @example
 * ```ts
 * import { tokenBindingSignedContent } from '@settle/token-binding';
 * tokenBindingSignedContent('provided_token_binding', 'ecdsap256', ekm); // Uint8Array(34) [0, 2, …ekm]
 * ```
 */
export function tokenBindingSignedContent(
  type: TokenBindingType,
  keyParameters: TokenBindingKeyParameters,
  ekm: Uint8Array,
): Uint8Array {
  if (!isBytes(ekm) || ekm.length !== tokenBindingEkmLengthBytes) {
    throw new TokenBindingError(
      'ERR_TB_INVALID_ARGUMENT',
      `the EKM is ${tokenBindingEkmLengthBytes} bytes`,
    );
  }
  const content = new Uint8Array(2 + tokenBindingEkmLengthBytes);
  content[0] = tokenBindingTypeCodes[type];
  content[1] = tokenBindingKeyParametersCodes[keyParameters];
  content.set(ekm, 2);
  assert(content[0] !== undefined && content[1] !== undefined, 'known type and key parameters');
  return content;
}
