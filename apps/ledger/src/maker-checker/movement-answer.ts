import { type AdminActor, type ProblemException } from '@settle/platform';
import { keyReused } from '../admin-http/problems';
import { type Held, type KeyConflict, type MovementActors } from './maker-checker';

/** What a maker is answered when the movement waits for a checker (HTTP 200, like a posted one). */
export interface HeldAnswer {
  outcome: 'pending-approval';
  approvalId: string;
  reasons: readonly string[];
  expiresAt: string;
}

export function heldAnswer(held: Held): HeldAnswer {
  return {
    outcome: 'pending-approval',
    approvalId: held.approval.approvalId,
    reasons: held.approval.reasons,
    expiresAt: held.approval.expiresAt,
  };
}

/** The actors of a movement asked for by `maker` that has no checker yet. */
export function makerOnly(maker: AdminActor): MovementActors {
  return { maker: { operatorId: maker.operatorId, auditId: maker.auditId }, checker: null };
}

/**
 * The HTTP answer of a fund, refund or reversal use case, one mapping for all: posted and duplicate
 * name the entry, a held movement its approval; the key reused with other content is `409` naming
 * `keyField`; a refusal is the problem `refusal` makes of its code.
 */
export function movementAnswer<Code extends string>(
  result:
    | { readonly outcome: 'posted'; readonly entry: { readonly entryId: string } }
    | { readonly outcome: 'duplicate'; readonly conflicting: boolean; readonly entryId: string }
    | { readonly outcome: 'rejected'; readonly code: Code }
    | Held
    | KeyConflict,
  keyField: string,
  refusal: (code: Code) => ProblemException,
): { outcome: 'posted' | 'duplicate'; entryId: string } | HeldAnswer {
  switch (result.outcome) {
    case 'pending-approval':
      return heldAnswer(result);
    case 'posted':
      return { outcome: 'posted', entryId: result.entry.entryId };
    case 'duplicate':
      if (result.conflicting) throw keyReused(keyField);
      return { outcome: 'duplicate', entryId: result.entryId };
    case 'rejected':
      throw refusal(result.code);
  }
}
