import { type EventEnvelope, type PaymentVerifiedV1 } from '@settle/contracts';
import { type Causation } from '@settle/messaging';
import {
  overdraftEvents,
  paymentSettledEvent,
  settlementFailedEvent,
} from '../adapters/ledger-events';
import { type PostedEntry } from '../domain/entry';
import { type SettlePaymentResult } from './settle-payment.decider';

type Posted = Extract<SettlePaymentResult, { outcome: 'posted' }>;
type Failed = Extract<SettlePaymentResult, { outcome: 'failed' }>;

/**
 * The events of one settlement, built only by the typed builders of ledger-events.ts. The outbox
 * does not check them against their contracts on this hot path ('builders-tested'): the spec next
 * to this file validates every shape these two functions return.
 */
export function settledEvents(
  payment: PaymentVerifiedV1,
  result: Posted,
  entry: PostedEntry,
  cause: Causation,
): EventEnvelope[] {
  const { transactionId, consumerAccountId, merchantId, currency } = payment;
  // One event per settled payment: payment.settled v2 carries the entry (no ledger.entry-posted).
  return [
    paymentSettledEvent(
      {
        transactionId,
        consumerAccountId,
        merchantId,
        currency,
        amount: result.amount,
        fee: result.fee,
        merchantAmount: result.merchantAmount,
      },
      entry,
      cause,
    ),
    ...overdraftEvents(
      result.overdraft,
      { consumerAccountId, balance: result.walletBalanceAfter, currency },
      cause,
    ),
  ];
}

export function failedEvents(
  payment: PaymentVerifiedV1,
  result: Failed,
  cause: Causation,
): EventEnvelope[] {
  const { transactionId, consumerAccountId, merchantId } = payment;
  return [
    settlementFailedEvent(
      { transactionId, consumerAccountId, merchantId, reasonCode: result.reasonCode },
      cause,
    ),
  ];
}
