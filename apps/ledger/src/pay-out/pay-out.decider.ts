import { type Account } from '../domain/accounts';
import { assert } from '../domain/assert';
import { draftEntry, type EntryDraft } from '../domain/entry';
import { isPostableAmount, parseAmount } from '../domain/money';

/** A payout of what the processor owes a merchant, out of the settlement bank account. */
export interface RequestPayout {
  /** The client's idempotency key: the same key twice pays out once. */
  readonly clientKey: string;
  readonly merchantId: string;
  readonly amount: string;
  readonly currency: string;
  /** The operator who asked for it (its maker). */
  readonly operatorId: string;
  /** Ids for a new payout and its entry (passed in: the decider reads no randomness). */
  readonly payoutId: string;
  readonly entryId: string;
  readonly now: string;
}

/**
 * A payout that was made (or, before ledger migration 0006, rejected by a checker). One waiting for
 * a checker is an approval (ledger_approvals), not a payout yet.
 */
export interface PayoutRecord {
  readonly payoutId: string;
  readonly clientKey: string;
  readonly merchantId: string;
  readonly amount: bigint;
  readonly currency: string;
  readonly status: 'posted' | 'rejected';
  readonly requestedBy: string;
  readonly entryId: string | null;
}

export interface PayoutAccounts {
  readonly payable: Account | null;
  /** The settlement (bank) account of the payout's currency. */
  readonly settlement: Account | null;
  /** The payable's balance (what is owed to the merchant) over all its sub-balances. */
  readonly payableBalance: bigint;
}

/** Closed set of reasons a payout is refused (append only; approvals have their own codes). */
export type PayoutRejection =
  'UNKNOWN_MERCHANT' | 'CURRENCY_MISMATCH' | 'AMOUNT_OUT_OF_RANGE' | 'INSUFFICIENT_BALANCE';

export type PayoutResult =
  | { readonly outcome: 'posted'; readonly payout: PayoutRecord; readonly entry: EntryDraft }
  /** The key was seen before: `conflicting` when with different content. */
  | { readonly outcome: 'duplicate'; readonly conflicting: boolean; readonly payout: PayoutRecord }
  | { readonly outcome: 'rejected'; readonly code: PayoutRejection };

/**
 * A payout: refused if the merchant or currency is wrong or more is asked than is owed, otherwise
 * posted — debit the payable (the debt shrinks), credit the settlement bank account (money leaves).
 * Whether it must first wait for a checker is the maker–checker gate's question, asked after this.
 */
export function decideRequestPayout(
  command: RequestPayout,
  state: PayoutAccounts & { prior: PayoutRecord | null },
): PayoutResult {
  const amount = parseAmount(command.amount);
  if (state.prior !== null) {
    const same =
      state.prior.merchantId === command.merchantId &&
      state.prior.amount === amount &&
      state.prior.currency === command.currency;
    return { outcome: 'duplicate', conflicting: !same, payout: state.prior };
  }
  if (amount === null || !isPostableAmount(amount))
    return { outcome: 'rejected', code: 'AMOUNT_OUT_OF_RANGE' };
  if (state.payable === null) return { outcome: 'rejected', code: 'UNKNOWN_MERCHANT' };
  if (state.payable.currency !== command.currency)
    return { outcome: 'rejected', code: 'CURRENCY_MISMATCH' };
  if (amount > state.payableBalance) return { outcome: 'rejected', code: 'INSUFFICIENT_BALANCE' };
  assert(
    state.settlement !== null && state.settlement.currency === command.currency,
    'a merchant’s currency has a settlement account',
  );
  const entry = draftEntry({
    entryId: command.entryId,
    kind: 'payout',
    idempotencyKey: command.payoutId,
    partitionKey: command.merchantId,
    transactionId: null,
    originalEntryId: null,
    postings: [
      { accountId: state.payable.accountId, side: 'debit', amount, currency: command.currency },
      { accountId: state.settlement.accountId, side: 'credit', amount, currency: command.currency },
    ],
    feeScheduleVersion: null,
    postedAt: command.now,
  });
  const payout: PayoutRecord = {
    payoutId: command.payoutId,
    clientKey: command.clientKey,
    merchantId: command.merchantId,
    amount,
    currency: command.currency,
    status: 'posted',
    requestedBy: command.operatorId,
    entryId: entry.entryId,
  };
  return { outcome: 'posted', payout, entry };
}
