import { type Account } from '../domain/accounts';
import { decideApprovePayout, decideRequestPayout, type PayoutRecord } from './pay-out.decider';

const payable: Account = { accountId: 'payable_mer_1', purpose: 'merchant-payable', type: 'liability', currency: 'EUR', ownerKind: 'merchant', ownerId: 'mer_1' };
const settlement: Account = { accountId: 'settlement_EUR', purpose: 'settlement', type: 'asset', currency: 'EUR', ownerKind: 'processor', ownerId: 'EUR' };
const request = (amount: string) => ({ clientKey: 'key-1', merchantId: 'mer_1', amount, currency: 'EUR', operatorId: 'alice', payoutId: 'payout_1', entryId: 'entry-1', now: '2026-11-28T12:00:00.000Z', expiresAt: '2026-11-29T12:00:00.000Z' });
const state = { payable, settlement, payableBalance: 5_000n, prior: null, mustWait: false };

describe('decideRequestPayout', () => {
  it('posts when the maker–checker rules let it: debit the payable, credit the settlement account, on the merchant’s chain', () => {
    expect(decideRequestPayout(request('1000'), state)).toMatchObject({
      outcome: 'posted',
      payout: { status: 'posted', entryId: 'entry-1' },
      entry: { kind: 'payout', partitionKey: 'mer_1', postings: [{ accountId: 'payable_mer_1', side: 'debit', amount: 1_000n }, { accountId: 'settlement_EUR', side: 'credit', amount: 1_000n }] },
    });
  });

  it('holds a payout the maker–checker rules hold for a second operator', () => {
    expect(decideRequestPayout(request('1001'), { ...state, mustWait: true })).toMatchObject({ outcome: 'pending-approval', payout: { status: 'pending-approval', requestedBy: 'alice', entryId: null } });
  });

  it('refuses more than is owed, a wrong currency, an unknown merchant', () => {
    expect(decideRequestPayout(request('5001'), { ...state, mustWait: true })).toEqual({ outcome: 'rejected', code: 'INSUFFICIENT_BALANCE' });
    expect(decideRequestPayout({ ...request('1'), currency: 'USD' }, state)).toEqual({ outcome: 'rejected', code: 'CURRENCY_MISMATCH' });
    expect(decideRequestPayout(request('1'), { ...state, payable: null })).toEqual({ outcome: 'rejected', code: 'UNKNOWN_MERCHANT' });
  });

  it('finds an earlier payout by client key, and notices other content', () => {
    const prior: PayoutRecord = { payoutId: 'payout_0', clientKey: 'key-1', merchantId: 'mer_1', amount: 10n, currency: 'EUR', status: 'posted', requestedBy: 'alice', entryId: 'entry-0', expiresAt: '2026-11-29T12:00:00.000Z' };
    expect(decideRequestPayout(request('10'), { ...state, prior })).toEqual({ outcome: 'duplicate', conflicting: false, payout: prior });
    expect(decideRequestPayout(request('11'), { ...state, prior })).toEqual({ outcome: 'duplicate', conflicting: true, payout: prior });
  });
});

describe('decideApprovePayout', () => {
  const pending: PayoutRecord = { payoutId: 'payout_1', clientKey: 'key-1', merchantId: 'mer_1', amount: 3_000n, currency: 'EUR', status: 'pending-approval', requestedBy: 'alice', entryId: null, expiresAt: '2026-11-29T12:00:00.000Z' };
  const approve = (operatorId: string, now = '2026-11-28T12:00:00.000Z') => ({ payoutId: 'payout_1', operatorId, entryId: 'entry-2', now });

  it('refuses an approval at or after the deadline, and of a rejected payout', () => {
    expect(decideApprovePayout(approve('bob', '2026-11-29T12:00:00.000Z'), { payable, settlement, payableBalance: 5_000n, payout: pending })).toEqual({ outcome: 'rejected', code: 'APPROVAL_EXPIRED' });
    expect(decideApprovePayout(approve('bob'), { payable, settlement, payableBalance: 5_000n, payout: { ...pending, status: 'rejected' } })).toEqual({ outcome: 'rejected', code: 'APPROVAL_NOT_PENDING' });
  });

  it('needs an operator other than the requester, and checks the balance again', () => {
    expect(decideApprovePayout(approve('alice'), { payable, settlement, payableBalance: 5_000n, payout: pending })).toEqual({ outcome: 'rejected', code: 'SECOND_OPERATOR_REQUIRED' });
    expect(decideApprovePayout(approve('bob'), { payable, settlement, payableBalance: 2_999n, payout: pending })).toEqual({ outcome: 'rejected', code: 'INSUFFICIENT_BALANCE' });
    expect(decideApprovePayout(approve('bob'), { payable, settlement, payableBalance: 3_000n, payout: pending })).toMatchObject({ outcome: 'posted', payout: { status: 'posted', entryId: 'entry-2' } });
  });

  it('finds a posted payout again and reports an unknown one', () => {
    const posted = { ...pending, status: 'posted' as const, entryId: 'entry-2' };
    expect(decideApprovePayout(approve('bob'), { payable, settlement, payableBalance: 0n, payout: posted })).toEqual({ outcome: 'duplicate', conflicting: false, payout: posted });
    expect(decideApprovePayout(approve('bob'), { payable: null, settlement: null, payableBalance: 0n, payout: null })).toEqual({ outcome: 'rejected', code: 'PAYOUT_NOT_FOUND' });
  });
});
