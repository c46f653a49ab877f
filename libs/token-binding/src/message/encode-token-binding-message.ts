import {
  tokenBindingMessageSizeMaxBytes,
  tokenBindingTypeCodes,
  tokenBindingsLengthMinBytes,
} from '../constants';
import { TokenBindingError, assert } from '../errors';
import { concatBytes, isBytes, uint16, uint8 } from './bytes';
import { encodeTokenBindingId } from './encode-token-binding-id';
import {
  type TokenBinding,
  type TokenBindingExtension,
  type TokenBindingMessage,
} from './token-binding-message';

const uint16Max = 0xffff;

function invalid(message: string): TokenBindingError {
  return new TokenBindingError('ERR_TB_INVALID_ARGUMENT', message);
}

function vector16(contents: Uint8Array, what: string): Uint8Array {
  if (contents.length > uint16Max) throw invalid(`${what} is longer than 65 535 bytes`);
  return concatBytes([uint16(contents.length), contents]);
}

function encodeExtension(extension: TokenBindingExtension): Uint8Array {
  if (!Number.isInteger(extension.type) || extension.type < 0 || extension.type > 0xff)
    throw invalid('an extension type is 0 to 255');
  if (!isBytes(extension.data)) throw invalid('extension data must be a Uint8Array');
  return concatBytes([uint8(extension.type), vector16(extension.data, 'extension_data')]);
}

function encodeTokenBinding(binding: TokenBinding): Uint8Array {
  if (!Object.hasOwn(tokenBindingTypeCodes, binding.type))
    throw invalid(`unknown TokenBindingType ${String(binding.type)}`);
  const id = encodeTokenBindingId(binding.tokenBindingId);
  const expectedSignatureLength = binding.tokenBindingId.keyParameters === 'ecdsap256' ? 64 : 256;
  if (!isBytes(binding.signature) || binding.signature.length !== expectedSignatureLength) {
    throw invalid(
      `a ${binding.tokenBindingId.keyParameters} signature is ${expectedSignatureLength} bytes`,
    );
  }
  if (!Array.isArray(binding.extensions)) throw invalid('extensions must be an array');
  const extensions = concatBytes(binding.extensions.map(encodeExtension));
  return concatBytes([
    uint8(tokenBindingTypeCodes[binding.type]),
    id,
    vector16(binding.signature, 'signature'),
    vector16(extensions, 'extensions'),
  ]);
}

/**
 * Encodes an RFC 8471 TokenBindingMessage (the inverse of `parseTokenBindingMessage`: for every
 * message it accepts, `encode(parse(bytes))` gives `bytes` back). Throws `ERR_TB_INVALID_ARGUMENT`
 * for a malformed structure, `ERR_TB_MESSAGE_TOO_LARGE` above `tokenBindingMessageSizeMaxBytes`.
 * Use `encodeSecTokenBindingHeader` for the HTTP header value.
 *
 * @example
 * ```ts
 * import { encodeTokenBindingMessage } from '@settle/token-binding';
 * const bytes = encodeTokenBindingMessage({ tokenBindings: [{ type: 'provided_token_binding', tokenBindingId, signature, extensions: [] }] });
 * ```
 */
export function encodeTokenBindingMessage(message: TokenBindingMessage): Uint8Array {
  if (
    typeof message !== 'object' ||
    message === null ||
    !Array.isArray(message.tokenBindings) ||
    message.tokenBindings.length === 0
  ) {
    throw invalid('a TokenBindingMessage holds a non-empty tokenBindings array');
  }
  const list = concatBytes(message.tokenBindings.map(encodeTokenBinding));
  // Every ecdsap256 or RSA binding is longer than the RFC's lower bound; checked, not assumed.
  if (list.length < tokenBindingsLengthMinBytes)
    throw invalid(`tokenbindings is at least ${tokenBindingsLengthMinBytes} bytes`);
  if (list.length + 2 > tokenBindingMessageSizeMaxBytes) {
    throw new TokenBindingError(
      'ERR_TB_MESSAGE_TOO_LARGE',
      `a TokenBindingMessage is at most ${tokenBindingMessageSizeMaxBytes} bytes`,
    );
  }
  const encoded = vector16(list, 'tokenbindings');
  assert(encoded.length === list.length + 2, 'TokenBindingMessage length');
  return encoded;
}
