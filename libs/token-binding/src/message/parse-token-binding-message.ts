import {
  type TokenBindingKeyParameters,
  type TokenBindingType,
  defaultAllowedKeyParameters,
  ecdsaP256PointLengthBytes,
  ecdsaP256SignatureLengthBytes,
  rsa2048ModulusLengthBytes,
  tokenBindingKeyParametersCodes,
  tokenBindingMessageSizeMaxBytes,
  tokenBindingTypeCodes,
  tokenBindingsLengthMinBytes,
} from '../constants';
import { TokenBindingError, assert } from '../errors';
import { ByteReader, isBytes } from './bytes';
import { checkAllowedKeyParameters } from './key-parameters';
import {
  type TokenBinding,
  type TokenBindingExtension,
  type TokenBindingId,
  type TokenBindingMessage,
} from './token-binding-message';

/**
 * Options of {@link parseTokenBindingMessage}.
 *
 * @example
 * ```ts
 * const options: ParseTokenBindingMessageOptions = { allowedKeyParameters: ['ecdsap256'] };
 * ```
 */
export interface ParseTokenBindingMessageOptions {
  /** Key parameters to accept; default `['ecdsap256']`. Anything else is `ERR_TB_KEY_PARAMETERS_NOT_ALLOWED`. */
  readonly allowedKeyParameters?: readonly TokenBindingKeyParameters[];
}

const typeByCode = new Map<number, TokenBindingType>(
  Object.entries(tokenBindingTypeCodes).map(([name, code]) => [code, name as TokenBindingType]),
);
const keyParametersByCode = new Map<number, TokenBindingKeyParameters>(
  Object.entries(tokenBindingKeyParametersCodes).map(([name, code]) => [
    code,
    name as TokenBindingKeyParameters,
  ]),
);

function malformed(message: string): TokenBindingError {
  return new TokenBindingError('ERR_TB_MALFORMED', message);
}

function readTokenBindingId(
  reader: ByteReader,
  allowed: readonly TokenBindingKeyParameters[],
): TokenBindingId {
  const code = reader.uint8();
  const keyParameters = keyParametersByCode.get(code);
  if (keyParameters === undefined || !allowed.includes(keyParameters)) {
    throw new TokenBindingError(
      'ERR_TB_KEY_PARAMETERS_NOT_ALLOWED',
      `key parameters ${code} are not allowed`,
    );
  }
  // uint16 key_length, then TB_PubKey of exactly that many bytes.
  const publicKey = reader.vector(2, 'TB_PubKey');
  let id: TokenBindingId;
  if (keyParameters === 'ecdsap256') {
    const point = publicKey.vector(1, 'TB_ECPoint');
    if (point.remaining !== ecdsaP256PointLengthBytes)
      throw malformed('an ecdsap256 point is X ‖ Y, 64 bytes');
    id = { keyParameters, point: point.take(ecdsaP256PointLengthBytes) };
  } else {
    const modulus = publicKey.vector(2, 'RSA modulus');
    if (modulus.remaining !== rsa2048ModulusLengthBytes)
      throw malformed('an RSA-2048 modulus is 256 bytes');
    const exponent = publicKey.vector(1, 'RSA public exponent');
    if (exponent.remaining === 0) throw malformed('an RSA public exponent is 1 to 255 bytes');
    id = {
      keyParameters,
      modulus: modulus.take(modulus.remaining),
      publicExponent: exponent.take(exponent.remaining),
    };
  }
  publicKey.finish();
  return id;
}

function readExtensions(reader: ByteReader): TokenBindingExtension[] {
  const extensions: TokenBindingExtension[] = [];
  const list = reader.vector(2, 'extensions');
  while (list.remaining > 0) {
    const type = list.uint8();
    const data = list.vector(2, 'extension_data');
    extensions.push({ type, data: data.take(data.remaining) });
  }
  return extensions;
}

function readTokenBinding(
  reader: ByteReader,
  allowed: readonly TokenBindingKeyParameters[],
): TokenBinding {
  const typeCode = reader.uint8();
  const type = typeByCode.get(typeCode);
  if (type === undefined)
    throw new TokenBindingError('ERR_TB_TYPE_UNKNOWN', `TokenBindingType ${typeCode} is not known`);
  const tokenBindingId = readTokenBindingId(reader, allowed);
  const signatureVector = reader.vector(2, 'signature');
  const expectedSignatureLength =
    tokenBindingId.keyParameters === 'ecdsap256'
      ? ecdsaP256SignatureLengthBytes
      : rsa2048ModulusLengthBytes;
  if (signatureVector.remaining !== expectedSignatureLength) {
    throw malformed(
      `a ${tokenBindingId.keyParameters} signature is ${expectedSignatureLength} bytes`,
    );
  }
  const signature = signatureVector.take(expectedSignatureLength);
  return { type, tokenBindingId, signature, extensions: readExtensions(reader) };
}

/**
 * Decodes an RFC 8471 TokenBindingMessage, strictly: every length exact and consistent, only the
 * two known TokenBindingTypes, key parameters from the allow-list (default ecdsap256 only), no
 * trailing bytes, at most `tokenBindingMessageSizeMaxBytes`. It checks syntax only: no signature,
 * no point-on-curve check, no rule on how many bindings of each type (see
 * `verifyTokenBindingMessage`). Throws `TokenBindingError` (`ERR_TB_MESSAGE_TOO_LARGE`,
 * `ERR_TB_MALFORMED`, `ERR_TB_TYPE_UNKNOWN`, `ERR_TB_KEY_PARAMETERS_NOT_ALLOWED`).
 *
 * @example
 * ```ts
 * import { decodeSecTokenBindingHeader, parseTokenBindingMessage } from '@settle/token-binding';
 * const { tokenBindings } = parseTokenBindingMessage(decodeSecTokenBindingHeader(header));
 * ```
 */
export function parseTokenBindingMessage(
  bytes: Uint8Array,
  options: ParseTokenBindingMessageOptions = {},
): TokenBindingMessage {
  if (!isBytes(bytes))
    throw new TokenBindingError(
      'ERR_TB_INVALID_ARGUMENT',
      'a TokenBindingMessage must be a Uint8Array',
    );
  const allowed = checkAllowedKeyParameters(
    options.allowedKeyParameters ?? defaultAllowedKeyParameters,
  );
  if (bytes.length > tokenBindingMessageSizeMaxBytes) {
    throw new TokenBindingError(
      'ERR_TB_MESSAGE_TOO_LARGE',
      `a TokenBindingMessage is at most ${tokenBindingMessageSizeMaxBytes} bytes`,
    );
  }
  const outer = new ByteReader(bytes, 'TokenBindingMessage');
  const list = outer.vector(2, 'tokenbindings');
  outer.finish();
  if (list.remaining < tokenBindingsLengthMinBytes)
    throw malformed(`tokenbindings is at least ${tokenBindingsLengthMinBytes} bytes`);
  const tokenBindings: TokenBinding[] = [];
  while (list.remaining > 0) tokenBindings.push(readTokenBinding(list, allowed));
  assert(tokenBindings.length > 0, 'a non-empty tokenbindings vector holds a binding');
  return { tokenBindings };
}
