/**
 * Every error code this library throws, in order of introduction.
 *
 * The set is closed and append-only: a code is never renamed, reused or removed, because callers
 * (and the services' HTTP error mapping) switch on it. None of these failures is helped by a retry:
 * the same input gives the same error.
 *
 * @example
 * ```ts
 * import { cryptoErrorCodes } from '@settle/crypto';
 * cryptoErrorCodes.includes('ERR_JWK_INVALID'); // true
 * ```
 */
export const cryptoErrorCodes = [
  /** An argument has the wrong type or shape (a programmer error at the call site). */
  'ERR_INVALID_ARGUMENT',
  /** An algorithm this library does not implement (anything but ES256 and EdDSA/Ed25519). */
  'ERR_ALG_NOT_SUPPORTED',
  /** An algorithm that is implemented but not in the caller's allow-list, or not the key's algorithm. */
  'ERR_ALG_NOT_ALLOWED',
  /** A JWK that is not a well-formed key of the expected type (private members, wrong `crv`, not on the curve, …). */
  'ERR_JWK_INVALID',
  /** An SPKI, PEM or raw point encoding that is not a well-formed key of a supported type. */
  'ERR_KEY_ENCODING_INVALID',
  /** An ECDSA signature that is not strictly DER-encoded (or a raw signature of the wrong length). */
  'ERR_ECDSA_SIGNATURE_ENCODING_INVALID',
  /** CBOR that is not well formed: truncated, reserved additional information, invalid UTF-8, stray break. */
  'ERR_CBOR_MALFORMED',
  /** A CBOR map with two keys that encode to the same bytes. */
  'ERR_CBOR_DUPLICATE_KEY',
  /** An indefinite-length CBOR string, array or map. */
  'ERR_CBOR_INDEFINITE_LENGTH',
  /** Bytes after the one CBOR data item. */
  'ERR_CBOR_TRAILING_BYTES',
  /** An integer, length or tag number not encoded in its shortest form. */
  'ERR_CBOR_NON_MINIMAL',
  /** Map keys not in bytewise lexicographic order of their encodings (RFC 8949 §4.2.1). */
  'ERR_CBOR_KEY_ORDER',
  /** A CBOR type this profile excludes: floating point, `undefined`, unassigned simple values. */
  'ERR_CBOR_TYPE_NOT_ALLOWED',
  /** CBOR nested deeper than the limit. */
  'ERR_CBOR_TOO_DEEP',
  /** A value that cannot be encoded as deterministic CBOR in this profile (a float, `undefined`, …). */
  'ERR_CBOR_NOT_ENCODABLE',
  /** A COSE message larger than the size limit. */
  'ERR_COSE_MESSAGE_TOO_LARGE',
  /** A COSE_Sign1 structure that is not well formed (see `cause` for the CBOR detail). */
  'ERR_COSE_MALFORMED',
  /** A detached-payload COSE_Sign1 verified without its payload, or an attached one given a second payload. */
  'ERR_COSE_PAYLOAD_MISMATCH',
  /** A COSE_Sign1 whose signature does not verify. */
  'ERR_COSE_SIGNATURE_INVALID',
  /** An internal invariant does not hold: a bug in this library, never caused by input. */
  'ERR_ASSERTION_FAILED',
] as const;

/**
 * One of {@link cryptoErrorCodes}.
 *
 * @example
 * ```ts
 * const code: CryptoErrorCode = 'ERR_COSE_SIGNATURE_INVALID';
 * ```
 */
export type CryptoErrorCode = (typeof cryptoErrorCodes)[number];

/**
 * The only error type this library throws. Switch on `code`, never on `message`.
 *
 * @example
 * ```ts
 * import { CryptoError, importPublicJwk } from '@settle/crypto';
 * try {
 *   importPublicJwk({ kty: 'EC', crv: 'P-256', x: '…', y: '…', d: '…' });
 * } catch (error) {
 *   if (error instanceof CryptoError && error.code === 'ERR_JWK_INVALID') {
 *     // reject the request with 400
 *   }
 * }
 * ```
 */
export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/**
 * Whether `error` is a {@link CryptoError}, optionally with a given code.
 *
 * @example
 * ```ts
 * if (isCryptoError(error, 'ERR_COSE_SIGNATURE_INVALID')) return { status: 'rejected' };
 * ```
 */
export function isCryptoError(error: unknown, code?: CryptoErrorCode): error is CryptoError {
  return error instanceof CryptoError && (code === undefined || error.code === code);
}

/**
 * Throws `ERR_ASSERTION_FAILED` when an internal invariant does not hold. Only for programmer
 * errors inside this library; input validation throws the specific code instead.
 */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CryptoError('ERR_ASSERTION_FAILED', `assertion failed: ${message}`);
}
