// The settlement's outgoing events skip the outbox's contract check on the hot path: this is where
// they are checked instead, for every outcome and at the edges of what an incoming payment allows.
import { randomUUID } from 'node:crypto';
import {
  type EventEnvelope,
  identifierLengthMax,
  type PaymentSettledV2,
  type PaymentVerifiedV1,
  validateEventForSend,
} from '@settle/contracts';
import { type Causation } from '@settle/messaging';
import { entryOfSettledPayment } from '../adapters/ledger-events';
import { accountsForConsumerAccount, accountsForMerchant } from '../domain/accounts';
import { type FeeSchedule, zeroFeeSchedule } from '../domain/fees';
import { type PostedEntry } from '../domain/entry';
import { appendToChain, entryHash, genesisHead, partitionOf } from '../domain/hash-chain';
import { postingAmountMinorUnitsMax } from '../domain/money';
import { decideSettlePayment, type SettlePaymentResult } from './settle-payment.decider';
import { failedEvents, settledEvents } from './settle-payment.events';

const longest = (prefix: string) =>
  `${prefix}_${'x'.repeat(identifierLengthMax - prefix.length - 1)}`;
const consumerAccountId = longest('acc');
const merchantId = longest('mer');
const [wallet] = accountsForConsumerAccount(consumerAccountId, 'EUR');
const [payable, feeRevenue] = accountsForMerchant(merchantId, 'EUR');
const now = '2026-01-01T00:00:01.000Z';
const cause: Causation = {
  correlationId: randomUUID(),
  causationId: randomUUID(),
  occurredAt: now,
};
const highestFee: FeeSchedule = {
  version: 'fee-schedule-999999',
  basisPoints: 1_000,
  fixedMinorUnits: 1_000_000n,
};

function payment(amount: string): PaymentVerifiedV1 {
  return {
    transactionId: longest('txn'),
    consumerAccountId,
    merchantId,
    amount,
    currency: 'EUR',
  } as PaymentVerifiedV1;
}

function eventsOf(
  amount: string,
  feeSchedule: FeeSchedule,
  walletBalance: bigint,
): EventEnvelope[] {
  return settle(amount, feeSchedule, walletBalance).events;
}

function settle(
  amount: string,
  feeSchedule: FeeSchedule,
  walletBalance: bigint,
): { events: EventEnvelope[]; entry: PostedEntry | null } {
  const verified = payment(amount);
  const result: SettlePaymentResult = decideSettlePayment(
    { ...verified, eventOccurredAt: now, entryId: randomUUID(), now },
    {
      prior: { kind: 'none' },
      wallet: wallet!,
      merchantPayable: payable!,
      feeRevenue: feeRevenue!,
      feeSchedule,
      walletBalance,
      unknownEntityRetryWindowMs: 0,
    },
  );
  if (result.outcome === 'failed')
    return { events: failedEvents(verified, result, cause), entry: null };
  if (result.outcome !== 'posted') throw new Error(`unexpected outcome ${result.outcome}`);
  const head = { ...genesisHead(partitionOf(consumerAccountId)), sequence: 2n ** 62n };
  const { entry } = appendToChain(head, result.entry);
  return { events: settledEvents(verified, result, entry, cause), entry };
}

const invalidOf = (events: readonly EventEnvelope[]) =>
  events.map(validateEventForSend).filter((validation) => !validation.ok);

describe('the settlement’s outgoing events', () => {
  it.each([
    [
      'with a fee, into an overdraft',
      '1250',
      highestFee,
      0n,
      ['payment.settled', 'account.overdrawn'],
    ],
    ['without a fee, staying in funds', '1', zeroFeeSchedule, 10n, ['payment.settled']],
    ['all of it a fee', '1000000', highestFee, 10n ** 17n, ['payment.settled']],
    [
      'of the largest amount, back in funds',
      postingAmountMinorUnitsMax.toString(),
      highestFee,
      -1n,
      ['payment.settled'],
    ],
    [
      'of an amount out of range',
      (postingAmountMinorUnitsMax + 1n).toString(),
      highestFee,
      0n,
      ['payment.settlement-failed'],
    ],
  ])('satisfy their contracts: settled %s', (_, amount, schedule, walletBalance, types) => {
    const events = eventsOf(amount, schedule, walletBalance);
    expect(events.map((event) => event.type)).toEqual(types);
    expect(invalidOf(events)).toEqual([]);
  });

  it('carry the whole entry in payment.settled: the rebuild gets back the entry as posted, and its hash', () => {
    const { events, entry } = settle('1250', highestFee, 0n);
    const rebuilt = entryOfSettledPayment(events[0]!.payload as PaymentSettledV2);
    expect(rebuilt).toEqual(entry);
    expect(entryHash(rebuilt!)).toBe(entry!.hash);
  });

  it('would catch a broken builder: an event with an invalid hash fails the check', () => {
    const [settled] = eventsOf('1250', highestFee, 0n);
    const payload = settled!.payload as PaymentSettledV2;
    const broken = {
      ...settled!,
      payload: { ...payload, entry: { ...payload.entry!, hash: 'not-a-hash' } },
    };
    expect(invalidOf([broken])).toEqual([
      expect.objectContaining({ ok: false, code: 'SCHEMA_VIOLATION' }),
    ]);
  });
});
