import { createHash } from 'node:crypto';
import { assert } from './assert';
import { assertCurrency } from './money';

/** The four account types of double entry. Assets and expenses grow with debits, the others with credits. */
export const accountTypes = ['asset', 'liability', 'revenue', 'expense'] as const;
export type AccountType = (typeof accountTypes)[number];

/**
 * What an account is for, and who owns it. Consumer wallets and merchant payables are what the
 * processor owes (liabilities); fee revenue is the processor's income; the funding and settlement
 * accounts are the processor's bank money (assets) that top-ups arrive in and payouts leave from.
 */
export const accountPurposes = [
  'wallet',
  'merchant-payable',
  'fee-revenue',
  'funding',
  'settlement',
] as const;
export type AccountPurpose = (typeof accountPurposes)[number];

export const ownerKinds = ['consumer-account', 'merchant', 'processor'] as const;
export type OwnerKind = (typeof ownerKinds)[number];

export interface Account {
  readonly accountId: string;
  readonly purpose: AccountPurpose;
  readonly type: AccountType;
  readonly currency: string;
  readonly ownerKind: OwnerKind;
  /** Registry id of the consumer account or merchant; the currency for processor accounts. */
  readonly ownerId: string;
}

const typeOfPurpose: Record<AccountPurpose, AccountType> = {
  wallet: 'liability',
  'merchant-payable': 'liability',
  'fee-revenue': 'revenue',
  funding: 'asset',
  settlement: 'asset',
};

const prefixOfPurpose: Record<AccountPurpose, string> = {
  wallet: 'wallet',
  'merchant-payable': 'payable',
  'fee-revenue': 'fee-revenue',
  funding: 'funding',
  settlement: 'settlement',
};

/** Ledger account ids share the contracts' id pattern, so they are at most this long. */
export const ledgerAccountIdLengthMax = 64;

/**
 * The ledger's own id of an account: `wallet_<accountId>`, `payable_<merchantId>`,
 * `fee-revenue_EUR`... When prefix and owner id do not fit in 64 characters, the owner id is
 * replaced by a SHA-256 digest under a prefix with `-h_` (`wallet-h_<43 chars>`), which cannot
 * collide with a direct id because direct ids have `_` right after the prefix word.
 */
export function ledgerAccountId(purpose: AccountPurpose, ownerId: string): string {
  const prefix = prefixOfPurpose[purpose];
  const direct = `${prefix}_${ownerId}`;
  if (direct.length <= ledgerAccountIdLengthMax) return direct;
  const digest = createHash('sha256').update(ownerId, 'utf8').digest('base64url');
  const hashed = `${prefix}-h_${digest}`;
  assert(hashed.length <= ledgerAccountIdLengthMax, 'hashed account id fits the id pattern');
  return hashed;
}

export function accountTypeOf(purpose: AccountPurpose): AccountType {
  return typeOfPurpose[purpose];
}

/** Debit-normal accounts (assets, expenses) grow with debits; the others with credits. */
export function isDebitNormal(type: AccountType): boolean {
  switch (type) {
    case 'asset':
    case 'expense':
      return true;
    case 'liability':
    case 'revenue':
      return false;
  }
}

/** The account a registry event opens, or one of the processor's per-currency accounts. */
export function openAccount(purpose: AccountPurpose, ownerId: string, currency: string): Account {
  assertCurrency(currency);
  const ownerKind: OwnerKind =
    purpose === 'wallet'
      ? 'consumer-account'
      : purpose === 'merchant-payable'
        ? 'merchant'
        : 'processor';
  if (ownerKind === 'processor')
    assert(ownerId === currency, 'processor accounts are owned per currency');
  return {
    accountId: ledgerAccountId(purpose, ownerId),
    purpose,
    type: accountTypeOf(purpose),
    currency,
    ownerKind,
    ownerId,
  };
}

/** Accounts `account.opened` creates: the wallet, and the funding account of its currency. */
export function accountsForConsumerAccount(consumerAccountId: string, currency: string): Account[] {
  return [
    openAccount('wallet', consumerAccountId, currency),
    openAccount('funding', currency, currency),
  ];
}

/** Accounts `merchant.onboarded` creates: the payable, and the fee revenue and settlement accounts of its currency. */
export function accountsForMerchant(merchantId: string, settlementCurrency: string): Account[] {
  return [
    openAccount('merchant-payable', merchantId, settlementCurrency),
    openAccount('fee-revenue', settlementCurrency, settlementCurrency),
    openAccount('settlement', settlementCurrency, settlementCurrency),
  ];
}
