import { assert } from '../domain/assert';
import { draftEntry, type EntryDraft, type Posting } from '../domain/entry';
import { balanceMinorUnitsMax, isPostableAmount, parseAmount } from '../domain/money';
import { overdraftTransition, type OverdraftTransition } from '../domain/overdraft';

/** A settled payment as refunds and reversals see it: its entry and what has been undone since. */
export interface OriginalPayment {
  readonly entryId: string;
  readonly transactionId: string;
  /** The consumer account id: the partition of the payment and of everything that undoes it. */
  readonly consumerAccountId: string;
  readonly postings: readonly Posting[];
  /** The wallet debit of the payment: the amount paid. */
  readonly amount: bigint;
  readonly currency: string;
  readonly walletAccountId: string;
  readonly payableAccountId: string;
  /** Sum of the refunds posted against it so far. */
  readonly refundedSoFar: bigint;
  /** The reversal entry's id, if it was reversed. */
  readonly reversedBy: string | null;
}

/** Closed set of reasons an undo is refused (append only). */
/** Closed set, append-only. BALANCE_OUT_OF_RANGE: the wallet would hold more than balanceMinorUnitsMax. */
export type UndoRejection =
  | 'ORIGINAL_NOT_FOUND'
  | 'AMOUNT_OUT_OF_RANGE'
  | 'REFUND_EXCEEDS_REMAINING'
  | 'ALREADY_REVERSED'
  | 'ALREADY_REFUNDED'
  | 'BALANCE_OUT_OF_RANGE';

export interface RefundPayment {
  /** The client's idempotency key: the same key twice refunds once. */
  readonly clientKey: string;
  readonly originalEntryId: string;
  readonly amount: string;
  readonly entryId: string;
  readonly now: string;
}

export type PriorRefund =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'refunded';
      readonly originalEntryId: string;
      readonly amount: bigint;
      readonly entryId: string;
    };

export type UndoResult =
  | {
      readonly outcome: 'posted';
      readonly entry: EntryDraft;
      readonly walletBalanceAfter: bigint;
      readonly overdraft: OverdraftTransition;
    }
  | { readonly outcome: 'duplicate'; readonly conflicting: boolean; readonly entryId: string }
  | { readonly outcome: 'rejected'; readonly code: UndoRejection };

/**
 * A refund gives part or all of a payment back to the consumer: debit the merchant's payable, credit
 * the wallet. The fee is not refunded (the merchant bears it). Refunds of one payment never add up
 * to more than it: amount ≤ original − earlier refunds. A reversed payment cannot be refunded.
 */
export function decideRefundPayment(
  command: RefundPayment,
  state: { prior: PriorRefund; original: OriginalPayment | null; walletBalance: bigint },
): UndoResult {
  const amount = parseAmount(command.amount);
  if (state.prior.kind === 'refunded') {
    const same =
      state.prior.originalEntryId === command.originalEntryId && state.prior.amount === amount;
    return { outcome: 'duplicate', conflicting: !same, entryId: state.prior.entryId };
  }
  if (amount === null || !isPostableAmount(amount))
    return { outcome: 'rejected', code: 'AMOUNT_OUT_OF_RANGE' };
  const original = state.original;
  if (original === null) return { outcome: 'rejected', code: 'ORIGINAL_NOT_FOUND' };
  if (original.reversedBy !== null) return { outcome: 'rejected', code: 'ALREADY_REVERSED' };
  assert(
    original.refundedSoFar >= 0n && original.refundedSoFar <= original.amount,
    'refunds never exceeded the payment',
  );
  if (amount > original.amount - original.refundedSoFar)
    return { outcome: 'rejected', code: 'REFUND_EXCEEDS_REMAINING' };
  const walletBalanceAfter = state.walletBalance + amount;
  if (walletBalanceAfter > balanceMinorUnitsMax)
    return { outcome: 'rejected', code: 'BALANCE_OUT_OF_RANGE' };

  const entry = draftEntry({
    entryId: command.entryId,
    kind: 'refund',
    idempotencyKey: command.clientKey,
    partitionKey: original.consumerAccountId,
    transactionId: original.transactionId,
    originalEntryId: original.entryId,
    postings: [
      { accountId: original.payableAccountId, side: 'debit', amount, currency: original.currency },
      { accountId: original.walletAccountId, side: 'credit', amount, currency: original.currency },
    ],
    feeScheduleVersion: null,
    postedAt: command.now,
  });
  return {
    outcome: 'posted',
    entry,
    walletBalanceAfter,
    overdraft: overdraftTransition(state.walletBalance, walletBalanceAfter),
  };
}

export interface ReversePayment {
  readonly originalEntryId: string;
  readonly entryId: string;
  readonly now: string;
}

/**
 * A reversal undoes a payment posted in error: every posting of the original on the other side
 * (fee included), linked to it. Idempotent by the original entry id (the second reversal of an entry
 * finds the first). A partly refunded payment is not reversed (refund the rest instead).
 */
export function decideReversePayment(
  command: ReversePayment,
  state: { original: OriginalPayment | null; walletBalance: bigint },
): UndoResult {
  const original = state.original;
  if (original === null) return { outcome: 'rejected', code: 'ORIGINAL_NOT_FOUND' };
  if (original.reversedBy !== null)
    return { outcome: 'duplicate', conflicting: false, entryId: original.reversedBy };
  if (original.refundedSoFar > 0n) return { outcome: 'rejected', code: 'ALREADY_REFUNDED' };
  const walletBalanceAfter = state.walletBalance + original.amount;
  if (walletBalanceAfter > balanceMinorUnitsMax)
    return { outcome: 'rejected', code: 'BALANCE_OUT_OF_RANGE' };

  const entry = draftEntry({
    entryId: command.entryId,
    kind: 'reversal',
    idempotencyKey: original.entryId,
    partitionKey: original.consumerAccountId,
    transactionId: original.transactionId,
    originalEntryId: original.entryId,
    postings: original.postings.map((posting) => ({
      ...posting,
      side: posting.side === 'debit' ? 'credit' : 'debit',
    })),
    feeScheduleVersion: null,
    postedAt: command.now,
  });
  return {
    outcome: 'posted',
    entry,
    walletBalanceAfter,
    overdraft: overdraftTransition(state.walletBalance, walletBalanceAfter),
  };
}
