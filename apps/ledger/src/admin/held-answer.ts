import { type AdminActor } from '@settle/platform';
import { type ApprovalRecord, type MovementActors } from './maker-checker';

/** What a maker is answered when the movement waits for a checker (HTTP 200, like a posted one). */
export interface HeldAnswer {
  outcome: 'pending-approval';
  approvalId: string;
  reasons: readonly string[];
  expiresAt: string;
}

export function heldAnswer(held: { readonly approval: ApprovalRecord }): HeldAnswer {
  return { outcome: 'pending-approval', approvalId: held.approval.approvalId, reasons: held.approval.reasons, expiresAt: held.approval.expiresAt };
}

/** The actors of a movement asked for by `maker` that has no checker yet. */
export function makerOnly(maker: AdminActor): MovementActors {
  return { maker: { operatorId: maker.operatorId, auditId: maker.auditId }, checker: null };
}
