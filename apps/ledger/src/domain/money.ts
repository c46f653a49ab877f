import { assert } from './assert';

/**
 * Amounts are bigint minor units. The wire allows 19 digits; the journal accepts less so that a
 * balance (a sum of many postings) can never leave PostgreSQL's bigint range.
 * 10^15 minor units is 10 trillion in a two-decimal currency: far above any offline payment.
 */
export const postingAmountMinorUnitsMax = 1_000_000_000_000_000n;
/** The largest magnitude a balance may reach before the ledger refuses to post (PostgreSQL bigint). */
export const balanceMinorUnitsMax = 9_223_372_036_854_775_807n;

const amountPattern = /^(0|[1-9][0-9]{0,18})$/;
const currencyPattern = /^[A-Z]{3}$/;

/** Parses a wire amount (decimal string of minor units); null if it is not one. */
export function parseAmount(text: string): bigint | null {
  return amountPattern.test(text) ? BigInt(text) : null;
}

/** True for an amount a posting may carry: strictly positive and within the journal's limit. */
export function isPostableAmount(amount: bigint): boolean {
  return amount > 0n && amount <= postingAmountMinorUnitsMax;
}

export function assertCurrency(currency: string): void {
  assert(currencyPattern.test(currency), `currency ${currency} is not ISO 4217 alphabetic`);
}

/** Wire form of a signed amount. */
export function formatAmount(amount: bigint): string {
  return amount.toString();
}
