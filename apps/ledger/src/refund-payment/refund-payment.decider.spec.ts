import { netByCurrency } from '../domain/entry';
import { balanceMinorUnitsMax } from '../domain/money';
import {
  decideRefundPayment,
  decideReversePayment,
  type OriginalPayment,
} from './refund-payment.decider';

const original: OriginalPayment = {
  entryId: 'entry-1',
  transactionId: 'txn_1',
  consumerAccountId: 'acc_1',
  postings: [
    { accountId: 'wallet_acc_1', side: 'debit', amount: 1_000n, currency: 'EUR' },
    { accountId: 'payable_mer_1', side: 'credit', amount: 990n, currency: 'EUR' },
    { accountId: 'fee-revenue_EUR', side: 'credit', amount: 10n, currency: 'EUR' },
  ],
  amount: 1_000n,
  currency: 'EUR',
  walletAccountId: 'wallet_acc_1',
  payableAccountId: 'payable_mer_1',
  refundedSoFar: 0n,
  reversedBy: null,
};
const refund = (amount: string, clientKey = 'key-1') => ({
  clientKey,
  originalEntryId: 'entry-1',
  amount,
  entryId: 'entry-2',
  now: '2026-11-28T12:00:00.000Z',
});

describe('decideRefundPayment', () => {
  it('posts a balanced refund linked to the payment, in the payment’s partition', () => {
    const result = decideRefundPayment(refund('400'), {
      prior: { kind: 'none' },
      original,
      walletBalance: -1_000n,
    });
    expect(result).toMatchObject({
      outcome: 'posted',
      walletBalanceAfter: -600n,
      overdraft: 'none',
      entry: {
        kind: 'refund',
        originalEntryId: 'entry-1',
        transactionId: 'txn_1',
        partitionKey: 'acc_1',
      },
    });
    if (result.outcome === 'posted')
      expect([...netByCurrency(result.entry.postings).values()]).toEqual([0n]);
  });

  it('never refunds more than the payment minus earlier refunds', () => {
    const state = {
      prior: { kind: 'none' as const },
      original: { ...original, refundedSoFar: 600n },
      walletBalance: 0n,
    };
    expect(decideRefundPayment(refund('401'), state)).toEqual({
      outcome: 'rejected',
      code: 'REFUND_EXCEEDS_REMAINING',
    });
    expect(decideRefundPayment(refund('400'), state)).toMatchObject({ outcome: 'posted' });
    expect(decideRefundPayment(refund('0'), state)).toEqual({
      outcome: 'rejected',
      code: 'AMOUNT_OUT_OF_RANGE',
    });
  });

  it('never takes the wallet past balanceMinorUnitsMax, by a refund or a reversal', () => {
    const state = {
      prior: { kind: 'none' as const },
      original,
      walletBalance: balanceMinorUnitsMax - 399n,
    };
    expect(decideRefundPayment(refund('400'), state)).toEqual({
      outcome: 'rejected',
      code: 'BALANCE_OUT_OF_RANGE',
    });
    expect(decideRefundPayment(refund('399'), state)).toMatchObject({
      outcome: 'posted',
      walletBalanceAfter: balanceMinorUnitsMax,
    });
    expect(
      decideReversePayment(
        { originalEntryId: 'entry-1', entryId: 'entry-3', now: '2026-11-28T12:00:00.000Z' },
        state,
      ),
    ).toEqual({ outcome: 'rejected', code: 'BALANCE_OUT_OF_RANGE' });
  });

  it('finds an earlier refund by client key, and notices other content', () => {
    const prior = {
      kind: 'refunded' as const,
      originalEntryId: 'entry-1',
      amount: 400n,
      entryId: 'entry-9',
    };
    expect(decideRefundPayment(refund('400'), { prior, original, walletBalance: 0n })).toEqual({
      outcome: 'duplicate',
      conflicting: false,
      entryId: 'entry-9',
    });
    expect(decideRefundPayment(refund('500'), { prior, original, walletBalance: 0n })).toEqual({
      outcome: 'duplicate',
      conflicting: true,
      entryId: 'entry-9',
    });
  });

  it('refuses unknown or reversed payments', () => {
    expect(
      decideRefundPayment(refund('1'), {
        prior: { kind: 'none' },
        original: null,
        walletBalance: 0n,
      }),
    ).toEqual({ outcome: 'rejected', code: 'ORIGINAL_NOT_FOUND' });
    expect(
      decideRefundPayment(refund('1'), {
        prior: { kind: 'none' },
        original: { ...original, reversedBy: 'entry-3' },
        walletBalance: 0n,
      }),
    ).toEqual({ outcome: 'rejected', code: 'ALREADY_REVERSED' });
  });
});

describe('decideReversePayment', () => {
  const reverse = {
    originalEntryId: 'entry-1',
    entryId: 'entry-3',
    now: '2026-11-28T12:00:00.000Z',
  };

  it('mirrors every posting, fee included, and brings the wallet back in funds', () => {
    const result = decideReversePayment(reverse, { original, walletBalance: -1_000n });
    expect(result).toMatchObject({
      outcome: 'posted',
      walletBalanceAfter: 0n,
      overdraft: 'back-in-funds',
      entry: { kind: 'reversal', idempotencyKey: 'entry-1' },
    });
    if (result.outcome === 'posted')
      expect(result.entry.postings.map((posting) => posting.side)).toEqual([
        'credit',
        'debit',
        'debit',
      ]);
  });

  it('finds the first reversal again and refuses a partly refunded payment', () => {
    expect(
      decideReversePayment(reverse, {
        original: { ...original, reversedBy: 'entry-7' },
        walletBalance: 0n,
      }),
    ).toEqual({ outcome: 'duplicate', conflicting: false, entryId: 'entry-7' });
    expect(
      decideReversePayment(reverse, {
        original: { ...original, refundedSoFar: 1n },
        walletBalance: 0n,
      }),
    ).toEqual({ outcome: 'rejected', code: 'ALREADY_REFUNDED' });
  });
});
