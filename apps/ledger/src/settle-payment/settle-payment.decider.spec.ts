import { accountsForConsumerAccount, accountsForMerchant } from '../domain/accounts';
import { LedgerInvariantError } from '../domain/assert';
import {
  decideSettlePayment,
  type SettlePayment,
  type SettlePaymentState,
} from './settle-payment.decider';

const [wallet] = accountsForConsumerAccount('acc_1', 'EUR');
const [payable, feeRevenue] = accountsForMerchant('mer_1', 'EUR');
const retryWindowMs = 10_000;

const command: SettlePayment = {
  transactionId: 'txn_1',
  consumerAccountId: 'acc_1',
  merchantId: 'mer_1',
  amount: '1250',
  currency: 'EUR',
  approvedAt: '2025-12-31T23:55:00.000Z',
  eventOccurredAt: '2026-01-01T00:00:00.000Z',
  entryId: 'entry_1',
  now: '2026-01-01T00:00:01.000Z',
};

const state: SettlePaymentState = {
  prior: { kind: 'none' },
  wallet: wallet!,
  merchantPayable: payable!,
  feeRevenue: feeRevenue!,
  feeSchedule: { version: 'fee-schedule-3', basisPoints: 145, fixedMinorUnits: 0n },
  walletBalance: 5_000n,
  unknownEntityRetryWindowMs: retryWindowMs,
};

describe('decideSettlePayment', () => {
  it('debits the wallet by the amount, credits the payable with amount − fee and fee revenue with the fee', () => {
    const result = decideSettlePayment(command, state);
    expect(result).toEqual({
      outcome: 'posted',
      amount: 1250n,
      fee: 18n,
      merchantAmount: 1232n,
      walletBalanceAfter: 3_750n,
      overdraft: 'none',
      entry: {
        entryId: 'entry_1',
        kind: 'payment',
        idempotencyKey: 'txn_1',
        partitionKey: 'acc_1',
        transactionId: 'txn_1',
        originalEntryId: null,
        postings: [
          { accountId: 'wallet_acc_1', side: 'debit', amount: 1250n, currency: 'EUR' },
          { accountId: 'payable_mer_1', side: 'credit', amount: 1232n, currency: 'EUR' },
          { accountId: 'fee-revenue_EUR', side: 'credit', amount: 18n, currency: 'EUR' },
        ],
        feeScheduleVersion: 'fee-schedule-3',
        postedAt: '2026-01-01T00:00:01.000Z',
      },
    });
  });

  it('leaves out a zero fee posting', () => {
    const result = decideSettlePayment({ ...command, amount: '60' }, state);
    expect(
      result.outcome === 'posted' && result.entry.postings.map((posting) => posting.accountId),
    ).toEqual(['wallet_acc_1', 'payable_mer_1']);
  });

  it('posts into an overdraft and says so; a later payment from a negative wallet changes nothing more', () => {
    expect(decideSettlePayment(command, { ...state, walletBalance: 1_000n })).toMatchObject({
      outcome: 'posted',
      walletBalanceAfter: -250n,
      overdraft: 'overdrawn',
    });
    expect(decideSettlePayment(command, { ...state, walletBalance: -1n })).toMatchObject({
      outcome: 'posted',
      overdraft: 'none',
    });
  });

  it('is a quiet duplicate when the payment was settled or failed before with the same content', () => {
    const prior = {
      kind: 'settled',
      consumerAccountId: 'acc_1',
      merchantId: 'mer_1',
      amount: 1250n,
      currency: 'EUR',
      approvedAt: '2025-12-31T23:55:00Z',
    } as const;
    expect(decideSettlePayment(command, { ...state, prior })).toEqual({ outcome: 'duplicate' });
    expect(
      decideSettlePayment(command, { ...state, prior: { ...prior, kind: 'failed' }, wallet: null }),
    ).toEqual({ outcome: 'duplicate' });
    // An outcome from before approval times were kept is compared on the rest.
    expect(
      decideSettlePayment(command, { ...state, prior: { ...prior, approvedAt: null } }),
    ).toEqual({ outcome: 'duplicate' });
  });

  it('calls a replay of a decided transaction id with other content a conflicting replay, naming every differing field', () => {
    const prior = {
      kind: 'settled',
      consumerAccountId: 'acc_1',
      merchantId: 'mer_1',
      amount: 1250n,
      currency: 'EUR',
      approvedAt: '2025-12-31T23:55:00.000Z',
    } as const;
    expect(decideSettlePayment({ ...command, amount: '1251' }, { ...state, prior })).toEqual({
      outcome: 'conflicting-replay',
      differingFields: ['amount'],
    });
    expect(
      decideSettlePayment(
        {
          ...command,
          consumerAccountId: 'acc_2',
          merchantId: 'mer_2',
          currency: 'USD',
          approvedAt: '2025-12-31T23:56:00.000Z',
        },
        { ...state, prior: { ...prior, kind: 'failed' } },
      ),
    ).toEqual({
      outcome: 'conflicting-replay',
      differingFields: ['consumerAccountId', 'merchantId', 'currency', 'approvedAt'],
    });
  });

  it.each(['0', '1000000000000001', '9999999999999999999'])(
    'fails an amount of %s as AMOUNT_OUT_OF_RANGE',
    (amount) => {
      expect(decideSettlePayment({ ...command, amount }, state)).toEqual({
        outcome: 'failed',
        reasonCode: 'AMOUNT_OUT_OF_RANGE',
      });
    },
  );

  it('waits for an unknown account or merchant within the retry window, then fails', () => {
    expect(decideSettlePayment(command, { ...state, wallet: null })).toEqual({
      outcome: 'not-yet-seen',
      entity: 'account',
      entityId: 'acc_1',
    });
    expect(decideSettlePayment(command, { ...state, merchantPayable: null })).toEqual({
      outcome: 'not-yet-seen',
      entity: 'merchant',
      entityId: 'mer_1',
    });
    const late = { ...command, now: '2026-01-01T00:00:10.000Z' };
    expect(decideSettlePayment(late, { ...state, wallet: null })).toEqual({
      outcome: 'failed',
      reasonCode: 'UNKNOWN_ACCOUNT',
    });
    expect(decideSettlePayment(late, { ...state, merchantPayable: null })).toEqual({
      outcome: 'failed',
      reasonCode: 'UNKNOWN_MERCHANT',
    });
  });

  it('fails a currency mismatch at once, with the wallet’s or the merchant’s currency', () => {
    const [usdWallet] = accountsForConsumerAccount('acc_1', 'USD');
    const [usdPayable] = accountsForMerchant('mer_1', 'USD');
    expect(decideSettlePayment(command, { ...state, wallet: usdWallet! })).toEqual({
      outcome: 'failed',
      reasonCode: 'CURRENCY_MISMATCH',
    });
    expect(decideSettlePayment(command, { ...state, merchantPayable: usdPayable! })).toEqual({
      outcome: 'failed',
      reasonCode: 'CURRENCY_MISMATCH',
    });
    expect(
      decideSettlePayment(command, { ...state, wallet: usdWallet!, merchantPayable: null }),
    ).toEqual({ outcome: 'failed', reasonCode: 'CURRENCY_MISMATCH' });
  });

  it('crashes when the state breaks an invariant (a wallet that is not the consumer’s)', () => {
    const [otherWallet] = accountsForConsumerAccount('acc_2', 'EUR');
    expect(() => decideSettlePayment(command, { ...state, wallet: otherWallet! })).toThrow(
      LedgerInvariantError,
    );
  });
});
