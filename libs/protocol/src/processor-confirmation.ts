import { type PreparedSign1, type ProtocolSigner } from './cose';
import { type ProtocolResult, protocolResult } from './errors';
import {
  invalidField,
  readAmount,
  readBytes,
  readCurrency,
  readIdentifier,
  readReasonCode,
  readTimeMs,
} from './fields';
import { protocolLabels } from './labels';
import { processorConfirmationSizeMaxBytes, sha256LengthBytes } from './limits';
import {
  type ParsedSignedMap,
  type VerifySignedOptions,
  parseSignedMap,
  prepareSignedMap,
  verifySignedMap,
} from './signed-map';

/**
 * What the processor decided about an uploaded transaction. Append-only.
 *
 * @example
 * ```ts
 * import { confirmationOutcomes } from '@settle/protocol';
 * confirmationOutcomes; // ['accepted', 'rejected']
 * ```
 */
export const confirmationOutcomes = ['accepted', 'rejected'] as const;

/**
 * One of {@link confirmationOutcomes}.
 *
 * @example
 * ```ts
 * const outcome: ConfirmationOutcome = 'accepted';
 * ```
 */
export type ConfirmationOutcome = (typeof confirmationOutcomes)[number];

/**
 * The processor's signed answer to an upload, which the POS (and later the phone) verifies offline:
 * a COSE_Sign1_Tagged by the processor's receipt key whose payload is
 * `{0: "settle/processor-confirmation/v1", 1: transactionId, 2: terminalId, 3: amount, 4: currency,
 * 5: outcome, 6: reasonCode or null, 7: confirmedAtMs}`.
 *
 * @example
 * ```ts
 * const confirmation: ProcessorConfirmation = {
 *   transactionId, terminalId: 'trm_9Kx3PqL7vWm2Ra', amount: 1250n, currency: 'EUR',
 *   outcome: 'accepted', reasonCode: null, confirmedAtMs,
 * };
 * ```
 */
export interface ProcessorConfirmation {
  /** The 32-byte transaction id (`calculateTransactionId`). */
  readonly transactionId: Uint8Array;
  readonly terminalId: string;
  readonly amount: bigint;
  readonly currency: string;
  readonly outcome: ConfirmationOutcome;
  /** `null` when accepted; the rejection's reason code otherwise (e.g. `COUNTER_REUSED`). */
  readonly reasonCode: string | null;
  readonly confirmedAtMs: number;
}

/**
 * A decoded confirmation and the key id of the processor key that signed it.
 *
 * @example
 * ```ts
 * const { confirmation, issuerKeyId }: SignedProcessorConfirmation = result.value;
 * ```
 */
export interface SignedProcessorConfirmation {
  readonly confirmation: ProcessorConfirmation;
  readonly issuerKeyId: Uint8Array;
}

const fieldNames = [
  'transactionId',
  'terminalId',
  'amount',
  'currency',
  'outcome',
  'reasonCode',
  'confirmedAtMs',
] as const;
const structure = 'a processor confirmation';

function readConfirmation(values: readonly unknown[]): ProcessorConfirmation {
  const [transactionId, terminalId, amount, currency, outcome, reasonCode, confirmedAtMs] = values;
  if (!confirmationOutcomes.includes(outcome as ConfirmationOutcome))
    invalidField('outcome', `must be one of ${confirmationOutcomes.join(', ')}`);
  const accepted = outcome === 'accepted';
  if (accepted ? reasonCode !== null : reasonCode === null)
    invalidField('reasonCode', 'is null exactly when the outcome is accepted');
  return {
    transactionId: readBytes(transactionId, 'transactionId', sha256LengthBytes),
    terminalId: readIdentifier(terminalId, 'terminalId'),
    amount: readAmount(amount, 'amount'),
    currency: readCurrency(currency, 'currency'),
    outcome: outcome as ConfirmationOutcome,
    reasonCode: reasonCode === null ? null : readReasonCode(reasonCode, 'reasonCode'),
    confirmedAtMs: readTimeMs(confirmedAtMs, 'confirmedAtMs'),
  };
}

function parse(bytes: Uint8Array): ParsedSignedMap {
  return parseSignedMap(
    bytes,
    protocolLabels.processorConfirmation,
    fieldNames,
    processorConfirmationSizeMaxBytes,
    structure,
  );
}

/**
 * The two-step signing of a processor confirmation (the receipt key is in key custody).
 *
 * @example
 * ```ts
 * import { prepareProcessorConfirmation } from '@settle/protocol';
 * const prepared = prepareProcessorConfirmation(confirmation, { alg: 'ES256', keyId: receiptKeyId });
 * const confirmationBytes = prepared.complete(await keyCustody.sign(prepared.toBeSigned));
 * ```
 */
export function prepareProcessorConfirmation(
  confirmation: ProcessorConfirmation,
  issuer: Pick<ProtocolSigner, 'alg' | 'keyId'>,
): PreparedSign1 {
  const values = fieldNames.map((name) => confirmation[name]);
  readConfirmation(values);
  return prepareSignedMap(
    protocolLabels.processorConfirmation,
    values,
    issuer,
    processorConfirmationSizeMaxBytes,
    structure,
  );
}

/**
 * Signs a processor confirmation in one step with a synchronous signer.
 *
 * @example
 * ```ts
 * import { signProcessorConfirmation } from '@settle/protocol';
 * const confirmationBytes = signProcessorConfirmation(confirmation, receiptSigner);
 * ```
 */
export function signProcessorConfirmation(
  confirmation: ProcessorConfirmation,
  signer: ProtocolSigner,
): Uint8Array {
  const prepared = prepareProcessorConfirmation(confirmation, signer);
  return prepared.complete(signer.sign(prepared.toBeSigned));
}

/**
 * Decodes a processor confirmation WITHOUT verifying it.
 *
 * @example
 * ```ts
 * import { decodeProcessorConfirmation } from '@settle/protocol';
 * const decoded = decodeProcessorConfirmation(bytes);
 * ```
 */
export function decodeProcessorConfirmation(
  bytes: Uint8Array,
): ProtocolResult<SignedProcessorConfirmation> {
  return protocolResult(() => {
    const parsed = parse(bytes);
    return { confirmation: readConfirmation(parsed.values), issuerKeyId: parsed.sign1.keyId };
  });
}

/**
 * Verifies a processor confirmation with the processor's receipt keys (its published JWKS).
 *
 * @example
 * ```ts
 * import { verifyProcessorConfirmation } from '@settle/protocol';
 * const verified = verifyProcessorConfirmation(bytes, { processorKeys: receiptKeys, algorithms: ['ES256'], backend: 'noble' });
 * ```
 */
export function verifyProcessorConfirmation(
  bytes: Uint8Array,
  options: VerifySignedOptions,
): ProtocolResult<SignedProcessorConfirmation> {
  return protocolResult(() => {
    const parsed = parse(bytes);
    const confirmation = readConfirmation(parsed.values);
    verifySignedMap(parsed, options);
    return { confirmation, issuerKeyId: parsed.sign1.keyId };
  });
}
