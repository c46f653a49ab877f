import { randomUUID } from 'node:crypto';
import {
  accountBackInFundsV1,
  accountOverdrawnV1,
  createEnvelope,
  type EventEnvelope,
  ledgerEntryPostedV1,
  paymentSettledV1,
  paymentSettlementFailedV1,
  type SettlementFailureReasonCode,
} from '@settle/contracts';
import { type PostedEntry } from '../domain/entry';
import { type OverdraftTransition } from '../domain/overdraft';

/** What every event the ledger publishes carries of its cause. */
export interface Causation {
  readonly correlationId: string;
  /** The event (or request) that caused it; null for a root cause. */
  readonly causationId: string | null;
  readonly occurredAt: string;
}

const producer = 'ledger';

function envelopeOf<TType extends string, TPayload>(definition: Parameters<typeof createEnvelope<TType, TPayload>>[0]['definition'], payload: TPayload, cause: Causation): EventEnvelope {
  return createEnvelope({ definition, payload, eventId: randomUUID(), producer, ...cause });
}

export function entryPostedEvent(entry: PostedEntry, cause: Causation): EventEnvelope {
  return envelopeOf(
    ledgerEntryPostedV1,
    {
      entryId: entry.entryId,
      partition: entry.partition,
      partitionKey: entry.partitionKey,
      sequence: entry.sequence.toString(),
      kind: entry.kind,
      transactionId: entry.transactionId,
      originalEntryId: entry.originalEntryId,
      postings: entry.postings.map((posting) => ({ accountId: posting.accountId, side: posting.side, amount: posting.amount.toString(), currency: posting.currency })),
      feeScheduleVersion: entry.feeScheduleVersion,
      previousHash: entry.previousHash,
      hash: entry.hash,
      postedAt: entry.postedAt,
    },
    cause,
  );
}

export function paymentSettledEvent(
  settled: { transactionId: string; consumerAccountId: string; merchantId: string; amount: bigint; fee: bigint; merchantAmount: bigint; currency: string; entryId: string },
  cause: Causation,
): EventEnvelope {
  return envelopeOf(
    paymentSettledV1,
    {
      transactionId: settled.transactionId,
      consumerAccountId: settled.consumerAccountId,
      merchantId: settled.merchantId,
      amount: settled.amount.toString(),
      fee: settled.fee.toString(),
      merchantAmount: settled.merchantAmount.toString(),
      currency: settled.currency,
      entryId: settled.entryId,
      settledAt: cause.occurredAt,
    },
    cause,
  );
}

export function settlementFailedEvent(
  failed: { transactionId: string; consumerAccountId: string; merchantId: string; reasonCode: SettlementFailureReasonCode },
  cause: Causation,
): EventEnvelope {
  return envelopeOf(
    paymentSettlementFailedV1,
    { transactionId: failed.transactionId, consumerAccountId: failed.consumerAccountId, merchantId: failed.merchantId, reasonCode: failed.reasonCode, failedAt: cause.occurredAt },
    cause,
  );
}

/** account.overdrawn or account.back-in-funds for a wallet whose balance crossed zero; none otherwise. */
export function overdraftEvents(transition: OverdraftTransition, wallet: { consumerAccountId: string; balance: bigint; currency: string }, cause: Causation): EventEnvelope[] {
  switch (transition) {
    case 'none':
      return [];
    case 'overdrawn':
      return [envelopeOf(accountOverdrawnV1, { accountId: wallet.consumerAccountId, balance: wallet.balance.toString(), currency: wallet.currency, overdrawnAt: cause.occurredAt }, cause)];
    case 'back-in-funds':
      return [envelopeOf(accountBackInFundsV1, { accountId: wallet.consumerAccountId, balance: wallet.balance.toString(), currency: wallet.currency, restoredAt: cause.occurredAt }, cause)];
  }
}
