/**
 * Why a protocol structure was refused. A closed, ordered, append-only set: callers (the device
 * SDK, the verifier's upload API) switch on the code, never on the message. The same input always
 * gives the same code, so none of them is helped by a retry.
 *
 * @example
 * ```ts
 * import { protocolErrorCodes } from '@settle/protocol';
 * protocolErrorCodes.includes('SIGNATURE_INVALID'); // true
 * ```
 */
export const protocolErrorCodes = [
  /** More bytes than the structure's named size limit (checked before anything is decoded). */
  'SIZE_EXCEEDED',
  /** Not one data item of strict deterministic CBOR (the `CryptoError` with the CBOR code is the `cause`). */
  'CBOR_INVALID',
  /** Not a COSE_Sign1_Tagged of the expected layout (tag, four items, empty unprotected header, payload form). */
  'COSE_INVALID',
  /** Not the expected kind of CBOR item at the top (e.g. an array where an integer-keyed map belongs). */
  'STRUCTURE_INVALID',
  /** The protocol/version label names another structure or another version. */
  'LABEL_MISMATCH',
  /** A required field is absent. */
  'FIELD_MISSING',
  /** A field this version does not define. */
  'FIELD_UNKNOWN',
  /** A field of the wrong type, out of range, too long, or breaking a rule between fields. */
  'FIELD_INVALID',
  /** The signature algorithm is not in the caller's allow-list, or not the algorithm of the key. */
  'ALGORITHM_NOT_ALLOWED',
  /** The key id in the protected header is not the thumbprint of the key it was verified with. */
  'KEY_ID_MISMATCH',
  /** No key of the given set has the key id in the protected header. */
  'KEY_NOT_FOUND',
  /** The signature does not verify. */
  'SIGNATURE_INVALID',
] as const;

/**
 * One of {@link protocolErrorCodes}.
 *
 * @example
 * ```ts
 * const code: ProtocolErrorCode = 'FIELD_MISSING';
 * ```
 */
export type ProtocolErrorCode = (typeof protocolErrorCodes)[number];

/**
 * An expected failure: bad input from another party, with a stable code and the field it is about
 * (the field's name, `''` for the whole structure).
 *
 * @example
 * ```ts
 * const failure: ProtocolFailure = { ok: false, code: 'FIELD_INVALID', field: 'amount', message: 'amount must be positive' };
 * ```
 */
export interface ProtocolFailure {
  readonly ok: false;
  readonly code: ProtocolErrorCode;
  readonly field: string;
  readonly message: string;
  /** The underlying error, e.g. the `CryptoError` of a CBOR rejection. */
  readonly cause?: unknown;
}

/**
 * The result of decoding or verifying a protocol structure.
 *
 * @example
 * ```ts
 * const result: ProtocolResult<PaymentRequest> = decodePaymentRequest(bytes);
 * if (!result.ok) return reject(result.code);
 * ```
 */
export type ProtocolResult<TValue> =
  { readonly ok: true; readonly value: TValue } | ProtocolFailure;

/**
 * Thrown by the `encode…`/`sign…` functions when given a value that is not a valid structure (a
 * programmer error at the call site), and used inside the decoders, which turn it into a
 * {@link ProtocolFailure}. Switch on `code`.
 *
 * @example
 * ```ts
 * try {
 *   encodePaymentRequest({ ...request, amount: -1n });
 * } catch (error) {
 *   if (error instanceof ProtocolError) console.error(error.code, error.field); // FIELD_INVALID amount
 * }
 * ```
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;
  readonly field: string;

  constructor(
    code: ProtocolErrorCode,
    field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = field;
  }
}

/**
 * Runs a decoder body: its value on success, a {@link ProtocolFailure} for a `ProtocolError`.
 * Anything else is a bug and propagates.
 */
export function protocolResult<TValue>(decode: () => TValue): ProtocolResult<TValue> {
  try {
    return { ok: true, value: decode() };
  } catch (error) {
    return protocolFailureOf(error);
  }
}

/** The failure of a `ProtocolError`; anything else is a bug and is thrown again. */
export function protocolFailureOf(error: unknown): ProtocolFailure {
  if (!(error instanceof ProtocolError)) throw error;
  return {
    ok: false,
    code: error.code,
    field: error.field,
    message: error.message,
    ...(error.cause === undefined ? {} : { cause: error.cause }),
  };
}

/**
 * The value of a successful result, or throws the failure as a `ProtocolError`. For tests, tools
 * and call sites where a failure is a bug (re-decoding bytes this process encoded).
 *
 * @example
 * ```ts
 * const request = unwrapProtocolResult(decodePaymentRequest(bytes));
 * ```
 */
export function unwrapProtocolResult<TValue>(result: ProtocolResult<TValue>): TValue {
  if (result.ok) return result.value;
  throw new ProtocolError(
    result.code,
    result.field,
    result.message,
    result.cause === undefined ? undefined : { cause: result.cause },
  );
}

/** Crashes on a programmer error inside the protocol code (never caused by input). */
export function protocolAssert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`protocol: assertion failed: ${message}`);
}
