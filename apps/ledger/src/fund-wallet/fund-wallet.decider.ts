import { type Account } from '../domain/accounts';
import { assert } from '../domain/assert';
import { draftEntry, type EntryDraft } from '../domain/entry';
import { balanceMinorUnitsMax, isPostableAmount, parseAmount } from '../domain/money';
import { overdraftTransition, type OverdraftTransition } from '../domain/overdraft';

/** A top-up of a wallet: money received in the processor's funding account, owed to the consumer. */
export interface FundWallet {
  /** The client's idempotency key: the same key twice funds once. */
  readonly clientKey: string;
  readonly consumerAccountId: string;
  readonly amount: string;
  readonly currency: string;
  /** The bank transfer this funding credits: per consumer account, one reference (in any case) credits once. */
  readonly externalReference: string;
  readonly entryId: string;
  readonly now: string;
}

export type PriorFunding =
  | { readonly kind: 'none' }
  /** `externalReference` is null for a funding posted before ledger migration 0008 (it named none). */
  | {
      readonly kind: 'funded';
      readonly consumerAccountId: string;
      readonly amount: bigint;
      readonly currency: string;
      readonly externalReference: string | null;
      readonly entryId: string;
    };

export interface FundWalletState {
  readonly prior: PriorFunding;
  readonly wallet: Account | null;
  /** The funding account of the wallet's currency. */
  readonly funding: Account | null;
  readonly walletBalance: bigint;
  /** The funding entry that already credited the command's reference to this account (another client key), or null. */
  readonly referenceCreditedBy: string | null;
  /** A held funding of the same reference to this account (another client key) waiting for a checker: its approval id, or null. */
  readonly referenceHeldBy: string | null;
}

/**
 * Closed set, append-only. BALANCE_OUT_OF_RANGE: the wallet would hold more than balanceMinorUnitsMax.
 * EXTERNAL_REFERENCE_USED: another funding (another client key) already credited this bank transfer
 * to this account — one deposit credits once. EXTERNAL_REFERENCE_PENDING: another funding of this
 * reference to this account waits for a checker; the first claim on a transfer wins until a checker
 * rejects it (or it expires).
 */
export type FundingRejection =
  | 'UNKNOWN_ACCOUNT'
  | 'CURRENCY_MISMATCH'
  | 'AMOUNT_OUT_OF_RANGE'
  | 'BALANCE_OUT_OF_RANGE'
  | 'EXTERNAL_REFERENCE_USED'
  | 'EXTERNAL_REFERENCE_PENDING';

export type FundWalletResult =
  | {
      readonly outcome: 'posted';
      readonly entry: EntryDraft;
      readonly amount: bigint;
      readonly walletBalanceAfter: bigint;
      readonly overdraft: OverdraftTransition;
    }
  /** The key was used before: `conflicting` when with different content (the caller answers 409). */
  | { readonly outcome: 'duplicate'; readonly conflicting: boolean; readonly entryId: string }
  | { readonly outcome: 'rejected'; readonly code: FundingRejection };

/** Debits the funding account (asset) and credits the wallet (liability). */
export function decideFundWallet(command: FundWallet, state: FundWalletState): FundWalletResult {
  const amount = parseAmount(command.amount);
  if (state.prior.kind === 'funded') {
    // A funding from before references existed matches any: its retry must find it, not credit again.
    const sameReference =
      state.prior.externalReference === null ||
      sameExternalReference(state.prior.externalReference, command.externalReference);
    const same =
      state.prior.consumerAccountId === command.consumerAccountId &&
      state.prior.amount === amount &&
      state.prior.currency === command.currency &&
      sameReference;
    return { outcome: 'duplicate', conflicting: !same, entryId: state.prior.entryId };
  }
  if (amount === null || !isPostableAmount(amount))
    return { outcome: 'rejected', code: 'AMOUNT_OUT_OF_RANGE' };
  if (state.wallet === null) return { outcome: 'rejected', code: 'UNKNOWN_ACCOUNT' };
  if (state.wallet.currency !== command.currency)
    return { outcome: 'rejected', code: 'CURRENCY_MISMATCH' };
  if (state.referenceCreditedBy !== null)
    return { outcome: 'rejected', code: 'EXTERNAL_REFERENCE_USED' };
  if (state.referenceHeldBy !== null)
    return { outcome: 'rejected', code: 'EXTERNAL_REFERENCE_PENDING' };
  assert(
    state.funding !== null && state.funding.currency === command.currency,
    'a wallet’s currency has a funding account',
  );
  const walletBalanceAfter = state.walletBalance + amount;
  if (walletBalanceAfter > balanceMinorUnitsMax)
    return { outcome: 'rejected', code: 'BALANCE_OUT_OF_RANGE' };

  const entry = draftEntry({
    entryId: command.entryId,
    kind: 'funding',
    idempotencyKey: command.clientKey,
    partitionKey: command.consumerAccountId,
    transactionId: null,
    originalEntryId: null,
    postings: [
      { accountId: state.funding.accountId, side: 'debit', amount, currency: command.currency },
      { accountId: state.wallet.accountId, side: 'credit', amount, currency: command.currency },
    ],
    feeScheduleVersion: null,
    postedAt: command.now,
  });
  return {
    outcome: 'posted',
    entry,
    amount,
    walletBalanceAfter,
    overdraft: overdraftTransition(state.walletBalance, walletBalanceAfter),
  };
}

/**
 * Whether two bank transfer references name the same transfer: compared without case (references are
 * ASCII, see the route's schema), so a reference retyped in other case is still found — like the
 * database's unique index on `lower(external_reference)` (ledger migration 0008).
 */
export function sameExternalReference(left: string, right: string): boolean {
  return left.toLowerCase() === right.toLowerCase();
}
