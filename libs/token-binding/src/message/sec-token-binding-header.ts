import { base64UrlDecode, base64UrlEncode } from '@settle/crypto';
import { tokenBindingHeaderLengthMaxChars } from '../constants';
import { TokenBindingError } from '../errors';
import { isBytes } from './bytes';

/**
 * Decodes a `Sec-Token-Binding` header value (RFC 8473 §2: the TokenBindingMessage in base64url
 * without padding) to bytes. Strict: canonical unpadded base64url only, no whitespace, no padding,
 * no second value joined with a comma (`ERR_TB_HEADER_ENCODING_INVALID`); longer than
 * `tokenBindingHeaderLengthMaxChars` is `ERR_TB_MESSAGE_TOO_LARGE`, checked before decoding.
 *
 * @example
 * ```ts
 * import { decodeSecTokenBindingHeader } from '@settle/token-binding';
 * const bytes = decodeSecTokenBindingHeader(request.headers['sec-token-binding']);
 * ```
 */
export function decodeSecTokenBindingHeader(header: string): Uint8Array {
  if (typeof header !== 'string')
    throw new TokenBindingError(
      'ERR_TB_INVALID_ARGUMENT',
      'a Sec-Token-Binding value must be a string',
    );
  if (header.length > tokenBindingHeaderLengthMaxChars) {
    throw new TokenBindingError(
      'ERR_TB_MESSAGE_TOO_LARGE',
      `a Sec-Token-Binding value is at most ${tokenBindingHeaderLengthMaxChars} characters`,
    );
  }
  const bytes = base64UrlDecode(header);
  if (bytes === undefined || bytes.length === 0) {
    throw new TokenBindingError(
      'ERR_TB_HEADER_ENCODING_INVALID',
      'a Sec-Token-Binding value is non-empty canonical unpadded base64url',
    );
  }
  return bytes;
}

/**
 * Encodes an encoded TokenBindingMessage as a `Sec-Token-Binding` header value (unpadded base64url).
 *
 * @example
 * ```ts
 * import { encodeSecTokenBindingHeader } from '@settle/token-binding';
 * headers['sec-token-binding'] = encodeSecTokenBindingHeader(encodeTokenBindingMessage(message));
 * ```
 */
export function encodeSecTokenBindingHeader(message: Uint8Array): string {
  if (!isBytes(message))
    throw new TokenBindingError(
      'ERR_TB_INVALID_ARGUMENT',
      'a TokenBindingMessage must be a Uint8Array',
    );
  return base64UrlEncode(message);
}
