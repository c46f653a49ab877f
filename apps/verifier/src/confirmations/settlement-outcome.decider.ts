import { type ProcessorConfirmation } from '@settle/protocol';
import { base64UrlDecode } from '@settle/crypto';

/**
 * The ledger's answer for one verified transaction (payment.settled — v1, v2 or v3, handed over
 * upcast to v3, whose v1 members are all it reads — / payment.settlement-failed v1, amounts parsed).
 * Only what the decision needs.
 */
export type SettlementOutcome =
  | {
      readonly kind: 'settled';
      readonly transactionId: string;
      readonly consumerAccountId: string;
      readonly merchantId: string;
      readonly amount: bigint;
      readonly currency: string;
      readonly entryId: string;
      readonly settledAt: string;
    }
  | {
      readonly kind: 'settlement-failed';
      readonly transactionId: string;
      readonly consumerAccountId: string;
      readonly merchantId: string;
      readonly reasonCode: string;
    };

/** What the verifier holds of the transaction (verifier_transactions), or null when it holds nothing. */
export interface HeldTransaction {
  readonly status: 'received' | 'verified' | 'rejected' | 'settled' | 'settlement-failed';
  readonly terminalId: string;
  readonly merchantId: string;
  /** Set at verification (from the device's enrolment). */
  readonly consumerAccountId: string | null;
  readonly amount: bigint;
  readonly currency: string;
  readonly reasonCode: string | null;
  readonly entryId: string | null;
}

/**
 * Why an outcome contradicts what the verifier holds — never expected: the ledger settles only what
 * the verifier published as verified, once. Closed, ordered, append-only; each is dead-lettered
 * (an operator must look), never applied.
 */
export const settlementContradictionCodes = [
  /** The verifier rejected the transaction, yet the ledger has an outcome for it. */
  'OUTCOME_FOR_REJECTED_TRANSACTION',
  /** The transaction already has another final outcome (settled vs failed, another entry or reason). */
  'OUTCOME_CONFLICTS_WITH_FINAL_OUTCOME',
  /** The ledger's merchant, account, amount or currency differ from the transaction's. */
  'OUTCOME_DOES_NOT_MATCH_TRANSACTION',
] as const;
export type SettlementContradictionCode = (typeof settlementContradictionCodes)[number];

export type SettlementOutcomeDecision =
  /** Apply: the new status, its settlement facts, and the confirmation to sign. */
  | {
      readonly outcome: 'confirm';
      readonly status: 'settled' | 'settlement-failed';
      readonly reasonCode: string | null;
      readonly settledAt: string | null;
      readonly entryId: string | null;
      readonly confirmation: ProcessorConfirmation;
    }
  /** The same outcome again (a redelivery, a replay from offset 0): nothing changes, nothing is signed. */
  | { readonly outcome: 'already-final' }
  /** No such transaction here (another verifier deployment's, on a shared ledger topic): skipped. */
  | { readonly outcome: 'unknown-transaction' }
  /** Held but not verified yet: cannot happen in order, so wait a bounded while (not-yet-seen). */
  | { readonly outcome: 'not-yet-verified' }
  | {
      readonly outcome: 'contradiction';
      readonly code: SettlementContradictionCode;
      readonly message: string;
    };

const transactionIdPattern = /^txn_[A-Za-z0-9_-]{43}$/;

/** The 32 bytes behind a `txn_<base64url>` id (formatTransactionId's inverse). */
export function transactionIdBytes(transactionId: string): Uint8Array {
  const bytes = transactionIdPattern.test(transactionId)
    ? base64UrlDecode(transactionId.slice(4))
    : undefined;
  if (bytes?.length !== 32)
    throw new Error(`not a transaction id: ${JSON.stringify(transactionId)}`);
  return bytes;
}

/**
 * Decides what a settlement outcome does to a held transaction. Only a `verified` transaction moves
 * (to `settled` or `settlement-failed`), and gets its confirmation: the terminal, amount and currency
 * from the transaction as uploaded, `confirmedAtMs` passed in. Pure.
 */
export function decideSettlementOutcome(
  event: SettlementOutcome,
  held: HeldTransaction | null,
  confirmedAtMs: number,
): SettlementOutcomeDecision {
  if (!Number.isSafeInteger(confirmedAtMs) || confirmedAtMs <= 0)
    throw new Error('confirmedAtMs is a positive integer time');
  if (held === null) return { outcome: 'unknown-transaction' };
  switch (held.status) {
    case 'received':
      return { outcome: 'not-yet-verified' };
    case 'rejected':
      return contradiction(
        'OUTCOME_FOR_REJECTED_TRANSACTION',
        `${event.transactionId} was rejected (${held.reasonCode ?? ''}), yet the ledger says ${event.kind}`,
      );
    case 'settled':
    case 'settlement-failed':
      return sameAsFinal(event, held)
        ? { outcome: 'already-final' }
        : contradiction(
            'OUTCOME_CONFLICTS_WITH_FINAL_OUTCOME',
            `${event.transactionId} is already ${held.status}; the ledger now says ${event.kind}`,
          );
    case 'verified':
      return confirm(event, held, confirmedAtMs);
  }
}

function confirm(
  event: SettlementOutcome,
  held: HeldTransaction,
  confirmedAtMs: number,
): SettlementOutcomeDecision {
  const mismatch = mismatchOf(event, held);
  if (mismatch !== null)
    return contradiction(
      'OUTCOME_DOES_NOT_MATCH_TRANSACTION',
      `${event.transactionId}: the ledger's ${mismatch} differs from the verified transaction's`,
    );
  const settled = event.kind === 'settled';
  const decision = {
    outcome: 'confirm' as const,
    status: event.kind,
    reasonCode: settled ? null : event.reasonCode,
    settledAt: settled ? event.settledAt : null,
    entryId: settled ? event.entryId : null,
    confirmation: {
      transactionId: transactionIdBytes(event.transactionId),
      terminalId: held.terminalId,
      amount: held.amount,
      currency: held.currency,
      outcome: settled ? ('accepted' as const) : ('rejected' as const),
      reasonCode: settled ? null : event.reasonCode,
      confirmedAtMs,
    },
  };
  // Postconditions: accepted exactly when settled, and a rejection always says why.
  if ((decision.confirmation.outcome === 'accepted') !== (decision.status === 'settled'))
    throw new Error('accepted iff settled');
  if ((decision.reasonCode === null) !== settled)
    throw new Error('a reason exactly for a settlement failure');
  return decision;
}

/** Which fact of the ledger's event differs from the transaction the verifier published, if any. */
function mismatchOf(event: SettlementOutcome, held: HeldTransaction): string | null {
  if (event.merchantId !== held.merchantId) return 'merchant';
  if (held.consumerAccountId !== null && event.consumerAccountId !== held.consumerAccountId)
    return 'consumer account';
  if (event.kind === 'settled' && event.amount !== held.amount) return 'amount';
  if (event.kind === 'settled' && event.currency !== held.currency) return 'currency';
  return null;
}

/** A redelivery carries the same outcome: the same status and entry, or the same failure reason. */
function sameAsFinal(event: SettlementOutcome, held: HeldTransaction): boolean {
  if (event.kind !== held.status) return false;
  return event.kind === 'settled'
    ? event.entryId === held.entryId
    : event.reasonCode === held.reasonCode;
}

function contradiction(
  code: SettlementContradictionCode,
  message: string,
): SettlementOutcomeDecision {
  return { outcome: 'contradiction', code, message };
}
