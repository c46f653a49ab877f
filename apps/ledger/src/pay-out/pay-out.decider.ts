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
  readonly operatorId: string;
  /** Ids for a new payout and its entry (passed in: the decider reads no randomness). */
  readonly payoutId: string;
  readonly entryId: string;
  readonly now: string;
  /** When a pending payout stops being approvable (now + the approval lifetime). */
  readonly expiresAt: string;
}

export interface PayoutRecord {
  readonly payoutId: string;
  readonly clientKey: string;
  readonly merchantId: string;
  readonly amount: bigint;
  readonly currency: string;
  readonly status: 'pending-approval' | 'posted' | 'rejected';
  readonly requestedBy: string;
  readonly entryId: string | null;
  /** After this a pending payout can no longer be approved. */
  readonly expiresAt: string;
}

export interface PayoutAccounts {
  readonly payable: Account | null;
  /** The settlement (bank) account of the payout's currency. */
  readonly settlement: Account | null;
  /** The payable's balance (what is owed to the merchant) over all its sub-balances. */
  readonly payableBalance: bigint;
}

/** Closed set of reasons a payout is refused (append only). */
export type PayoutRejection =
  | 'UNKNOWN_MERCHANT'
  | 'CURRENCY_MISMATCH'
  | 'AMOUNT_OUT_OF_RANGE'
  | 'INSUFFICIENT_BALANCE'
  | 'PAYOUT_NOT_FOUND'
  | 'SECOND_OPERATOR_REQUIRED'
  | 'APPROVAL_EXPIRED'
  | 'APPROVAL_NOT_PENDING';

export type PayoutResult =
  | { readonly outcome: 'posted'; readonly payout: PayoutRecord; readonly entry: EntryDraft }
  | { readonly outcome: 'pending-approval'; readonly payout: PayoutRecord }
  /** The key (or the payout) was seen before: `conflicting` when with different content. */
  | { readonly outcome: 'duplicate'; readonly conflicting: boolean; readonly payout: PayoutRecord }
  | { readonly outcome: 'rejected'; readonly code: PayoutRejection };

/**
 * A new payout: refused if the merchant or currency is wrong or more is asked than is owed; when the
 * maker–checker rules say so (`mustWait`: its amount or the rolling totals) it waits for a second
 * operator, otherwise it posts at once.
 */
export function decideRequestPayout(command: RequestPayout, state: PayoutAccounts & { prior: PayoutRecord | null; mustWait: boolean }): PayoutResult {
  const amount = parseAmount(command.amount);
  if (state.prior !== null) {
    const same = state.prior.merchantId === command.merchantId && state.prior.amount === amount && state.prior.currency === command.currency;
    return { outcome: 'duplicate', conflicting: !same, payout: state.prior };
  }
  if (amount === null || !isPostableAmount(amount)) return { outcome: 'rejected', code: 'AMOUNT_OUT_OF_RANGE' };
  const refusal = checkPayable(state, command.currency, amount);
  if (refusal !== null) return { outcome: 'rejected', code: refusal };
  const payout: PayoutRecord = {
    payoutId: command.payoutId,
    clientKey: command.clientKey,
    merchantId: command.merchantId,
    amount,
    currency: command.currency,
    status: 'pending-approval',
    requestedBy: command.operatorId,
    entryId: null,
    expiresAt: command.expiresAt,
  };
  if (state.mustWait) return { outcome: 'pending-approval', payout };
  return post(payout, state, command.entryId, command.now);
}

/** The second operator's approval of a pending payout: never the requester, never after its deadline; the balance is checked again. */
export function decideApprovePayout(
  command: { payoutId: string; operatorId: string; entryId: string; now: string },
  state: PayoutAccounts & { payout: PayoutRecord | null },
): PayoutResult {
  const payout = state.payout;
  if (payout === null) return { outcome: 'rejected', code: 'PAYOUT_NOT_FOUND' };
  if (payout.status === 'posted') return { outcome: 'duplicate', conflicting: false, payout };
  if (payout.status === 'rejected') return { outcome: 'rejected', code: 'APPROVAL_NOT_PENDING' };
  if (Date.parse(command.now) >= Date.parse(payout.expiresAt)) return { outcome: 'rejected', code: 'APPROVAL_EXPIRED' };
  if (payout.requestedBy === command.operatorId) return { outcome: 'rejected', code: 'SECOND_OPERATOR_REQUIRED' };
  const refusal = checkPayable(state, payout.currency, payout.amount);
  if (refusal !== null) return { outcome: 'rejected', code: refusal };
  return post(payout, state, command.entryId, command.now);
}

function checkPayable(state: PayoutAccounts, currency: string, amount: bigint): PayoutRejection | null {
  if (state.payable === null) return 'UNKNOWN_MERCHANT';
  if (state.payable.currency !== currency) return 'CURRENCY_MISMATCH';
  if (amount > state.payableBalance) return 'INSUFFICIENT_BALANCE';
  return null;
}

/** Debits the merchant's payable (the debt shrinks) and credits the settlement bank account (money leaves). */
function post(payout: PayoutRecord, state: PayoutAccounts, entryId: string, now: string): PayoutResult {
  assert(state.payable !== null && state.settlement !== null && state.settlement.currency === payout.currency, 'a merchant’s currency has a settlement account');
  const entry = draftEntry({
    entryId,
    kind: 'payout',
    idempotencyKey: payout.payoutId,
    partitionKey: payout.merchantId,
    transactionId: null,
    originalEntryId: null,
    postings: [
      { accountId: state.payable.accountId, side: 'debit', amount: payout.amount, currency: payout.currency },
      { accountId: state.settlement.accountId, side: 'credit', amount: payout.amount, currency: payout.currency },
    ],
    feeScheduleVersion: null,
    postedAt: now,
  });
  return { outcome: 'posted', payout: { ...payout, status: 'posted', entryId: entry.entryId }, entry };
}
