// The settlement's outgoing events skip the outbox's contract check on the hot path: this is where
// they are checked instead, for every outcome and at the edges of what an incoming payment allows.
import { randomUUID } from 'node:crypto';
import {
  decodeEvent,
  type EventEnvelope,
  identifierLengthMax,
  paymentSettledV2,
  type PaymentSettledV3,
  type PaymentVerifiedV1,
  validateEventForSend,
} from '@settle/contracts';
import { type Causation, newEvent } from '@settle/messaging';
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

  it.each([
    ['with a fee', '1250', highestFee],
    ['without a fee', '1', zeroFeeSchedule],
    ['all of it a fee', '1000000', highestFee],
  ])(
    'carry the entry’s place in payment.settled: the rebuild gets back the entry as posted %s, and its hash',
    (_, amount, schedule) => {
      const { events, entry } = settle(amount, schedule, 0n);
      const rebuilt = entryOfSettledPayment(events[0]!.payload as PaymentSettledV3);
      expect(rebuilt).toEqual({ ...entry, previousHash: null });
      // The previous hash comes from the chain in the rebuild: with it, the hash is the entry's.
      expect(entryHash({ ...rebuilt!, previousHash: entry!.previousHash })).toBe(entry!.hash);
    },
  );

  it('would not rebuild an entry whose postings differ from the event’s amounts: its hash would not verify', () => {
    const { events, entry } = settle('1250', highestFee, 0n);
    const payload = events[0]!.payload as PaymentSettledV3;
    const rebuilt = entryOfSettledPayment({ ...payload, fee: '19', merchantAmount: '1231' });
    expect(entryHash({ ...rebuilt!, previousHash: entry!.previousHash })).not.toBe(entry!.hash);
  });

  it('rebuild an entry from a payment.settled v2 still in the topic (read upcast to v3), hash and all', () => {
    const { events, entry } = settle('1250', highestFee, 0n);
    const { entry: _place, ...v1Members } = events[0]!.payload as PaymentSettledV3;
    // What the v2 builder published: the whole entry.
    const v2 = newEvent(
      paymentSettledV2,
      {
        ...v1Members,
        entry: {
          partition: entry!.partition,
          sequence: entry!.sequence.toString(),
          postings: entry!.postings.map((posting) => ({
            ...posting,
            amount: posting.amount.toString(),
          })),
          feeScheduleVersion: entry!.feeScheduleVersion,
          previousHash: entry!.previousHash,
          hash: entry!.hash,
          postedAt: entry!.postedAt,
        },
      },
      cause,
      'ledger',
    );
    const decoded = decodeEvent(JSON.parse(JSON.stringify(v2)));
    if (!decoded.ok || decoded.envelope.type !== 'payment.settled') throw new Error('not decoded');
    expect(decoded.envelope.version).toBe(3);
    const rebuilt = entryOfSettledPayment(decoded.envelope.payload);
    expect({ ...rebuilt, previousHash: entry!.previousHash }).toEqual(entry);
  });

  it('would catch a broken builder: an event with an invalid hash fails the check', () => {
    const [settled] = eventsOf('1250', highestFee, 0n);
    const payload = settled!.payload as PaymentSettledV3;
    const broken = {
      ...settled!,
      payload: { ...payload, entry: { ...payload.entry!, hash: 'not-a-hash' } },
    };
    expect(invalidOf([broken])).toEqual([
      expect.objectContaining({ ok: false, code: 'SCHEMA_VIOLATION' }),
    ]);
  });
});
