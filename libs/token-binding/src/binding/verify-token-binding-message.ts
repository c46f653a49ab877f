import {
  type Es256PublicJwk,
  base64UrlEncode,
  sha256Concat,
  verifySignature,
} from '@settle/crypto';
import {
  type TokenBindingKeyParameters,
  type TokenBindingType,
  tokenBindingEkmLengthBytes,
} from '../constants';
import {
  type TokenBindingErrorCode,
  TokenBindingError,
  assert,
  isTokenBindingError,
} from '../errors';
import { isBytes } from '../message/bytes';
import { checkAllowedKeyParameters } from '../message/key-parameters';
import { parseTokenBindingMessage } from '../message/parse-token-binding-message';
import { decodeSecTokenBindingHeader } from '../message/sec-token-binding-header';
import { tokenBindingIdHash } from '../message/token-binding-id-hash';
import { type TokenBinding } from '../message/token-binding-message';
import { tokenBindingSignedContent } from './signed-content';
import { tokenBindingIdToJwk } from './token-binding-key';

/**
 * The arguments of {@link verifyTokenBindingMessage}.
 *
 * @example
 * ```ts
 * const input: VerifyTokenBindingMessageInput = { header, ekm, allowedKeyParameters: ['ecdsap256'] };
 * ```
 */
export interface VerifyTokenBindingMessageInput {
  /** The `Sec-Token-Binding` header value, exactly as received (untrusted). */
  readonly header: string;
  /** The EKM of the connection the request arrived on (`exportTokenBindingKeyingMaterial`), 32 bytes. */
  readonly ekm: Uint8Array;
  /** Key parameters to accept. Only `'ecdsap256'` can be verified; naming another is `ERR_TB_INVALID_ARGUMENT`. */
  readonly allowedKeyParameters: readonly TokenBindingKeyParameters[];
}

/**
 * A binding whose signature verified: its key as a JWK, the key's RFC 7638 thumbprint (`jkt`) and
 * the TokenBindingID hash (`tbh`), the two values a bound token's `cnf` names.
 *
 * @example
 * ```ts
 * const { keyId, tokenBindingIdHash }: VerifiedTokenBinding = result.provided;
 * ```
 */
export interface VerifiedTokenBinding {
  readonly keyJwk: Es256PublicJwk;
  readonly keyId: string;
  readonly tokenBindingIdHash: string;
}

/**
 * The codes `verifyTokenBindingMessage` returns for a rejected message (its input, not the caller's).
 *
 * @example
 * ```ts
 * const code: TokenBindingRejectionCode = 'ERR_TB_SIGNATURE_INVALID';
 * ```
 */
export type TokenBindingRejectionCode = Exclude<
  TokenBindingErrorCode,
  'ERR_TB_INVALID_ARGUMENT' | 'ERR_TB_TLS_STATE_INVALID' | 'ERR_TB_ASSERTION_FAILED'
>;

/**
 * The result of {@link verifyTokenBindingMessage}.
 *
 * @example
 * ```ts
 * if (!result.ok) return reply(400, result.code);
 * ```
 */
export type VerifyTokenBindingMessageResult =
  | {
      readonly ok: true;
      readonly provided: VerifiedTokenBinding;
      readonly referred?: VerifiedTokenBinding;
    }
  | { readonly ok: false; readonly code: TokenBindingRejectionCode };

const verifiableKeyParameters: readonly TokenBindingKeyParameters[] = ['ecdsap256'];

function checkInput(input: VerifyTokenBindingMessageInput): readonly TokenBindingKeyParameters[] {
  if (typeof input !== 'object' || input === null)
    throw new TokenBindingError(
      'ERR_TB_INVALID_ARGUMENT',
      'verifyTokenBindingMessage takes one object argument',
    );
  if (!isBytes(input.ekm) || input.ekm.length !== tokenBindingEkmLengthBytes) {
    throw new TokenBindingError(
      'ERR_TB_INVALID_ARGUMENT',
      `the EKM is ${tokenBindingEkmLengthBytes} bytes`,
    );
  }
  const allowed = checkAllowedKeyParameters(input.allowedKeyParameters);
  if (allowed.some((name) => !verifiableKeyParameters.includes(name))) {
    throw new TokenBindingError(
      'ERR_TB_INVALID_ARGUMENT',
      'only ecdsap256 bindings can be verified',
    );
  }
  return allowed;
}

/** RFC 8473 §2: exactly one provided binding, at most one referred binding. */
function checkBindingTypes(bindings: readonly TokenBinding[]): void {
  const count = (type: TokenBindingType) =>
    bindings.filter((binding) => binding.type === type).length;
  if (count('provided_token_binding') !== 1 || count('referred_token_binding') > 1) {
    throw new TokenBindingError(
      'ERR_TB_BINDINGS_INVALID',
      'exactly one provided and at most one referred binding',
    );
  }
  // Extensions are not signed (RFC 8471 §3.3): acting on one would trust bytes anyone on the path can
  // change, and this profile defines none, so a binding that carries one is refused.
  if (bindings.some((binding) => binding.extensions.length > 0)) {
    throw new TokenBindingError(
      'ERR_TB_EXTENSIONS_NOT_ALLOWED',
      'token binding extensions are not accepted',
    );
  }
}

