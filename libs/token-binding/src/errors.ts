/**
 * Every error code of this library, in order of introduction. Closed and append-only: a code is
 * never renamed, reused or removed, because callers (the resource-server guard, the session
 * endpoint) switch on it. None is helped by a retry: the same input gives the same code.
 *
 * @example
 * ```ts
 * import { tokenBindingErrorCodes } from '@settle/token-binding';
 * tokenBindingErrorCodes.includes('ERR_TB_MALFORMED'); // true
 * ```
 */
export const tokenBindingErrorCodes = [
  /** An argument has the wrong type or shape (a programmer error at the call site). */
  'ERR_TB_INVALID_ARGUMENT',
  /** The header or message is longer than the named limit; refused before decoding. */
  'ERR_TB_MESSAGE_TOO_LARGE',
  /** The `Sec-Token-Binding` value is not canonical unpadded base64url (RFC 8473 §2). */
  'ERR_TB_HEADER_ENCODING_INVALID',
  /** Not a well-formed TokenBindingMessage: a length out of range or inconsistent, truncated, trailing bytes. */
  'ERR_TB_MALFORMED',
  /** A TokenBindingType other than provided_token_binding (0) and referred_token_binding (1). */
  'ERR_TB_TYPE_UNKNOWN',
  /** Key parameters that are unknown or not in the caller's allow-list. */
  'ERR_TB_KEY_PARAMETERS_NOT_ALLOWED',
  /** A TokenBinding carrying extensions: they are not signed (RFC 8471 §3.3), so this profile refuses them. */
  'ERR_TB_EXTENSIONS_NOT_ALLOWED',
  /** Not exactly one provided_token_binding, or more than one referred_token_binding (RFC 8473). */
  'ERR_TB_BINDINGS_INVALID',
  /** The TokenBindingID's public key is not a valid key (for ecdsap256: not a point on P-256). */
  'ERR_TB_KEY_INVALID',
  /** A signature that does not verify over type ‖ key_parameters ‖ EKM. */
  'ERR_TB_SIGNATURE_INVALID',
  /** The TLS connection cannot give a token binding EKM: handshake not finished, or not TLS 1.3. */
  'ERR_TB_TLS_STATE_INVALID',
  /** An internal invariant does not hold: a bug in this library, never caused by input. */
  'ERR_TB_ASSERTION_FAILED',
] as const;

/**
 * One of {@link tokenBindingErrorCodes}.
 *
 * @example
 * ```ts
 * const code: TokenBindingErrorCode = 'ERR_TB_SIGNATURE_INVALID';
 * ```
 */
export type TokenBindingErrorCode = (typeof tokenBindingErrorCodes)[number];

/**
 * The only error type this library throws. Switch on `code`, never on `message`.
 *
 * @example
 * ```ts
 * import { TokenBindingError, parseTokenBindingMessage } from '@settle/token-binding';
 * try {
 *   parseTokenBindingMessage(bytes);
 * } catch (error) {
 *   if (error instanceof TokenBindingError && error.code === 'ERR_TB_MALFORMED') {
 *     // reject the request with 400
 *   }
 * }
 * ```
 */
export class TokenBindingError extends Error {
  override readonly name = 'TokenBindingError';
  readonly code: TokenBindingErrorCode;
  /** Always `false`: the same input gives the same error. Present so infrastructure callers can read it uniformly. */
  readonly retriable = false;

  constructor(code: TokenBindingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/**
 * Whether `error` is a {@link TokenBindingError}, optionally with a given code.
 *
 * @example
 * ```ts
 * if (isTokenBindingError(error, 'ERR_TB_MALFORMED')) return { status: 400 };
 * ```
 */
export function isTokenBindingError(
  error: unknown,
  code?: TokenBindingErrorCode,
): error is TokenBindingError {
  return error instanceof TokenBindingError && (code === undefined || error.code === code);
}

/**
 * Throws `ERR_TB_ASSERTION_FAILED` when an internal invariant does not hold (programmer errors in
 * this library only; input validation throws the specific code).
 */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition)
    throw new TokenBindingError('ERR_TB_ASSERTION_FAILED', `assertion failed: ${message}`);
}
