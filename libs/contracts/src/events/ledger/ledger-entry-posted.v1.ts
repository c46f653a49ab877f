import { type EventDefinition, type PayloadViolation } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  counterSchema,
  currencySchema,
  enumSchema,
  identifierSchema,
  jsonSchemaDialect,
  payloadSchemaId,
  positiveAmountSchema,
  sha256HexSchema,
  timestampSchema,
} from '../../schema-fragments';

/** An entry has at most this many postings. */
export const ledgerPostingsPerEntryMax = 32;
/** Ledger partitions (hash chains) are numbered from 0 to this, exclusive. */
export const ledgerPartitionsMax = 1024;
/** `previousHash` of the first entry of a partition. */
export const ledgerGenesisHash = '0'.repeat(64);

export const ledgerEntryKinds = ['payment', 'funding', 'payout', 'refund', 'reversal'] as const;
export type LedgerEntryKind = (typeof ledgerEntryKinds)[number];

export const postingSides = ['debit', 'credit'] as const;
export type PostingSide = (typeof postingSides)[number];

/** One leg of an entry. Amounts are positive; the side says which way. */
export interface PostingV1 {
  /** Ledger account id (wallet, merchant payable, fee revenue...), not a registry id. */
  readonly accountId: string;
  readonly side: PostingSide;
  readonly amount: string;
  readonly currency: string;
}

/**
 * ledger.entry-posted v1 — FROZEN. One append-only journal entry, with its place in its partition's
 * hash chain, so that any consumer can rebuild balances and check the chain without the ledger's
 * database. Keyed by `partitionKey`: the consumer account id for everything about a wallet.
 */
export interface LedgerEntryPostedV1 {
  readonly entryId: string;
  /** The hash-chain partition the entry was appended to. */
  readonly partition: number;
  /**
   * The registry id that chose the partition and is the Kafka key: the consumer account id for
   * payment, funding, refund and reversal entries; the merchant id for payouts.
   */
  readonly partitionKey: string;
  /** Position in the partition's chain, from 1. */
  readonly sequence: string;
  readonly kind: LedgerEntryKind;
  /** The payment the entry is about; required for payment, refund and reversal entries. */
  readonly transactionId: string | null;
  /** The entry a refund or reversal undoes; null for every other kind. */
  readonly originalEntryId: string | null;
  readonly postings: readonly PostingV1[];
  /** The fee schedule that priced a payment, so a rebuild never re-prices; null when nothing was priced. */
  readonly feeScheduleVersion: string | null;
  /** `hash` of the previous entry of the partition; `ledgerGenesisHash` for the first. */
  readonly previousHash: string;
  readonly hash: string;
  readonly postedAt: string;
}

export const postingV1Schema: ObjectSchema<PostingV1> = {
  type: 'object',
  additionalProperties: false,
  required: ['accountId', 'side', 'amount', 'currency'],
  properties: {
    accountId: identifierSchema,
    side: enumSchema(postingSides),
    amount: positiveAmountSchema,
    currency: currencySchema,
  },
};

export const ledgerEntryPostedV1Schema: ObjectSchema<LedgerEntryPostedV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('ledger.entry-posted', 1),
  type: 'object',
  additionalProperties: false,
  required: [
    'entryId',
    'partition',
    'partitionKey',
    'sequence',
    'kind',
    'transactionId',
    'originalEntryId',
    'postings',
    'feeScheduleVersion',
    'previousHash',
    'hash',
    'postedAt',
  ],
  properties: {
    entryId: identifierSchema,
    partition: { type: 'integer', minimum: 0, maximum: ledgerPartitionsMax - 1 },
    partitionKey: identifierSchema,
    sequence: counterSchema,
    kind: enumSchema(ledgerEntryKinds),
    transactionId: { ...identifierSchema, nullable: true },
    originalEntryId: { ...identifierSchema, nullable: true },
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
};

/** Double entry: per currency, debits equal credits. */
function checkBalanced(payload: LedgerEntryPostedV1): PayloadViolation | null {
  const netByCurrency = new Map<string, bigint>();
  for (const posting of payload.postings) {
    const signed = posting.side === 'debit' ? BigInt(posting.amount) : -BigInt(posting.amount);
    netByCurrency.set(posting.currency, (netByCurrency.get(posting.currency) ?? 0n) + signed);
  }
  for (const [currency, net] of netByCurrency) {
    if (net !== 0n)
      return { field: '/postings', message: `debits and credits differ in ${currency} by ${net}` };
  }
  return null;
}

/** Links that the kind requires: a payment names its transaction, a refund or reversal its original. */
function checkLinks(payload: LedgerEntryPostedV1): PayloadViolation | null {
  const undoes = payload.kind === 'refund' || payload.kind === 'reversal';
  if (undoes !== (payload.originalEntryId !== null)) {
    return {
      field: '/originalEntryId',
      message: undoes ? `is required for ${payload.kind}` : 'must be null',
    };
  }
  if ((undoes || payload.kind === 'payment') && payload.transactionId === null) {
    return { field: '/transactionId', message: `is required for ${payload.kind}` };
  }
  if (payload.sequence === '0') return { field: '/sequence', message: 'starts at 1' };
  return null;
}

export const ledgerEntryPostedV1: EventDefinition<'ledger.entry-posted', LedgerEntryPostedV1> = {
  type: 'ledger.entry-posted',
  version: 1,
  topic: 'ledger.entries.v1',
  producer: 'ledger',
  description: 'A balanced journal entry was appended to a ledger partition’s hash chain.',
  schema: ledgerEntryPostedV1Schema,
  key: (payload) => payload.partitionKey,
  invariants: (payload) => checkBalanced(payload) ?? checkLinks(payload),
};
