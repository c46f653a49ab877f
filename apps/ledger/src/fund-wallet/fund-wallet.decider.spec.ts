import { type Account } from '../domain/accounts';
import { balanceMinorUnitsMax } from '../domain/money';
import { decideFundWallet, type FundWalletState, type PriorFunding } from './fund-wallet.decider';

const wallet: Account = {
  accountId: 'wallet_acc_1',
  purpose: 'wallet',
  type: 'liability',
  currency: 'EUR',
  ownerKind: 'consumer-account',
  ownerId: 'acc_1',
};
const funding: Account = {
  accountId: 'funding_EUR',
  purpose: 'funding',
  type: 'asset',
  currency: 'EUR',
  ownerKind: 'processor',
  ownerId: 'EUR',
};
const command = (amount: string, externalReference = 'SEPA-2026-0001') => ({
  clientKey: 'key-1',
  consumerAccountId: 'acc_1',
  amount,
  currency: 'EUR',
  externalReference,
  entryId: 'entry-1',
  now: '2026-11-28T12:00:00.000Z',
});
const state = (walletBalance: bigint, changes: Partial<FundWalletState> = {}): FundWalletState => ({
  prior: { kind: 'none' },
  wallet,
  funding,
  walletBalance,
  referenceCreditedBy: null,
  referenceHeldBy: null,
  ...changes,
});
const funded = (externalReference: string | null): PriorFunding => ({
  kind: 'funded',
  consumerAccountId: 'acc_1',
  amount: 500n,
  currency: 'EUR',
  externalReference,
  entryId: 'entry-0',
});

describe('decideFundWallet', () => {
  it('posts a balanced top-up: debit the funding account, credit the wallet', () => {
    expect(decideFundWallet(command('500'), state(-100n))).toMatchObject({
      outcome: 'posted',
      walletBalanceAfter: 400n,
      overdraft: 'back-in-funds',
      entry: { kind: 'funding', partitionKey: 'acc_1' },
    });
  });

  it('never takes a wallet past balanceMinorUnitsMax (the bound of a PostgreSQL bigint)', () => {
    expect(decideFundWallet(command('5'), state(balanceMinorUnitsMax - 5n))).toMatchObject({
      outcome: 'posted',
      walletBalanceAfter: balanceMinorUnitsMax,
    });
    expect(decideFundWallet(command('6'), state(balanceMinorUnitsMax - 5n))).toEqual({
      outcome: 'rejected',
      code: 'BALANCE_OUT_OF_RANGE',
    });
  });

  it('refuses a bank transfer reference another funding already credited to the account', () => {
    expect(decideFundWallet(command('500'), state(0n, { referenceCreditedBy: 'entry-0' }))).toEqual(
      { outcome: 'rejected', code: 'EXTERNAL_REFERENCE_USED' },
    );
  });

  it('refuses a reference another funding of the account holds while it waits for a checker', () => {
    expect(decideFundWallet(command('500'), state(0n, { referenceHeldBy: 'approval-0' }))).toEqual({
      outcome: 'rejected',
      code: 'EXTERNAL_REFERENCE_PENDING',
    });
  });

  it('finds the same key with the same reference (in any case) as a duplicate, and another reference as a conflict', () => {
    expect(
      decideFundWallet(command('500'), state(0n, { prior: funded('SEPA-2026-0001') })),
    ).toEqual({ outcome: 'duplicate', conflicting: false, entryId: 'entry-0' });
    expect(
      decideFundWallet(
        command('500', 'sepa-2026-0001'),
        state(0n, { prior: funded('SEPA-2026-0001') }),
      ),
    ).toEqual({ outcome: 'duplicate', conflicting: false, entryId: 'entry-0' });
    expect(
      decideFundWallet(
        command('500', 'SEPA-2026-0002'),
        state(0n, { prior: funded('SEPA-2026-0001') }),
      ),
    ).toEqual({ outcome: 'duplicate', conflicting: true, entryId: 'entry-0' });
    // Posted before references existed: a retry finds it whatever reference it names, it never credits again.
    expect(
      decideFundWallet(command('500', 'SEPA-2026-0002'), state(0n, { prior: funded(null) })),
    ).toEqual({ outcome: 'duplicate', conflicting: false, entryId: 'entry-0' });
  });
});
