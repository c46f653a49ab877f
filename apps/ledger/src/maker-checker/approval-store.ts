import { randomUUID } from 'node:crypto';
import { type SqlExecutor } from '@settle/messaging';
import { assert } from '../domain/assert';
import { type ApprovalReason } from './approval-policy';
import {
  type ApprovalRecord,
  type ApprovalStatus,
  type Movement,
  type OperatorAct,
} from './maker-checker';

// The rows of ledger_approvals (ledger migrations 0004, 0006): movements held for a checker.

/** The longest list of approvals one read returns. */
export const approvalsListedMax = 100;

interface ApprovalRow extends Record<string, unknown> {
  approval_id: string;
  kind: ApprovalRecord['kind'];
  business_key: string;
  command: Record<string, string>;
  account_key: string;
  amount: string;
  currency: string;
  reasons: ApprovalReason[];
  status: ApprovalStatus;
  maker_operator_id: string;
  maker_audit_id: string | null;
  requested_at: Date;
  expires_at: Date;
  checker_operator_id: string | null;
  checker_audit_id: string | null;
  decided_at: Date | null;
  outcome_code: string | null;
  entry_id: string | null;
}

const approvalColumns = `approval_id, kind, business_key, command, account_key, amount::text, currency, reasons, status, maker_operator_id,
  maker_audit_id::text, requested_at, expires_at, checker_operator_id, checker_audit_id::text, decided_at, outcome_code, entry_id`;

function toApprovalRecord(row: ApprovalRow): ApprovalRecord {
  return {
    approvalId: row.approval_id,
    kind: row.kind,
    businessKey: row.business_key,
    command: row.command,
    accountKey: row.account_key,
    amount: BigInt(row.amount),
    currency: row.currency,
    reasons: row.reasons,
    status: row.status,
    maker: { operatorId: row.maker_operator_id, auditId: row.maker_audit_id },
    requestedAt: row.requested_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    checker:
      row.checker_operator_id !== null && row.checker_audit_id !== null
        ? { operatorId: row.checker_operator_id, auditId: row.checker_audit_id }
        : null,
    decidedAt: row.decided_at?.toISOString() ?? null,
    outcomeCode: row.outcome_code,
    entryId: row.entry_id,
  };
}

/** The approval, locked until the caller's transaction ends when `forUpdate`. */
export async function loadApproval(
  sql: SqlExecutor,
  approvalId: string,
  forUpdate = false,
): Promise<ApprovalRecord | null> {
  const { rows } = await sql.query<ApprovalRow>(
    `SELECT ${approvalColumns} FROM ledger_approvals WHERE approval_id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [approvalId],
  );
  return rows[0] ? toApprovalRecord(rows[0]) : null;
}

/** Pending approvals still open at `now`, oldest first; or every approval with `status`, newest first. */
export async function listApprovals(
  sql: SqlExecutor,
  status: ApprovalStatus,
  now: string,
): Promise<ApprovalRecord[]> {
  const { rows } =
    status === 'pending'
      ? await sql.query<ApprovalRow>(
          `SELECT ${approvalColumns} FROM ledger_approvals WHERE status = 'pending' AND expires_at > $1::timestamptz ORDER BY requested_at LIMIT ${approvalsListedMax}`,
          [now],
        )
      : await sql.query<ApprovalRow>(
          `SELECT ${approvalColumns} FROM ledger_approvals WHERE status = $1 ORDER BY requested_at DESC LIMIT ${approvalsListedMax}`,
          [status],
        );
  return rows.map(toApprovalRecord);
}

export async function findPendingApproval(
  sql: SqlExecutor,
  kind: ApprovalRecord['kind'],
  businessKey: string,
): Promise<ApprovalRecord | null> {
  const { rows } = await sql.query<ApprovalRow>(
    `SELECT ${approvalColumns} FROM ledger_approvals WHERE kind = $1 AND business_key = $2 AND status = 'pending'`,
    [kind, businessKey],
  );
  return rows[0] ? toApprovalRecord(rows[0]) : null;
}

export async function insertApproval(
  sql: SqlExecutor,
  asked: {
    movement: Movement;
    reasons: ApprovalReason[];
    maker: OperatorAct;
    now: string;
    expiresAt: string;
  },
): Promise<ApprovalRecord> {
  const { movement, reasons, maker, now, expiresAt } = asked;
  const approvalId = `approval_${randomUUID()}`;
  const { rows } = await sql.query<ApprovalRow>(
    `INSERT INTO ledger_approvals (approval_id, kind, business_key, command, account_key, amount, currency, reasons, status, maker_operator_id, maker_audit_id, requested_at, expires_at)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8::text[], 'pending', $9, $10, $11::timestamptz, $12::timestamptz) RETURNING ${approvalColumns}`,
    [
      approvalId,
      movement.kind,
      movement.businessKey,
      JSON.stringify(movement.command),
      movement.accountKey,
      movement.amount.toString(),
      movement.currency,
      reasons,
      maker.operatorId,
      maker.auditId,
      now,
      expiresAt,
    ],
  );
  return toApprovalRecord(rows[0]!);
}

/** Ends a pending approval the caller has locked: approved with its entry, failed with a code, rejected or expired. */
export async function decideApproval(
  sql: SqlExecutor,
  approvalId: string,
  decision: {
    status: Exclude<ApprovalStatus, 'pending'>;
    checker: OperatorAct | null;
    now: string;
    entryId?: string;
    outcomeCode?: string;
  },
): Promise<ApprovalRecord> {
  const { rows } = await sql.query<ApprovalRow>(
    `UPDATE ledger_approvals SET status = $2, checker_operator_id = $3, checker_audit_id = $4, decided_at = $5::timestamptz, entry_id = $6, outcome_code = $7
      WHERE approval_id = $1 AND status = 'pending' RETURNING ${approvalColumns}`,
    [
      approvalId,
      decision.status,
      decision.checker?.operatorId ?? null,
      decision.checker?.auditId ?? null,
      decision.now,
      decision.entryId ?? null,
      decision.outcomeCode ?? null,
    ],
  );
  assert(rows.length === 1, 'only a pending approval, locked by the caller, is decided');
  return toApprovalRecord(rows[0]!);
}
