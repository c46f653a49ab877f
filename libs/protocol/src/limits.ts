// Every size, length and range limit of the offline payment protocol, units last in the names.
// The sound link carries at most `soundFrameSizeMaxBytes` per frame; the payment request and the
// consumer authorization must each fit one frame, which is what fixes the identifier length limit.

/**
 * Largest payload of one ggwave frame, in bytes. ggwave silently truncates longer input, so every
 * message is checked against it before it is sent.
 *
 * @example
 * ```ts
 * import { soundFrameSizeMaxBytes } from '@settle/protocol';
 * if (bytes.length > soundFrameSizeMaxBytes) throw new Error('needs several frames');
 * ```
 */
export const soundFrameSizeMaxBytes = 140;

/**
 * Largest encoded payment request, in bytes: one sound frame.
 *
 * @example
 * ```ts
 * encodePaymentRequest(request).length <= paymentRequestSizeMaxBytes; // always
 * ```
 */
export const paymentRequestSizeMaxBytes = soundFrameSizeMaxBytes;

/**
 * Largest encoded consumer authorization, in bytes: one sound frame. The largest possible one
 * (64-bit counter, latest time) is 138 bytes.
 *
 * @example
 * ```ts
 * authorizationBytes.length <= consumerAuthorizationSizeMaxBytes; // always
 * ```
 */
export const consumerAuthorizationSizeMaxBytes = soundFrameSizeMaxBytes;

/**
 * Largest encoded merchant approval, in bytes (the largest possible one is 124; it never goes over
 * sound, but fits a frame if it ever must).
 *
 * @example
 * ```ts
 * approvalBytes.length <= merchantApprovalSizeMaxBytes; // always
 * ```
 */
export const merchantApprovalSizeMaxBytes = soundFrameSizeMaxBytes;

/**
 * Largest encoded offline transaction (the POS's upload unit), in bytes; the largest possible one
 * is 447.
 *
 * @example
 * ```ts
 * if (body.length > offlineTransactionSizeMaxBytes) return reply(413);
 * ```
 */
export const offlineTransactionSizeMaxBytes = 512;

/**
 * Largest encoded processor confirmation, in bytes.
 *
 * @example
 * ```ts
 * confirmationBytes.length <= processorConfirmationSizeMaxBytes; // always
 * ```
 */
export const processorConfirmationSizeMaxBytes = 512;

/**
 * Largest encoded terminal credential, in bytes (a 128-character merchant name of 4-byte
 * characters included). Sent over sound in several frames.
 *
 * @example
 * ```ts
 * terminalCredentialBytes.length <= terminalCredentialSizeMaxBytes; // always
 * ```
 */
export const terminalCredentialSizeMaxBytes = 1024;

/**
 * Largest encoded device credential, in bytes (with the most offline caps). Sent over sound in
 * several frames.
 *
 * @example
 * ```ts
 * deviceCredentialBytes.length <= deviceCredentialSizeMaxBytes; // always
 * ```
 */
export const deviceCredentialSizeMaxBytes = 1024;

/**
 * Longest merchant, terminal or device id in a protocol structure, in bytes (ASCII
 * `[A-Za-z0-9_-]`). The events allow 64; the payment request must fit one sound frame with two of
 * them, so ids that take part in offline payments are at most 24 (e.g. `mer_` + 16 characters).
 *
 * @example
 * ```ts
 * if (merchantId.length > protocolIdentifierLengthMaxBytes) throw new Error('id too long for offline payments');
 * ```
 */
export const protocolIdentifierLengthMaxBytes = 24;

/**
 * Longest merchant display name, in characters (Unicode code points), as in `merchant.onboarded`.
 *
 * @example
 * ```ts
 * [...displayName].length <= merchantDisplayNameLengthMaxCharacters;
 * ```
 */
export const merchantDisplayNameLengthMaxCharacters = 128;

/**
 * Length of the payment request's nonce, in bytes: 128 random bits make two requests of one
 * terminal distinct even with equal amounts and times.
 *
 * @example
 * ```ts
 * const nonce = crypto.getRandomValues(new Uint8Array(paymentNonceLengthBytes));
 * ```
 */
export const paymentNonceLengthBytes = 16;

/**
 * Length of a key id (RFC 7638 JWK thumbprint with SHA-256) and of a transaction id, in bytes.
 *
 * @example
 * ```ts
 * keyId.length === sha256LengthBytes;
 * ```
 */
export const sha256LengthBytes = 32;

/**
 * Latest time a protocol structure may carry: 9999-12-31T23:59:59.999Z, in milliseconds since the
 * Unix epoch. Times are unsigned integers of milliseconds; this bound keeps them valid `Date`s.
 *
 * @example
 * ```ts
 * new Date(protocolTimeMsMax).toISOString(); // '9999-12-31T23:59:59.999Z'
 * ```
 */
export const protocolTimeMsMax = 253_402_300_799_999;

/**
 * Largest amount, in minor units of its currency: 2^63 − 1, what a SQL `bigint` holds.
 *
 * @example
 * ```ts
 * if (amount > amountMinorUnitsMax) throw new Error('amount out of range');
 * ```
 */
export const amountMinorUnitsMax = 2n ** 63n - 1n;

/**
 * Largest device counter: 2^64 − 1. The counter is an unsigned 64-bit integer.
 *
 * @example
 * ```ts
 * if (next > deviceCounterMax) throw new Error('counter exhausted');
 * ```
 */
export const deviceCounterMax = 2n ** 64n - 1n;

/**
 * Longest validity of a payment request (from creation to expiry), in milliseconds: 15 minutes.
 *
 * @example
 * ```ts
 * const expiresAtMs = createdAtMs + Math.min(validityMs, paymentRequestValidityMsMax);
 * ```
 */
export const paymentRequestValidityMsMax = 15 * 60 * 1000;

/**
 * Most offline caps (one per currency) a device credential carries.
 *
 * @example
 * ```ts
 * if (caps.length > offlineCapsCurrenciesMax) throw new Error('too many currencies');
 * ```
 */
export const offlineCapsCurrenciesMax = 8;

/**
 * Longest reason code in a processor confirmation, in bytes (`^[A-Z][A-Z0-9_]*$`).
 *
 * @example
 * ```ts
 * reasonCode.length <= reasonCodeLengthMaxBytes;
 * ```
 */
export const reasonCodeLengthMaxBytes = 64;
