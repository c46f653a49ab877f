import { type Account, ledgerAccountId } from '../domain/accounts';
import { assert } from '../domain/assert';
import { draftEntry, type EntryDraft } from '../domain/entry';
import { feeFor, type FeeSchedule } from '../domain/fees';
import { isPostableAmount, parseAmount } from '../domain/money';
import { overdraftTransition, type OverdraftTransition } from '../domain/overdraft';
import { settledPaymentPostings } from '../domain/payment-postings';

/** Why a payment could not be posted: the contract's closed, append-only set (payment.settlement-failed v1). */
export type SettlementFailureReason =
  'UNKNOWN_ACCOUNT' | 'UNKNOWN_MERCHANT' | 'CURRENCY_MISMATCH' | 'AMOUNT_OUT_OF_RANGE';

/** A verified payment to settle (payment.verified v1, with what the adapter adds: ids and time). */
export interface SettlePayment {
  readonly transactionId: string;
  readonly consumerAccountId: string;
  readonly merchantId: string;
  /** Wire amount: decimal string of minor units. */
  readonly amount: string;
  readonly currency: string;
  /** When the terminal approved the payment (RFC 3339): kept beside the posting time, never hashed. */
  readonly approvedAt: string;
  /** When the verifier published the event; an unknown account is waited for while it is recent. */
  readonly eventOccurredAt: string;
  /** Id the entry gets if it posts (passed in: the decider never generates ids). */
  readonly entryId: string;
  readonly now: string;
}

/** What the ledger already knows of this payment. */
export type PriorSettlement =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'settled' | 'failed';
      readonly consumerAccountId: string;
      readonly merchantId: string;
      readonly amount: bigint;
      readonly currency: string;
      /** Null for an outcome decided before the ledger kept approval times (migration 0007). */
      readonly approvedAt: string | null;
    };

/** The business fields a replay is compared on; a difference in any of them is a fraud signal. */
export type ReplayField = 'consumerAccountId' | 'merchantId' | 'amount' | 'currency' | 'approvedAt';

export interface SettlePaymentState {
  readonly prior: PriorSettlement;
  readonly wallet: Account | null;
  readonly merchantPayable: Account | null;
  /** The fee revenue account of the payment's currency, if the ledger has one. */
  readonly feeRevenue: Account | null;
  readonly feeSchedule: FeeSchedule;
  /** The wallet's balance before this payment (what the processor owes the consumer). */
  readonly walletBalance: bigint;
  /** How long an account or merchant the ledger has not seen yet is waited for. */
  readonly unknownEntityRetryWindowMs: number;
}

export type SettlePaymentResult =
  | {
      readonly outcome: 'posted';
      readonly entry: EntryDraft;
      readonly amount: bigint;
      readonly fee: bigint;
      readonly merchantAmount: bigint;
      readonly walletBalanceAfter: bigint;
      readonly overdraft: OverdraftTransition;
    }
  /** Already settled or failed, same content: nothing happens again. */
  | { readonly outcome: 'duplicate' }
  /**
   * Already settled or failed, other content: nothing is posted and what was decided stays, but the
   * replay is a fraud signal (someone re-sent a settled transaction id with other content).
   */
  | {
      readonly outcome: 'conflicting-replay';
      readonly differingFields: readonly [ReplayField, ...ReplayField[]];
    }
  | { readonly outcome: 'failed'; readonly reasonCode: SettlementFailureReason }
  /** An account or merchant not seen yet while the event is recent: retry later, post nothing. */
  | {
      readonly outcome: 'not-yet-seen';
      readonly entity: 'account' | 'merchant';
      readonly entityId: string;
    };

/**
 * Settles one verified payment: debit the wallet by the amount, credit the merchant's payable with
 * amount − fee and fee revenue with the fee. Checks, in order: already known → duplicate (same
 * content) or conflicting replay (other content); amount zero or above the journal's limit; wallet
 * unknown (wait within the window, then fail); wallet currency; merchant unknown (same); merchant
 * currency. An overdraft never stops the entry.
 */
