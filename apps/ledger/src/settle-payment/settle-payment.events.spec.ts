// The settlement's outgoing events skip the outbox's contract check on the hot path: this is where
// they are checked instead, for every outcome and at the edges of what an incoming payment allows.
import { randomUUID } from 'node:crypto';
import { type EventEnvelope, identifierLengthMax, type PaymentVerifiedV1, validateEventForSend } from '@settle/contracts';
import { type Causation } from '../adapters/ledger-events';
import { accountsForConsumerAccount, accountsForMerchant } from '../domain/accounts';
import { type FeeSchedule, zeroFeeSchedule } from '../domain/fees';
import { appendToChain, genesisHead, partitionOf } from '../domain/hash-chain';
import { postingAmountMinorUnitsMax } from '../domain/money';
import { decideSettlePayment, type SettlePaymentResult } from './settle-payment.decider';
import { failedEvents, settledEvents } from './settle-payment.events';

const longest = (prefix: string) => `${prefix}_${'x'.repeat(identifierLengthMax - prefix.length - 1)}`;
const consumerAccountId = longest('acc');
const merchantId = longest('mer');
const [wallet] = accountsForConsumerAccount(consumerAccountId, 'EUR');
const [payable, feeRevenue] = accountsForMerchant(merchantId, 'EUR');
const now = '2026-01-01T00:00:01.000Z';
const cause: Causation = { correlationId: randomUUID(), causationId: randomUUID(), occurredAt: now };
const highestFee: FeeSchedule = { version: 'fee-schedule-999999', basisPoints: 1_000, fixedMinorUnits: 1_000_000n };

function payment(amount: string): PaymentVerifiedV1 {
  return { transactionId: longest('txn'), consumerAccountId, merchantId, amount, currency: 'EUR' } as PaymentVerifiedV1;
}

function eventsOf(amount: string, feeSchedule: FeeSchedule, walletBalance: bigint): EventEnvelope[] {
  const verified = payment(amount);
  const result: SettlePaymentResult = decideSettlePayment(
    { ...verified, eventOccurredAt: now, entryId: randomUUID(), now },
    { prior: { kind: 'none' }, wallet: wallet!, merchantPayable: payable!, feeRevenue: feeRevenue!, feeSchedule, walletBalance, unknownEntityRetryWindowMs: 0 },
  );
  if (result.outcome === 'failed') return failedEvents(verified, result, cause);
  if (result.outcome !== 'posted') throw new Error(`unexpected outcome ${result.outcome}`);
  const head = { ...genesisHead(partitionOf(consumerAccountId)), sequence: 2n ** 62n };
  return settledEvents(verified, result, appendToChain(head, result.entry).entry, cause);
}

const invalidOf = (events: readonly EventEnvelope[]) => events.map(validateEventForSend).filter((validation) => !validation.ok);

describe('the settlement’s outgoing events', () => {
  it.each([
    ['with a fee, into an overdraft', '1250', highestFee, 0n, ['ledger.entry-posted', 'payment.settled', 'account.overdrawn']],
    ['without a fee, staying in funds', '1', zeroFeeSchedule, 10n, ['ledger.entry-posted', 'payment.settled']],
    ['all of it a fee', '1000000', highestFee, 10n ** 17n, ['ledger.entry-posted', 'payment.settled']],
    ['of the largest amount, back in funds', postingAmountMinorUnitsMax.toString(), highestFee, -1n, ['ledger.entry-posted', 'payment.settled']],
    ['of an amount out of range', (postingAmountMinorUnitsMax + 1n).toString(), highestFee, 0n, ['payment.settlement-failed']],
  ])('satisfy their contracts: settled %s', (_, amount, schedule, walletBalance, types) => {
    const events = eventsOf(amount, schedule, walletBalance);
    expect(events.map((event) => event.type)).toEqual(types);
    expect(invalidOf(events)).toEqual([]);
  });

  it('would catch a broken builder: an event with an invalid hash fails the check', () => {
    const [posted] = eventsOf('1250', highestFee, 0n);
    const broken = { ...posted!, payload: { ...(posted!.payload as object), hash: 'not-a-hash' } };
    expect(invalidOf([broken])).toEqual([expect.objectContaining({ ok: false, code: 'SCHEMA_VIOLATION' })]);
  });
});
