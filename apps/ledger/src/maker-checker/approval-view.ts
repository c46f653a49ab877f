import { type ApprovalRecord } from './maker-checker';

/** What an operator sees of a held movement, before and after it is decided. */
export interface ApprovalView {
  approvalId: string;
  kind: ApprovalRecord['kind'];
  /** `expired` as soon as the deadline passed, even before anyone touched the row. */
  status: ApprovalRecord['status'];
  reasons: readonly string[];
  request: Readonly<Record<string, string>>;
  amount: string;
  currency: string;
  account: string;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  outcomeCode: string | null;
  entryId: string | null;
}

export function approvalView(approval: ApprovalRecord, now: string): ApprovalView {
  const lapsed = approval.status === 'pending' && Date.parse(approval.expiresAt) <= Date.parse(now);
  return {
    approvalId: approval.approvalId,
    kind: approval.kind,
    status: lapsed ? 'expired' : approval.status,
    reasons: approval.reasons,
    request: approval.command,
    amount: approval.amount.toString(),
    currency: approval.currency,
    account: approval.accountKey,
    requestedBy: approval.maker.operatorId,
    requestedAt: approval.requestedAt,
    expiresAt: approval.expiresAt,
    decidedBy: approval.checker?.operatorId ?? null,
    decidedAt: approval.decidedAt,
    outcomeCode: approval.outcomeCode,
    entryId: approval.entryId,
  };
}
