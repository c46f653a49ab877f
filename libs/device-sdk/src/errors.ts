import { type ProtocolFailure } from '@settle/protocol';

/**
 * Why the device SDK refused something. Closed, ordered, append-only: apps map each code to what
 * the user sees ("this terminal's certificate has expired", "offline limit reached").
 *
 * @example
 * ```ts
 * import { deviceErrorCodes } from '@settle/device-sdk';
 * deviceErrorCodes.includes('OFFLINE_CAP_EXCEEDED'); // true
 * ```
 */
export const deviceErrorCodes = [
  /** A payment request that does not decode. */
  'REQUEST_INVALID',
  /** The payment request's expiry has passed. */
  'REQUEST_EXPIRED',
  /** POS: an authorization for a request this terminal has no pending record of (or already used). */
  'REQUEST_NOT_PENDING',
  /** A terminal or device credential that does not decode or whose processor signature fails. */
  'CREDENTIAL_INVALID',
  /** A credential whose validity has not started. */
  'CREDENTIAL_NOT_YET_VALID',
  /** A credential whose validity has ended. */
  'CREDENTIAL_EXPIRED',
  /** PCD: a device credential for another payment key than this device's. */
  'CREDENTIAL_KEY_MISMATCH',
  /** PCD: no device credential stored yet (the phone must check in online first). */
  'NO_DEVICE_CREDENTIAL',
  /** PCD: no payment key yet. */
  'NO_PAYMENT_KEY',
  /** The request's merchant or terminal is not the one the terminal credential names. */
  'TERMINAL_MISMATCH',
  /** The currency has no offline cap in the device credential. */
  'CURRENCY_NOT_ALLOWED',
  /** The amount exceeds the per-transaction cap, or offline spend would exceed the cumulative cap. */
  'OFFLINE_CAP_EXCEEDED',
  /** POS: the consumer authorization does not verify with the device credential's key. */
  'AUTHORIZATION_INVALID',
  /** POS: this terminal already holds a transaction with this device counter. */
  'COUNTER_REUSED',
  /** PCD: the 64-bit counter is used up (never in practice). */
  'COUNTER_EXHAUSTED',
  /** The user did not authenticate (or cancelled) when the payment key was to sign. */
  'USER_AUTHENTICATION_FAILED',
  /** POS: the upload queue holds its maximum; upload before taking more offline payments. */
  'UPLOAD_QUEUE_FULL',
  /** POS, PCD: a confirmation that does not decode or whose processor signature fails. */
  'CONFIRMATION_INVALID',
  /** POS, PCD: a confirmation of a transaction this terminal does not hold (this phone did not authorize). */
  'TRANSACTION_UNKNOWN',
  /** POS, PCD: a confirmation whose terminal, amount or currency differ from the transaction's. */
  'CONFIRMATION_MISMATCH',
  /** PCD: a request's sound form names a terminal whose credential this phone does not keep: the terminal must send it. */
  'TERMINAL_UNKNOWN',
  /** PCD: a request's sound form names two terminals this phone keeps credentials of (a 4-byte reference shared): the terminal must send its credential. */
  'TERMINAL_AMBIGUOUS',
  /** POS: an authorization's sound form names a device whose credential this terminal does not keep: the phone must send it. */
  'DEVICE_UNKNOWN',
] as const;

/**
 * One of {@link deviceErrorCodes}.
 *
 * @example
 * ```ts
 * const code: DeviceErrorCode = 'REQUEST_EXPIRED';
 * ```
 */
export type DeviceErrorCode = (typeof deviceErrorCodes)[number];

/**
 * An expected refusal: a stable code, a message, and the protocol failure behind it if any.
 *
 * @example
 * ```ts
 * const failure: DeviceFailure = { ok: false, code: 'CREDENTIAL_EXPIRED', message: 'the terminal credential expired' };
 * ```
 */
export interface DeviceFailure {
  readonly ok: false;
  readonly code: DeviceErrorCode;
  readonly message: string;
  readonly cause?: ProtocolFailure | unknown;
}

/**
 * The result of a device SDK operation.
 *
 * @example
 * ```ts
 * const result: DeviceResult<PaymentPresentation> = await wallet.presentRequest(input);
 * if (!result.ok) showError(result.code);
 * ```
 */
export type DeviceResult<TValue> = { readonly ok: true; readonly value: TValue } | DeviceFailure;

/** A failure result. */
export function deviceFailure(
  code: DeviceErrorCode,
  message: string,
  cause?: unknown,
): DeviceFailure {
  return cause === undefined ? { ok: false, code, message } : { ok: false, code, message, cause };
}

/** Crashes on a programmer error inside this library. */
export function deviceAssert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`device-sdk: assertion failed: ${message}`);
}

/**
 * Whether a credential's validity period holds `nowMs` (both ends included): a failure code if not.
 */
export function checkValidity(
  validFromMs: number,
  validUntilMs: number,
  nowMs: number,
  what: string,
): DeviceFailure | null {
  if (nowMs < validFromMs)
    return deviceFailure(
      'CREDENTIAL_NOT_YET_VALID',
      `${what} is valid from ${new Date(validFromMs).toISOString()}`,
    );
  if (nowMs > validUntilMs)
    return deviceFailure(
      'CREDENTIAL_EXPIRED',
      `${what} expired at ${new Date(validUntilMs).toISOString()}`,
    );
  return null;
}