function verifyBinding(binding: TokenBinding, ekm: Uint8Array): VerifiedTokenBinding {
  const id = binding.tokenBindingId;
  assert(id.keyParameters === 'ecdsap256', 'only ecdsap256 passes the allow-list');
  const keyJwk = tokenBindingIdToJwk(id);
  const data = tokenBindingSignedContent(binding.type, id.keyParameters, ekm);
  // The services' hot path: OpenSSL, which accepts high-s signatures like every other verifier.
  if (
    !verifySignature({
      alg: 'ES256',
      jwk: keyJwk,
      data,
      signature: binding.signature,
      backend: 'native',
    })
  ) {
    throw new TokenBindingError(
      'ERR_TB_SIGNATURE_INVALID',
      `the ${binding.type} signature does not verify`,
    );
  }
  return {
    keyJwk,
    keyId: thumbprintOfImportedKey(keyJwk),
    tokenBindingIdHash: tokenBindingIdHash(id),
  };
}

/**
 * The RFC 7638 thumbprint of a P-256 JWK that `tokenBindingIdToJwk` just made from a point it checked
 * is on the curve: SHA-256 over its required members, as `calculateJwkThumbprint` computes it, without
 * checking the point again (that check was about half of a binding's verification in a profile). The JWK's
 * coordinates are the importer's canonical base64url, so the input is the one RFC 7638 defines.
 */
function thumbprintOfImportedKey(keyJwk: Es256PublicJwk): string {
  const input = JSON.stringify({ crv: keyJwk.crv, kty: keyJwk.kty, x: keyJwk.x, y: keyJwk.y });
  return base64UrlEncode(sha256Concat([new TextEncoder().encode(input)]));
}

/**
 * Server side: verifies a `Sec-Token-Binding` header against the EKM of the connection it arrived
 * on. Decodes strictly (`decodeSecTokenBindingHeader`, `parseTokenBindingMessage` with the
 * allow-list), requires exactly one provided and at most one referred binding and no extensions,
 * and verifies each signature over type ‖ key_parameters ‖ EKM with node:crypto. A message made
 * over another connection fails (`ERR_TB_SIGNATURE_INVALID`): its EKM differs.
 *
 * Rejections of the header are results (`{ ok: false, code }`); a caller's mistake (an EKM that is
 * not 32 bytes, an allow-list naming RSA) throws `ERR_TB_INVALID_ARGUMENT`. Nothing in the message
 * depends on time: freshness comes from the EKM, which is unique to the connection. Checking that
 * the key is the one a token's `cnf` names is the caller's next step (compare `keyId` and
 * `tokenBindingIdHash`).
 *
 * @example
 * ```ts
 * import { exportTokenBindingKeyingMaterial, verifyTokenBindingMessage } from '@settle/token-binding';
 * const result = verifyTokenBindingMessage({
 *   header: request.headers['sec-token-binding'],
 *   ekm: exportTokenBindingKeyingMaterial(request.socket),
 *   allowedKeyParameters: ['ecdsap256'],
 * });
 * if (!result.ok) return reply(400, result.code);
 * if (result.provided.keyId !== token.cnf.jkt) return reply(401, 'ERR_TB_KEY_MISMATCH');
 * ```
 */
export function verifyTokenBindingMessage(
  input: VerifyTokenBindingMessageInput,
): VerifyTokenBindingMessageResult {
  const allowedKeyParameters = checkInput(input);
  try {
    if (typeof input.header !== 'string')
      throw new TokenBindingError(
        'ERR_TB_HEADER_ENCODING_INVALID',
        'the header value is not a string',
      );
    const { tokenBindings } = parseTokenBindingMessage(decodeSecTokenBindingHeader(input.header), {
      allowedKeyParameters,
    });
    checkBindingTypes(tokenBindings);
    const verified = tokenBindings.map((binding) => ({
      type: binding.type,
      result: verifyBinding(binding, input.ekm),
    }));
    const provided = verified.find(({ type }) => type === 'provided_token_binding');
    const referred = verified.find(({ type }) => type === 'referred_token_binding');
    assert(provided !== undefined, 'checkBindingTypes guarantees a provided binding');
    return referred === undefined
      ? { ok: true, provided: provided.result }
      : { ok: true, provided: provided.result, referred: referred.result };
  } catch (error) {
    if (
      !isTokenBindingError(error) ||
      error.code === 'ERR_TB_INVALID_ARGUMENT' ||
      error.code === 'ERR_TB_TLS_STATE_INVALID' ||
      error.code === 'ERR_TB_ASSERTION_FAILED'
    ) {
      throw error;
    }
    return { ok: false, code: error.code };
  }
}
