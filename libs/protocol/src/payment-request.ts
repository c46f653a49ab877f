import { ProtocolError, type ProtocolResult, protocolAssert, protocolResult } from './errors';
import {
  checkSize,
  decodeLabelledMap,
  encodeLabelledMap,
  invalidField,
  readAmount,
  readBytes,
  readCurrency,
  readIdentifier,
  readTimeMs,
} from './fields';
import {
  paymentNonceLengthBytes,
  paymentRequestSizeMaxBytes,
  paymentRequestValidityMsMax,
} from './limits';
import { protocolLabels } from './labels';

/**
 * What a POS asks a phone to pay (POS → PCD, over sound, one frame). Not signed by the terminal:
 * the consumer's authorization signs these exact bytes, and the terminal's approval signs that.
 *
 * Wire form: deterministic CBOR map `{0: "settle/payment-request/v1", 1: merchantId, 2: terminalId,
 * 3: amount, 4: currency, 5: nonce, 6: createdAtMs, 7: expiresAtMs}` (docs/protocol.md).
 *
 * @example
 * ```ts
 * const request: PaymentRequest = {
 *   merchantId: 'mer_4Fd8TnQ2bXz6Yc',
 *   terminalId: 'trm_9Kx3PqL7vWm2Ra',
 *   amount: 1250n,
 *   currency: 'EUR',
 *   nonce,
 *   createdAtMs: Date.parse('2026-11-28T07:41:00.000Z'),
 *   expiresAtMs: Date.parse('2026-11-28T07:43:00.000Z'),
 * };
 * ```
 */
export interface PaymentRequest {
  /** At most 24 characters of `[A-Za-z0-9_-]` (see `protocolIdentifierLengthMaxBytes`). */
  readonly merchantId: string;
  readonly terminalId: string;
  /** Positive, in minor units of `currency`. */
  readonly amount: bigint;
  /** ISO 4217 alphabetic code. */
  readonly currency: string;
  /** 16 random bytes chosen by the POS: two requests are never the same bytes. */
  readonly nonce: Uint8Array;
  /** When the POS made the request, in milliseconds since the Unix epoch. */
  readonly createdAtMs: number;
  /** After this time the request must not be approved (at most 15 minutes after creation). */
  readonly expiresAtMs: number;
}

const fieldNames = [
  'merchantId',
  'terminalId',
  'amount',
  'currency',
  'nonce',
  'createdAtMs',
  'expiresAtMs',
] as const;

function readPaymentRequest(values: readonly unknown[]): PaymentRequest {
  const [merchantId, terminalId, amount, currency, nonce, createdAtMs, expiresAtMs] = values;
  const request: PaymentRequest = {
    merchantId: readIdentifier(merchantId, 'merchantId'),
    terminalId: readIdentifier(terminalId, 'terminalId'),
    amount: readAmount(amount, 'amount'),
    currency: readCurrency(currency, 'currency'),
    nonce: readBytes(nonce, 'nonce', paymentNonceLengthBytes),
    createdAtMs: readTimeMs(createdAtMs, 'createdAtMs'),
    expiresAtMs: readTimeMs(expiresAtMs, 'expiresAtMs'),
  };
  if (request.expiresAtMs <= request.createdAtMs)
    invalidField('expiresAtMs', 'must be after createdAtMs');
  if (request.expiresAtMs - request.createdAtMs > paymentRequestValidityMsMax) {
    invalidField(
      'expiresAtMs',
      `must be at most ${paymentRequestValidityMsMax} ms after createdAtMs`,
    );
  }
  return request;
}

/**
 * Encodes a payment request as deterministic CBOR (at most {@link paymentRequestSizeMaxBytes}: one
 * sound frame). Throws `ProtocolError` (`FIELD_INVALID` naming the field) for an invalid request.
 *
 * @example
 * ```ts
 * import { encodePaymentRequest } from '@settle/protocol';
 * const requestBytes = encodePaymentRequest(request); // e.g. 116 bytes
 * ```
 */
export function encodePaymentRequest(request: PaymentRequest): Uint8Array {
  if (typeof request !== 'object' || request === null)
    throw new ProtocolError('STRUCTURE_INVALID', '', 'a payment request must be an object');
  const checked = readPaymentRequest(fieldNames.map((name) => request[name]));
  const bytes = encodeLabelledMap(
    protocolLabels.paymentRequest,
    fieldNames.map((name) => checked[name]),
  );
  // Holds for every valid request: identifiers of at most 24 bytes are what makes it so.
  protocolAssert(
    bytes.length <= paymentRequestSizeMaxBytes,
    `a payment request fits ${paymentRequestSizeMaxBytes} bytes`,
  );
  return bytes;
}

/**
 * Decodes a payment request: size, strict deterministic CBOR, label, no unknown or missing field,
 * every field in range, expiry after creation within the longest validity. Fails with a stable
 * code; never throws for bad input.
 *
 * @example
 * ```ts
 * import { decodePaymentRequest } from '@settle/protocol';
 * const result = decodePaymentRequest(bytesFromSound);
 * if (!result.ok) return show(`unreadable request (${result.code})`);
 * ```
 */
export function decodePaymentRequest(bytes: Uint8Array): ProtocolResult<PaymentRequest> {
  return protocolResult(() => {
    checkSize(bytes, paymentRequestSizeMaxBytes, 'a payment request');
    return readPaymentRequest(decodeLabelledMap(bytes, protocolLabels.paymentRequest, fieldNames));
  });
}