export function decideSettlePayment(
  command: SettlePayment,
  state: SettlePaymentState,
): SettlePaymentResult {
  if (state.prior.kind !== 'none') {
    const [first, ...rest] = differingFields(command, state.prior);
    return first === undefined
      ? { outcome: 'duplicate' }
      : { outcome: 'conflicting-replay', differingFields: [first, ...rest] };
  }

  const amount = parseAmount(command.amount);
  if (amount === null || !isPostableAmount(amount))
    return { outcome: 'failed', reasonCode: 'AMOUNT_OUT_OF_RANGE' };

  // Asked only for a missing account or merchant: parsing two timestamps per payment was a
  // measurable share of deciding (bench/results/ledger-profile.md, fourth pass).
  const waiting = () => ageMs(command) < state.unknownEntityRetryWindowMs;
  const { wallet, merchantPayable } = state;
  if (wallet === null) {
    return waiting()
      ? { outcome: 'not-yet-seen', entity: 'account', entityId: command.consumerAccountId }
      : { outcome: 'failed', reasonCode: 'UNKNOWN_ACCOUNT' };
  }
  if (wallet.currency !== command.currency)
    return { outcome: 'failed', reasonCode: 'CURRENCY_MISMATCH' };
  if (merchantPayable === null) {
    return waiting()
      ? { outcome: 'not-yet-seen', entity: 'merchant', entityId: command.merchantId }
      : { outcome: 'failed', reasonCode: 'UNKNOWN_MERCHANT' };
  }
  if (merchantPayable.currency !== command.currency)
    return { outcome: 'failed', reasonCode: 'CURRENCY_MISMATCH' };

  assert(
    wallet.purpose === 'wallet' &&
      wallet.accountId === ledgerAccountId('wallet', command.consumerAccountId),
    'the wallet is the consumer account’s',
  );
  assert(
    merchantPayable.purpose === 'merchant-payable' &&
      merchantPayable.accountId === ledgerAccountId('merchant-payable', command.merchantId),
    'the payable is the merchant’s',
  );
  assert(
    state.feeRevenue !== null &&
      state.feeRevenue.currency === command.currency &&
      state.feeRevenue.accountId === ledgerAccountId('fee-revenue', command.currency),
    'a merchant’s currency has a fee revenue account',
  );

  const { fee, merchantAmount } = feeFor(amount, state.feeSchedule);
  // The accounts asserted above, by the rule payment.settled v3 relies on (one copy of it).
  const postings = settledPaymentPostings({
    transactionId: command.transactionId,
    consumerAccountId: command.consumerAccountId,
    merchantId: command.merchantId,
    amount,
    fee,
    merchantAmount,
    currency: command.currency,
  });

  const entry = draftEntry({
    entryId: command.entryId,
    kind: 'payment',
    idempotencyKey: command.transactionId,
    partitionKey: command.consumerAccountId,
    transactionId: command.transactionId,
    originalEntryId: null,
    postings,
    feeScheduleVersion: state.feeSchedule.version,
    postedAt: command.now,
  });
  const walletBalanceAfter = state.walletBalance - amount;
  return {
    outcome: 'posted',
    entry,
    amount,
    fee,
    merchantAmount,
    walletBalanceAfter,
    overdraft: overdraftTransition(state.walletBalance, walletBalanceAfter),
  };
}

function ageMs(command: SettlePayment): number {
  const age = Date.parse(command.now) - Date.parse(command.eventOccurredAt);
  assert(Number.isFinite(age), 'event and current times are timestamps');
  return age;
}

/** The fields in which a replay differs from what was decided (an unknown approval time is not compared). */
function differingFields(
  command: SettlePayment,
  prior: Exclude<PriorSettlement, { kind: 'none' }>,
): ReplayField[] {
  const fields: ReplayField[] = [];
  if (prior.consumerAccountId !== command.consumerAccountId) fields.push('consumerAccountId');
  if (prior.merchantId !== command.merchantId) fields.push('merchantId');
  if (parseAmount(command.amount) !== prior.amount) fields.push('amount');
  if (prior.currency !== command.currency) fields.push('currency');
  // Compared as instants: PostgreSQL gives back another spelling of the same time.
  if (prior.approvedAt !== null && Date.parse(prior.approvedAt) !== Date.parse(command.approvedAt))
    fields.push('approvedAt');
  return fields;
}
