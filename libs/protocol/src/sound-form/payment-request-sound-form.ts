import { encodeCborDeterministic, equalBytes, sha256Concat } from '@settle/crypto';
import { type ProtocolResult, ProtocolError, protocolResult } from '../errors';
import { invalidField, readAmount, readBytes, readCurrency, readUnsigned } from '../fields';
import {
  paymentNonceLengthBytes,
  paymentRequestSizeMaxBytes,
  paymentRequestValidityMsMax,
} from '../limits';
import {
  type PaymentRequest,
  decodePaymentRequest,
  encodePaymentRequest,
} from '../payment-request';
import {
  decodeSoundForm,
  decodeSoundTime,
  encodeSoundForm,
  encodeSoundTime,
} from './sound-form-codec';
import {
  soundFormTags,
  soundTerminalReferenceLengthBytes,
  soundTimeLengthBytes,
} from './sound-form-limits';

// The payment request's sound form (POS → PCD):
//   01 ‖ terminal reference (4) ‖ nonce (16) ‖ createdAtMs (6, big-endian) ‖ CBOR [amount, currency, validitySeconds]
// 37 bytes for the fixtures' request (116 in the signed form). The merchant and terminal ids are
// left out: the phone takes them from the terminal credential the reference names (cached, or sent
// just before), and the label is implied by the tag. Expanding re-encodes the signed form exactly.

const layout = [
  soundTerminalReferenceLengthBytes,
  paymentNonceLengthBytes,
  soundTimeLengthBytes,
] as const;
const structure = 'a payment request';
const terminalReferenceLabel = 'settle/terminal-reference/v1';
const validitySecondsMax = paymentRequestValidityMsMax / 1000;
const millisecondsPerSecond = 1000;

/**
 * The terminal reference of a payment request's sound form: the first 4 bytes of SHA-256 over the
 * deterministic CBOR `["settle/terminal-reference/v1", merchantId, terminalId]`.
 *
 * @example
 * ```ts
 * import { terminalReferenceOf } from '@settle/protocol/sound-form';
 * const reference = terminalReferenceOf(terminalCredential); // 4 bytes
 * ```
 */
export function terminalReferenceOf(terminal: {
  readonly merchantId: string;
  readonly terminalId: string;
}): Uint8Array {
  const input = encodeCborDeterministic([
    terminalReferenceLabel,
    terminal.merchantId,
    terminal.terminalId,
  ]);
  return sha256Concat([input]).slice(0, soundTerminalReferenceLengthBytes);
}

/**
 * A payment request's sound form, decoded: everything but the merchant and terminal ids, which the
 * terminal credential named by `terminalReference` supplies.
 *
 * @example
 * ```ts
 * const { terminalReference, amount, currency }: PaymentRequestSoundForm = decoded.value;
 * ```
 */
export interface PaymentRequestSoundForm {
  readonly terminalReference: Uint8Array;
  readonly amount: bigint;
  readonly currency: string;
  readonly nonce: Uint8Array;
  readonly createdAtMs: number;
  /** `expiresAtMs − createdAtMs` in whole seconds (1 … 900). */
  readonly validitySeconds: number;
}

/**
 * The sound form of a payment request given in its signed form (the bytes the consumer signs).
 * Throws `ProtocolError`: the signed form's own failure if it does not decode, `FIELD_INVALID`
 * (`expiresAtMs`) when its validity is not whole seconds (the POS makes requests that are).
 *
 * @example
 * ```ts
 * import { encodePaymentRequestSoundForm } from '@settle/protocol/sound-form';
 * const onAir = encodePaymentRequestSoundForm(requestBytes); // 37 bytes instead of 116
 * ```
 */
export function encodePaymentRequestSoundForm(requestBytes: Uint8Array): Uint8Array {
  const decoded = decodePaymentRequest(requestBytes);
  if (!decoded.ok)
    throw new ProtocolError(decoded.code, decoded.field, decoded.message, { cause: decoded });
  const request = decoded.value;
  const validityMs = request.expiresAtMs - request.createdAtMs;
  if (validityMs % millisecondsPerSecond !== 0)
    invalidField('expiresAtMs', 'must be whole seconds after createdAtMs to have a sound form');
  return encodeSoundForm(
    soundFormTags.paymentRequest,
    [terminalReferenceOf(request), request.nonce, encodeSoundTime(request.createdAtMs)],
    layout,
    [request.amount, request.currency, validityMs / millisecondsPerSecond],
  );
}

/**
 * Decodes a payment request's sound form: size, tag, layout, strict CBOR, every field in range.
 * Never throws for bad input.
 *
 * @example
 * ```ts
 * import { decodePaymentRequestSoundForm } from '@settle/protocol/sound-form';
 * const decoded = decodePaymentRequestSoundForm(heard);
 * if (decoded.ok) cachedTerminals.find(decoded.value.terminalReference);
 * ```
 */
export function decodePaymentRequestSoundForm(
  bytes: Uint8Array,
): ProtocolResult<PaymentRequestSoundForm> {
  return protocolResult(() => {
    const { rawFields, items } = decodeSoundForm(bytes, {
      tag: soundFormTags.paymentRequest,
      layout,
      itemCount: 3,
      sizeMaxBytes: paymentRequestSizeMaxBytes,
      structure,
    });
    const [terminalReference, nonce, createdAt] = rawFields as [Uint8Array, Uint8Array, Uint8Array];
    const [amount, currency, validitySeconds] = items;
    const validity = readUnsigned(validitySeconds, 'validitySeconds', BigInt(validitySecondsMax));
    if (validity === 0n) invalidField('validitySeconds', 'must be positive');
    return {
      terminalReference,
      amount: readAmount(amount, 'amount'),
      currency: readCurrency(currency, 'currency'),
      nonce: readBytes(nonce, 'nonce', paymentNonceLengthBytes),
      createdAtMs: decodeSoundTime(createdAt, 'createdAtMs'),
      validitySeconds: Number(validity),
    };
  });
}

/**
 * Expands a decoded sound form into the payment request and its signed form, with the merchant and
 * terminal ids of the terminal credential its reference names (`FIELD_INVALID` `terminalReference`
 * for another terminal's). The bytes are exactly those the POS encoded.
 *
 * @example
 * ```ts
 * import { expandPaymentRequestSoundForm } from '@settle/protocol/sound-form';
 * const expanded = expandPaymentRequestSoundForm(decoded.value, terminalCredential);
 * if (expanded.ok) wallet.presentRequest({ requestBytes: expanded.value.requestBytes, … });
 * ```
 */
export function expandPaymentRequestSoundForm(
  soundForm: PaymentRequestSoundForm,
  terminal: { readonly merchantId: string; readonly terminalId: string },
): ProtocolResult<{ readonly request: PaymentRequest; readonly requestBytes: Uint8Array }> {
  return protocolResult(() => {
    if (!equalBytes(terminalReferenceOf(terminal), soundForm.terminalReference))
      invalidField('terminalReference', 'names another terminal');
    const request: PaymentRequest = {
      merchantId: terminal.merchantId,
      terminalId: terminal.terminalId,
      amount: soundForm.amount,
      currency: soundForm.currency,
      nonce: soundForm.nonce,
      createdAtMs: soundForm.createdAtMs,
      expiresAtMs: soundForm.createdAtMs + soundForm.validitySeconds * millisecondsPerSecond,
    };
    return { request, requestBytes: encodePaymentRequest(request) };
  });
}
