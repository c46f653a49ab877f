import { type Account } from '../domain/accounts';
import { decideRequestPayout, type PayoutRecord } from './pay-out.decider';

const payable: Account = {
  accountId: 'payable_mer_1',
  purpose: 'merchant-payable',
  type: 'liability',
  currency: 'EUR',
  ownerKind: 'merchant',
  ownerId: 'mer_1',
};
const settlement: Account = {
  accountId: 'settlement_EUR',
  purpose: 'settlement',
  type: 'asset',
  currency: 'EUR',
  ownerKind: 'processor',
  ownerId: 'EUR',
};
const request = (amount: string) => ({
  clientKey: 'key-1',
  merchantId: 'mer_1',
  amount,
  currency: 'EUR',
  operatorId: 'alice',
  payoutId: 'payout_1',
  entryId: 'entry-1',
  now: '2026-11-28T12:00:00.000Z',
});
const state = { payable, settlement, payableBalance: 5_000n, prior: null };

describe('decideRequestPayout', () => {
  it('posts: debit the payable, credit the settlement account, on the merchant’s chain', () => {
    expect(decideRequestPayout(request('1000'), state)).toMatchObject({
      outcome: 'posted',
      payout: { status: 'posted', entryId: 'entry-1', requestedBy: 'alice' },
      entry: {
        kind: 'payout',
        partitionKey: 'mer_1',
        postings: [
          { accountId: 'payable_mer_1', side: 'debit', amount: 1_000n },
          { accountId: 'settlement_EUR', side: 'credit', amount: 1_000n },
        ],
      },
    });
  });

  it('refuses more than is owed, a wrong currency, an unknown merchant, an amount the journal cannot post', () => {
    expect(decideRequestPayout(request('5001'), state)).toEqual({
      outcome: 'rejected',
      code: 'INSUFFICIENT_BALANCE',
    });
    expect(decideRequestPayout(request('5000'), state)).toMatchObject({ outcome: 'posted' });
    expect(decideRequestPayout({ ...request('1'), currency: 'USD' }, state)).toEqual({
      outcome: 'rejected',
      code: 'CURRENCY_MISMATCH',
    });
    expect(decideRequestPayout(request('1'), { ...state, payable: null })).toEqual({
      outcome: 'rejected',
      code: 'UNKNOWN_MERCHANT',
    });
    expect(decideRequestPayout(request('0'), state)).toEqual({
      outcome: 'rejected',
      code: 'AMOUNT_OUT_OF_RANGE',
    });
  });

  it('finds an earlier payout by client key, and notices other content', () => {
    const prior: PayoutRecord = {
      payoutId: 'payout_0',
      clientKey: 'key-1',
      merchantId: 'mer_1',
      amount: 10n,
      currency: 'EUR',
      status: 'posted',
      requestedBy: 'alice',
      entryId: 'entry-0',
    };
    expect(decideRequestPayout(request('10'), { ...state, prior })).toEqual({
      outcome: 'duplicate',
      conflicting: false,
      payout: prior,
    });
    expect(decideRequestPayout(request('11'), { ...state, prior })).toEqual({
      outcome: 'duplicate',
      conflicting: true,
      payout: prior,
    });
  });
});
