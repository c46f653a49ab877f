import { Inject, Injectable } from '@nestjs/common';
import { inTransaction, type SqlExecutor, type SqlPool } from '@settle/messaging';
import { type AdminActor, type Clock, CLOCK, SQL_POOL } from '@settle/platform';
import { assert } from '../domain/assert';
import { FundWalletHandler } from '../fund-wallet/fund-wallet.handler';
import { RefundPaymentHandler } from '../refund-payment/refund-payment.handler';
import { approvalColumns, type ApprovalRecord, type ApprovalRow, type MovementActors, recordBusinessFields, toApprovalRecord } from './maker-checker';

/** Why an approval or rejection was refused. Closed set, append-only. */
export type ApprovalRefusal = 'APPROVAL_NOT_FOUND' | 'APPROVAL_NOT_PENDING' | 'APPROVAL_EXPIRED' | 'SECOND_OPERATOR_REQUIRED';

export type ApprovalDecision =
  /** `repeated`: the same decision was taken before (approve and reject are idempotent). */
  | { readonly outcome: 'approved' | 'rejected'; readonly approval: ApprovalRecord; readonly repeated: boolean }
  /** Approved, but the movement can no longer post (e.g. more than is left to refund): status failed. */
  | { readonly outcome: 'failed'; readonly approval: ApprovalRecord }
  | { readonly outcome: 'refused'; readonly code: ApprovalRefusal; readonly approval: ApprovalRecord | null };

/** The longest list of approvals one request returns. */
export const approvalsListedMax = 100;

/**
 * A checker's decisions on held movements, each in one transaction holding the approval's row lock:
 * two checkers approving at once wait for each other and the second finds it approved, so an
 * approval posts exactly once. An approval replays the maker's request through the same handler
 * (decided again under the partition lock, with today's balances), recording both operators.
 */
@Injectable()
export class ApprovalsHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly fundWallet: FundWalletHandler,
    private readonly refunds: RefundPaymentHandler,
  ) {}

  approve(approvalId: string, checker: AdminActor): Promise<ApprovalDecision> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now().toISOString();
      const approval = await loadApproval(sql, approvalId, true);
      if (approval === null) return { outcome: 'refused', code: 'APPROVAL_NOT_FOUND', approval };
      if (approval.status === 'approved') return { outcome: 'approved', approval, repeated: true };
      if (approval.status !== 'pending') return { outcome: 'refused', code: 'APPROVAL_NOT_PENDING', approval };
      if (Date.parse(now) >= Date.parse(approval.expiresAt)) {
        return { outcome: 'refused', code: 'APPROVAL_EXPIRED', approval: await decide(sql, approvalId, { status: 'expired', checker: null, now }) };
      }
      if (checker.operatorId === approval.maker.operatorId) return { outcome: 'refused', code: 'SECOND_OPERATOR_REQUIRED', approval };
      const actors: MovementActors = { maker: approval.maker, checker: { operatorId: checker.operatorId, auditId: checker.auditId, approvalId } };
      const posted = await this.carryOut(sql, approval, actors, checker.requestId);
      const decided = posted.entryId
        ? await decide(sql, approvalId, { status: 'approved', checker, now, entryId: posted.entryId })
        : await decide(sql, approvalId, { status: 'failed', checker, now, outcomeCode: posted.code });
      if (!posted.entryId) await recordBusinessFields(sql, checker.auditId, approval, { entryId: null, approvalId });
      return posted.entryId ? { outcome: 'approved', approval: decided, repeated: false } : { outcome: 'failed', approval: decided };
    });
  }

  reject(approvalId: string, checker: AdminActor): Promise<ApprovalDecision> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now().toISOString();
      const approval = await loadApproval(sql, approvalId, true);
      if (approval === null) return { outcome: 'refused', code: 'APPROVAL_NOT_FOUND', approval };
      if (approval.status === 'rejected') return { outcome: 'rejected', approval, repeated: true };
      if (approval.status !== 'pending') return { outcome: 'refused', code: 'APPROVAL_NOT_PENDING', approval };
      await recordBusinessFields(sql, checker.auditId, approval, { entryId: null, approvalId });
      return { outcome: 'rejected', approval: await decide(sql, approvalId, { status: 'rejected', checker, now }), repeated: false };
    });
  }

  /** Replays the maker's request with the checker's approval; the entry id, or why nothing posted. */
  private async carryOut(sql: SqlExecutor, approval: ApprovalRecord, actors: MovementActors, requestId: string): Promise<{ entryId?: string; code: string }> {
    const { command } = approval;
    const result =
      approval.kind === 'funding'
        ? await this.fundWallet.fundIn(sql, { clientKey: command['clientKey']!, consumerAccountId: command['consumerAccountId']!, amount: command['amount']!, currency: command['currency']! }, actors, requestId)
        : approval.kind === 'refund'
          ? await this.refunds.refundIn(sql, { clientKey: command['clientKey']!, originalEntryId: command['originalEntryId']!, amount: command['amount']! }, actors, requestId)
          : await this.refunds.reverseIn(sql, command['originalEntryId']!, actors, requestId);
    assert(result.outcome !== 'pending-approval', 'an approved movement is never held again');
    switch (result.outcome) {
      case 'posted':
        return { entryId: result.entry.entryId, code: 'POSTED' };
      case 'duplicate':
        return { code: 'ALREADY_POSTED' };
      case 'rejected':
        return { code: result.code };
    }
  }
}

export async function loadApproval(sql: SqlExecutor, approvalId: string, forUpdate = false): Promise<ApprovalRecord | null> {
  const { rows } = await sql.query<ApprovalRow>(`SELECT ${approvalColumns} FROM ledger_approvals WHERE approval_id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [approvalId]);
  return rows[0] ? toApprovalRecord(rows[0]) : null;
}

/** Pending approvals still open at `now`, oldest first; or every approval with `status`, newest first. */
export async function listApprovals(sql: SqlExecutor, status: ApprovalRecord['status'], now: string): Promise<ApprovalRecord[]> {
  const { rows } =
    status === 'pending'
      ? await sql.query<ApprovalRow>(`SELECT ${approvalColumns} FROM ledger_approvals WHERE status = 'pending' AND expires_at > $1::timestamptz ORDER BY requested_at LIMIT ${approvalsListedMax}`, [now])
      : await sql.query<ApprovalRow>(`SELECT ${approvalColumns} FROM ledger_approvals WHERE status = $1 ORDER BY requested_at DESC LIMIT ${approvalsListedMax}`, [status]);
  return rows.map(toApprovalRecord);
}

async function decide(
  sql: SqlExecutor,
  approvalId: string,
  decision: { status: Exclude<ApprovalRecord['status'], 'pending'>; checker: Pick<AdminActor, 'operatorId' | 'auditId'> | null; now: string; entryId?: string; outcomeCode?: string },
): Promise<ApprovalRecord> {
  const { rows } = await sql.query<ApprovalRow>(
    `UPDATE ledger_approvals SET status = $2, checker_operator_id = $3, checker_audit_id = $4, decided_at = $5::timestamptz, entry_id = $6, outcome_code = $7
      WHERE approval_id = $1 AND status = 'pending' RETURNING ${approvalColumns}`,
    [approvalId, decision.status, decision.checker?.operatorId ?? null, decision.checker?.auditId ?? null, decision.now, decision.entryId ?? null, decision.outcomeCode ?? null],
  );
  assert(rows.length === 1, 'only a pending approval, locked by the caller, is decided');
  return toApprovalRecord(rows[0]!);
}
