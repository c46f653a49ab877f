import {
  accountBackInFundsV1,
  accountOverdrawnV1,
  type EventEnvelope,
  ledgerEntryPostedV1,
  type PaymentSettledV3,
  paymentSettledV3,
  paymentSettlementFailedV1,
  type SettlementFailureReasonCode,
} from '@settle/contracts';
import { type Causation, eventFactory } from '@settle/messaging';
import { assert } from '../domain/assert';
import { type Posting, type PostedEntry } from '../domain/entry';
import { type SettledPayment, settledPaymentPostings } from '../domain/payment-postings';
import { type OverdraftTransition } from '../domain/overdraft';

/** Builds an event the ledger publishes (fresh event id, key from the definition). */
const ledgerEvent = eventFactory('ledger');

function postingsOf(entry: PostedEntry): Array<{
  accountId: string;
  side: PostedEntry['postings'][number]['side'];
  amount: string;
  currency: string;
}> {
  return entry.postings.map((posting) => ({
    accountId: posting.accountId,
    side: posting.side,
    amount: posting.amount.toString(),
    currency: posting.currency,
  }));
}

/** ledger.entry-posted: every entry but a payment's (a payment's travels in payment.settled). */
export function entryPostedEvent(entry: PostedEntry, cause: Causation): EventEnvelope {
  return ledgerEvent(
    ledgerEntryPostedV1,
    {
      entryId: entry.entryId,
      partition: entry.partition,
      partitionKey: entry.partitionKey,
      sequence: entry.sequence.toString(),
      kind: entry.kind,
      transactionId: entry.transactionId,
      originalEntryId: entry.originalEntryId,
      postings: postingsOf(entry),
      feeScheduleVersion: entry.feeScheduleVersion,
      previousHash: entry.previousHash,
      hash: entry.hash,
      postedAt: entry.postedAt,
    },
    cause,
  );
}

/**
 * payment.settled v3: the settlement and its entry's place in the hash chain in one event (issue
 * 14). The rest of the entry follows from the event (`settledPaymentPostings`, `postedAt` =
 * `settledAt`) and from the chain (`previousHash`), which is checked here so that a rebuild from the
 * topics can always recompute the hash.
 */
export function paymentSettledEvent(
  settled: SettledPayment,
  entry: PostedEntry,
  cause: Causation,
): EventEnvelope {
  // What the rebuild leaves out of the event because the event says it already (docs/events.md).
  assert(
    entry.kind === 'payment' && entry.originalEntryId === null,
    'payment.settled carries a payment entry',
  );
  assert(
    entry.transactionId === settled.transactionId &&
      entry.partitionKey === settled.consumerAccountId &&
      entry.postedAt === cause.occurredAt,
    'the entry is this payment’s, on its wallet’s chain, posted when it settled',
  );
  assert(
    samePostings(entry.postings, settledPaymentPostings(settled)),
    'the entry’s postings follow from the settlement’s amounts',
  );
  return ledgerEvent(
    paymentSettledV3,
    {
      transactionId: settled.transactionId,
      consumerAccountId: settled.consumerAccountId,
      merchantId: settled.merchantId,
      amount: settled.amount.toString(),
      fee: settled.fee.toString(),
      merchantAmount: settled.merchantAmount.toString(),
      currency: settled.currency,
      entryId: entry.entryId,
      settledAt: cause.occurredAt,
      entry: {
        partition: entry.partition,
        sequence: entry.sequence.toString(),
        feeScheduleVersion: entry.feeScheduleVersion,
        hash: entry.hash,
      },
    },
    cause,
  );
}

function samePostings(a: readonly Posting[], b: readonly Posting[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (posting, index) =>
        posting.accountId === b[index]!.accountId &&
        posting.side === b[index]!.side &&
        posting.amount === b[index]!.amount &&
        posting.currency === b[index]!.currency,
    )
  );
}

/**
 * A journal entry as a topic gives it back: `previousHash` is null when the event leaves it to the
 * chain (payment.settled v3: the hash of the partition's previous entry, which a reader applying the
 * chain in order holds).
 */
export type TopicEntry = Omit<PostedEntry, 'previousHash'> & {
  readonly previousHash: string | null;
};

/**
 * The journal entry a payment.settled stands for, as the ledger posted it but for its previous hash
 * (the inverse of `paymentSettledEvent`, for the rebuild from the topics); null for a v1 event
 * upcast (its entry was published as ledger.entry-posted). A payment's business key is its
 * transaction id.
 */
export function entryOfSettledPayment(payload: PaymentSettledV3): TopicEntry | null {
  if (payload.entry === null) return null;
  return {
    entryId: payload.entryId,
    kind: 'payment',
    idempotencyKey: payload.transactionId,
    partitionKey: payload.consumerAccountId,
    transactionId: payload.transactionId,
    originalEntryId: null,
    postings: settledPaymentPostings({
      transactionId: payload.transactionId,
      consumerAccountId: payload.consumerAccountId,
      merchantId: payload.merchantId,
      amount: BigInt(payload.amount),
      fee: BigInt(payload.fee),
      merchantAmount: BigInt(payload.merchantAmount),
      currency: payload.currency,
    }),
    feeScheduleVersion: payload.entry.feeScheduleVersion,
    postedAt: payload.settledAt,
    partition: payload.entry.partition,
    sequence: BigInt(payload.entry.sequence),
    previousHash: null,
    hash: payload.entry.hash,
  };
}

export function settlementFailedEvent(
  failed: {
    transactionId: string;
    consumerAccountId: string;
    merchantId: string;
    reasonCode: SettlementFailureReasonCode;
  },
  cause: Causation,
): EventEnvelope {
  return ledgerEvent(
    paymentSettlementFailedV1,
    {
      transactionId: failed.transactionId,
      consumerAccountId: failed.consumerAccountId,
      merchantId: failed.merchantId,
      reasonCode: failed.reasonCode,
      failedAt: cause.occurredAt,
    },
    cause,
  );
}

/** account.overdrawn or account.back-in-funds for a wallet whose balance crossed zero; none otherwise. */
export function overdraftEvents(
  transition: OverdraftTransition,
  wallet: { consumerAccountId: string; balance: bigint; currency: string },
  cause: Causation,
): EventEnvelope[] {
  switch (transition) {
    case 'none':
      return [];
    case 'overdrawn':
      return [
        ledgerEvent(
          accountOverdrawnV1,
          {
            accountId: wallet.consumerAccountId,
            balance: wallet.balance.toString(),
            currency: wallet.currency,
            overdrawnAt: cause.occurredAt,
          },
          cause,
        ),
      ];
    case 'back-in-funds':
      return [
        ledgerEvent(
          accountBackInFundsV1,
          {
            accountId: wallet.consumerAccountId,
            balance: wallet.balance.toString(),
            currency: wallet.currency,
            restoredAt: cause.occurredAt,
          },
          cause,
        ),
      ];
  }
}
