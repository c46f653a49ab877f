import { type JwkInput, type SignatureBackend, sign } from '@settle/crypto';
import { type TokenBindingType } from '../constants';
import { TokenBindingError, assert } from '../errors';
import { encodeTokenBindingMessage } from '../message/encode-token-binding-message';
import { encodeSecTokenBindingHeader } from '../message/sec-token-binding-header';
import { type TokenBinding } from '../message/token-binding-message';
import { tokenBindingSignedContent } from './signed-content';
import { tokenBindingIdFromJwk } from './token-binding-key';

/**
 * The arguments of {@link createTokenBindingMessage}.
 *
 * @example
 * ```ts
 * const input: CreateTokenBindingMessageInput = { privateJwk, ekm };
 * ```
 */
export interface CreateTokenBindingMessageInput {
  /** The P-256 binding key (in the device SDK a software key; a hardware key signs through its own API). */
  readonly privateJwk: JwkInput;
  /** This connection's EKM (`exportTokenBindingKeyingMaterial`), 32 bytes. */
  readonly ekm: Uint8Array;
  /** A second key for a referred_token_binding (RFC 8473 §2, federation); usually absent. */
  readonly referredPrivateJwk?: JwkInput;
  /** Default `'noble'` (devices and browsers); `'native'` on a Node client. */
  readonly backend?: SignatureBackend;
}

/**
 * A TokenBindingMessage made by {@link createTokenBindingMessage}: the bytes and the
 * `Sec-Token-Binding` header value.
 *
 * @example
 * ```ts
 * const { header }: CreatedTokenBindingMessage = createTokenBindingMessage({ privateJwk, ekm });
 * ```
 */
export interface CreatedTokenBindingMessage {
  readonly message: Uint8Array;
  readonly header: string;
}

function signedBinding(
  type: TokenBindingType,
  privateJwk: JwkInput,
  ekm: Uint8Array,
  backend: SignatureBackend,
): TokenBinding {
  const tokenBindingId = tokenBindingIdFromJwk(privateJwk);
  let signature: Uint8Array;
  try {
    signature = sign({
      alg: 'ES256',
      privateJwk,
      data: tokenBindingSignedContent(type, 'ecdsap256', ekm),
      backend,
    });
  } catch (error) {
    throw new TokenBindingError('ERR_TB_INVALID_ARGUMENT', 'cannot sign with this key', {
      cause: error,
    });
  }
  return { type, tokenBindingId, signature, extensions: [] };
}

/**
 * Client side (the device SDK): signs `provided_token_binding ‖ ecdsap256 ‖ EKM` with the binding
 * key and returns the RFC 8471 TokenBindingMessage and its RFC 8473 `Sec-Token-Binding` value. The
 * message is valid on the one connection whose EKM it signs. Throws `ERR_TB_INVALID_ARGUMENT` for a
 * key that is not a P-256 private JWK or an EKM that is not 32 bytes.
 *
 * @example
 * ```ts
 * import { createTokenBindingMessage, exportTokenBindingKeyingMaterial } from '@settle/token-binding';
 * const ekm = exportTokenBindingKeyingMaterial(socket);
 * const { header } = createTokenBindingMessage({ privateJwk: bindingKey, ekm });
 * request.setHeader('Sec-Token-Binding', header);
 * ```
 */
export function createTokenBindingMessage(
  input: CreateTokenBindingMessageInput,
): CreatedTokenBindingMessage {
  if (typeof input !== 'object' || input === null)
    throw new TokenBindingError(
      'ERR_TB_INVALID_ARGUMENT',
      'createTokenBindingMessage takes one object argument',
    );
  const backend = input.backend ?? 'noble';
  const tokenBindings = [
    signedBinding('provided_token_binding', input.privateJwk, input.ekm, backend),
  ];
  if (input.referredPrivateJwk !== undefined)
    tokenBindings.push(
      signedBinding('referred_token_binding', input.referredPrivateJwk, input.ekm, backend),
    );
  const message = encodeTokenBindingMessage({ tokenBindings });
  assert(
    message.length === 2 + 137 * tokenBindings.length,
    'an ecdsap256 binding without extensions is 137 bytes',
  );
  return { message, header: encodeSecTokenBindingHeader(message) };
}
