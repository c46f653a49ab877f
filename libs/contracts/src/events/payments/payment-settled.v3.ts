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
import { ledgerPartitionsMax } from '../ledger/ledger-entry-posted.v1';
import { type PaymentSettledV1 } from './payment-settled.v1';
import { type PaymentSettledV2 } from './payment-settled.v2';

/**
 * The place of a settled payment's journal entry in its hash chain: only what the event's other
 * members and the chain do not say already (issue 14: a third of v2's bytes, on the outbox row that
 * costs PostgreSQL most). The rest of the entry follows (docs/events.md): postings — the wallet
 * debited by `amount`, the merchant payable credited with `merchantAmount` if above zero, fee revenue
 * with `fee` if above zero, in that order —, `postedAt` = `settledAt`, and `previousHash` = the hash
 * of the partition's entry at `sequence − 1` (64 zeros at 1), which a rebuild applying the chain in
 * order holds; `hash`, recomputed with it, proves the link.
 */
export interface SettledPaymentEntryV3 {
  /** The hash-chain partition the entry was appended to (the wallet's). */
  readonly partition: number;
  /** Position in the partition's chain, from 1. */
  readonly sequence: string;
  /** The fee schedule that priced the payment; null when the merchant had none. */
  readonly feeScheduleVersion: string | null;
  readonly hash: string;
}

/**
 * payment.settled v3 — FROZEN. v1 plus `entry`, the entry's place in its chain (v2 carried the whole
 * entry). `entry` is null only in a v1 event upcast here: its entry was published on its own as
 * `ledger.entry-posted`.
 */
export interface PaymentSettledV3 extends PaymentSettledV1 {
  readonly entry: SettledPaymentEntryV3 | null;
}

const settledPaymentEntrySchema = {
  type: 'object',
  nullable: true,
  additionalProperties: false,
  required: ['partition', 'sequence', 'feeScheduleVersion', 'hash'],
  properties: {
    partition: { type: 'integer', minimum: 0, maximum: ledgerPartitionsMax - 1 },
    sequence: counterSchema,
    feeScheduleVersion: { ...identifierSchema, nullable: true },
    hash: sha256HexSchema,
  },
} as const;

export const paymentSettledV3Schema: ObjectSchema<PaymentSettledV3> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('payment.settled', 3),
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

/**
 * Nothing is created or lost: amount = fee + merchantAmount. With an entry, the postings it stands
 * for are a positive wallet debit and at least one credit (so `amount` is above zero), and its chain
 * starts at 1.
 */
function checkSettlement(payload: PaymentSettledV3): PayloadViolation | null {
  const amount = BigInt(payload.amount);
  if (BigInt(payload.fee) + BigInt(payload.merchantAmount) !== amount) {
    return { field: '/merchantAmount', message: 'fee + merchantAmount must equal amount' };
  }
  if (payload.entry === null) return null;
  if (amount === 0n) return { field: '/amount', message: 'a posted payment moves money' };
  if (payload.entry.sequence === '0') return { field: '/entry/sequence', message: 'starts at 1' };
  return null;
}

export const paymentSettledV3: EventDefinition<'payment.settled', PaymentSettledV3> = {
  type: 'payment.settled',
  version: 3,
  topic: 'payments.settlements.v1',
  producer: 'ledger',
  description:
    'The ledger posted a verified payment: wallet debited, merchant and fee revenue credited; the journal entry’s place in the hash chain (its postings, time and link follow from the event and the chain).',
  schema: paymentSettledV3Schema,
  key: (payload) => payload.consumerAccountId,
  invariants: checkSettlement,
};

/**
 * v2 → v3: the entry keeps its place in the chain. What is dropped follows from the event and the
 * chain for every v2 the ledger published (its postings were the event's amounts and its `postedAt`
 * the settlement time); a v2 entry that differed would fail its hash check in a rebuild.
 */
export function upcastPaymentSettledV2(v2: PaymentSettledV2): PaymentSettledV3 {
  const { entry, ...v1 } = v2;
  if (entry === null) return { ...v1, entry: null };
  return {
    ...v1,
    entry: {
      partition: entry.partition,
      sequence: entry.sequence,
      feeScheduleVersion: entry.feeScheduleVersion,
      hash: entry.hash,
    },
  };
}
