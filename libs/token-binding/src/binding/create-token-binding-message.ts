import { type JwkInput, type SignatureBackend, createSigner } from '@settle/crypto';
import { type TokenBindingType } from '../constants';
import { TokenBindingError, assert } from '../errors';
import { encodeTokenBindingMessage } from '../message/encode-token-binding-message';
import { encodeSecTokenBindingHeader } from '../message/sec-token-binding-header';
import { type EcdsaP256TokenBindingId, type TokenBinding } from '../message/token-binding-message';
import { tokenBindingSignedContent } from './signed-content';
import { tokenBindingIdFromJwk } from './token-binding-key';

/**
 * A binding key prepared once: its TokenBindingID and a function that signs with it. What a device's
 * keystore handle is (the key is checked and imported when the handle is made, not per signature);
 * made by {@link createTokenBindingSigner}, or by a device SDK around its hardware key.
 *
 * @example
 * ```ts
 * const signer: TokenBindingSigner = createTokenBindingSigner(bindingPrivateJwk, 'native');
 * ```
 */
export interface TokenBindingSigner {
  readonly tokenBindingId: EcdsaP256TokenBindingId;
  /** The raw 64-byte ES256 signature (r‖s) of `data`. */
  sign(data: Uint8Array): Uint8Array;
}

/**
 * Prepares a P-256 private JWK for signing bindings: checks it in full and imports it once (about
 * 0.5 ms of a binding made from the JWK each time), so each connection then costs one signature.
 * Throws `ERR_TB_INVALID_ARGUMENT` for a key that is not a valid P-256 private JWK.
 *
 * @example
 * ```ts
 * import { createTokenBindingMessage, createTokenBindingSigner } from '@settle/token-binding';
 * const signer = createTokenBindingSigner(bindingPrivateJwk, 'native');
 * const { header } = createTokenBindingMessage({ signer, ekm });
 * ```
 */
export function createTokenBindingSigner(
  privateJwk: JwkInput,
  backend: SignatureBackend = 'noble',
): TokenBindingSigner {
  const tokenBindingId = tokenBindingIdFromJwk(privateJwk);
  let sign: (data: Uint8Array) => Uint8Array;
  try {
    sign = createSigner({ alg: 'ES256', privateJwk, backend });
  } catch (error) {
    throw new TokenBindingError('ERR_TB_INVALID_ARGUMENT', 'cannot sign with this key', {
      cause: error,
    });
  }
  return { tokenBindingId, sign };
}

/**
 * The arguments of {@link createTokenBindingMessage}: the binding key as a private JWK (checked and
 * imported on every call) or as a {@link TokenBindingSigner} prepared once, not both.
 *
 * @example
 * ```ts
 * const input: CreateTokenBindingMessageInput = { privateJwk, ekm };
 * const prepared: CreateTokenBindingMessageInput = { signer, ekm };
 * ```
 */
export interface CreateTokenBindingMessageInput {
  /** The P-256 binding key (in the device SDK a software key; a hardware key signs through its own API). */
  readonly privateJwk?: JwkInput;
  /** The binding key prepared once ({@link createTokenBindingSigner}); instead of `privateJwk`. */
  readonly signer?: TokenBindingSigner;
  /** This connection's EKM (`exportTokenBindingKeyingMaterial`), 32 bytes. */
  readonly ekm: Uint8Array;
  /** A second key for a referred_token_binding (RFC 8473 §2, federation); usually absent. */
  readonly referredPrivateJwk?: JwkInput;
  /** Default `'noble'` (devices and browsers); `'native'` on a Node client. Applies to JWKs only. */
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
  signer: TokenBindingSigner,
  ekm: Uint8Array,
): TokenBinding {
  const { tokenBindingId } = signer;
  const signature = signer.sign(tokenBindingSignedContent(type, tokenBindingId.keyParameters, ekm));
  return { type, tokenBindingId, signature, extensions: [] };
}

function providedSigner(input: CreateTokenBindingMessageInput, backend: SignatureBackend) {
  if ((input.privateJwk === undefined) === (input.signer === undefined))
    throw new TokenBindingError(
      'ERR_TB_INVALID_ARGUMENT',
      'createTokenBindingMessage takes a privateJwk or a signer',
    );
  return input.signer ?? createTokenBindingSigner(input.privateJwk!, backend);
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
    signedBinding('provided_token_binding', providedSigner(input, backend), input.ekm),
  ];
  if (input.referredPrivateJwk !== undefined)
    tokenBindings.push(
      signedBinding(
        'referred_token_binding',
        createTokenBindingSigner(input.referredPrivateJwk, backend),
        input.ekm,
      ),
    );
  const message = encodeTokenBindingMessage({ tokenBindings });
  assert(
    message.length === 2 + 137 * tokenBindings.length,
    'an ecdsap256 binding without extensions is 137 bytes',
  );
  return { message, header: encodeSecTokenBindingHeader(message) };
}
