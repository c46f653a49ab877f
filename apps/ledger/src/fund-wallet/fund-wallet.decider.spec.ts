import { type Account } from '../domain/accounts';
import { balanceMinorUnitsMax } from '../domain/money';
import { decideFundWallet } from './fund-wallet.decider';

const wallet: Account = { accountId: 'wallet_acc_1', purpose: 'wallet', type: 'liability', currency: 'EUR', ownerKind: 'consumer-account', ownerId: 'acc_1' };
const funding: Account = { accountId: 'funding_EUR', purpose: 'funding', type: 'asset', currency: 'EUR', ownerKind: 'processor', ownerId: 'EUR' };
const command = (amount: string) => ({ clientKey: 'key-1', consumerAccountId: 'acc_1', amount, currency: 'EUR', entryId: 'entry-1', now: '2026-11-28T12:00:00.000Z' });
const state = (walletBalance: bigint) => ({ prior: { kind: 'none' as const }, wallet, funding, walletBalance });

describe('decideFundWallet', () => {
  it('posts a balanced top-up: debit the funding account, credit the wallet', () => {
    expect(decideFundWallet(command('500'), state(-100n))).toMatchObject({ outcome: 'posted', walletBalanceAfter: 400n, overdraft: 'back-in-funds', entry: { kind: 'funding', partitionKey: 'acc_1' } });
  });

  it('never takes a wallet past balanceMinorUnitsMax (the bound of a PostgreSQL bigint)', () => {
    expect(decideFundWallet(command('5'), state(balanceMinorUnitsMax - 5n))).toMatchObject({ outcome: 'posted', walletBalanceAfter: balanceMinorUnitsMax });
    expect(decideFundWallet(command('6'), state(balanceMinorUnitsMax - 5n))).toEqual({ outcome: 'rejected', code: 'BALANCE_OUT_OF_RANGE' });
  });
});
