import { type EventDefinition, type PayloadViolation } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  amountSchema,
  counterSchema,
  currencySchema,
  identifierSchema,
  jsonSchemaDialect,
  payloadSchemaId,
  sha256HexSchema,
  timestampSchema,
} from '../../schema-fragments';
import {
  ledgerPartitionsMax,
  ledgerPostingsPerEntryMax,
  postingV1Schema,
  type PostingV1,
} from '../ledger/ledger-entry-posted.v1';
import { type PaymentSettledV1 } from './payment-settled.v1';

/**
 * The journal entry of a settled payment, as far as it is not in the event already: with the event's
 * `entryId`, `transactionId` and `consumerAccountId` (the partition key) it is everything
 * `ledger.entry-posted` v1 carries for an entry of kind `payment` (no original entry), so a rebuild
 * from the topics can recompute its hash and check its link.
 */
export interface SettledPaymentEntryV2 {
  /** The hash-chain partition the entry was appended to (the wallet's). */
  readonly partition: number;
  /** Position in the partition's chain, from 1. */
  readonly sequence: string;
  readonly postings: readonly PostingV1[];
  /** The fee schedule that priced the payment; null when the merchant had none. */
  readonly feeScheduleVersion: string | null;
  readonly previousHash: string;
  readonly hash: string;
  readonly postedAt: string;
}

/**
 * payment.settled v2 — FROZEN. v1 plus `entry`: the ledger publishes one event per settled payment
 * instead of `ledger.entry-posted` and `payment.settled` (issue 14: a fifth less CPU per settled
 * payment, bench/results/ledger-profile.md). `entry` is null only in a v1 event upcast here: its
 * entry was published on its own as `ledger.entry-posted`.
 */
export interface PaymentSettledV2 extends PaymentSettledV1 {
  readonly entry: SettledPaymentEntryV2 | null;
}

const settledPaymentEntrySchema = {
  type: 'object',
  nullable: true,
  additionalProperties: false,
  required: [
    'partition',
    'sequence',
    'postings',
    'feeScheduleVersion',
    'previousHash',
    'hash',
    'postedAt',
  ],
  properties: {
    partition: { type: 'integer', minimum: 0, maximum: ledgerPartitionsMax - 1 },
    sequence: counterSchema,
    postings: {
      type: 'array',
      items: postingV1Schema,
      minItems: 2,
      maxItems: ledgerPostingsPerEntryMax,
    },
    feeScheduleVersion: { ...identifierSchema, nullable: true },
    previousHash: sha256HexSchema,
    hash: sha256HexSchema,
    postedAt: timestampSchema,
  },
} as const;

export const paymentSettledV2Schema: ObjectSchema<PaymentSettledV2> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('payment.settled', 2),
  type: 'object',
  additionalProperties: false,
  required: [
    'transactionId',
    'consumerAccountId',
    'merchantId',
    'amount',
    'fee',
    'merchantAmount',
    'currency',
    'entryId',
    'settledAt',
    'entry',
  ],
  properties: {
    transactionId: identifierSchema,
    consumerAccountId: identifierSchema,
    merchantId: identifierSchema,
    amount: amountSchema,
    fee: amountSchema,
    merchantAmount: amountSchema,
    currency: currencySchema,
    entryId: identifierSchema,
    settledAt: timestampSchema,
    entry: settledPaymentEntrySchema,
  },
};

/** Nothing is created or lost: amount = fee + merchantAmount; the entry balances per currency. */
function checkSettlement(payload: PaymentSettledV2): PayloadViolation | null {
  if (BigInt(payload.fee) + BigInt(payload.merchantAmount) !== BigInt(payload.amount)) {
    return { field: '/merchantAmount', message: 'fee + merchantAmount must equal amount' };
  }
  if (payload.entry === null) return null;
  if (payload.entry.sequence === '0') return { field: '/entry/sequence', message: 'starts at 1' };
  const netByCurrency = new Map<string, bigint>();
  for (const posting of payload.entry.postings) {
    const signed = posting.side === 'debit' ? BigInt(posting.amount) : -BigInt(posting.amount);
    netByCurrency.set(posting.currency, (netByCurrency.get(posting.currency) ?? 0n) + signed);
  }
  for (const [currency, net] of netByCurrency) {
    if (net !== 0n)
      return {
        field: '/entry/postings',
        message: `debits and credits differ in ${currency} by ${net}`,
      };
  }
  return null;
}

export const paymentSettledV2: EventDefinition<'payment.settled', PaymentSettledV2> = {
  type: 'payment.settled',
  version: 2,
  topic: 'payments.settlements.v1',
  producer: 'ledger',
  description:
    'The ledger posted a verified payment: wallet debited, merchant and fee revenue credited; the journal entry with its place in the hash chain.',
  schema: paymentSettledV2Schema,
  key: (payload) => payload.consumerAccountId,
  invariants: checkSettlement,
};

/** v1 → v2: a v1 settlement's entry went out separately as ledger.entry-posted. */
export function upcastPaymentSettledV1(v1: PaymentSettledV1): PaymentSettledV2 {
  return { ...v1, entry: null };
}
