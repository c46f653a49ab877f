import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type SqlExecutor } from '@settle/messaging';
import { auditText, SERVICE_CONFIG } from '@settle/platform';
import { type LedgerSettings } from '../config';
import { assert } from '../domain/assert';
import { type EntryDraft } from '../domain/entry';
import { type ApprovalLimits, type ApprovalReason, approvalReasonsFor } from './approval-policy';

/** A money movement an operator asked for, as the maker–checker rules see it. */
export interface Movement {
  readonly kind: 'funding' | 'refund' | 'reversal' | 'payout';
  /** The client key of a funding, refund or payout; the original entry of a reversal. */
  readonly businessKey: string;
  /** The request as sent (without who sent it): what an approval replays. */
  readonly command: Readonly<Record<string, string>>;
  /** The consumer account of the wallet, or the merchant of a payout. */
  readonly accountKey: string;
  readonly amount: bigint;
  readonly currency: string;
}

/** An operator and the audit row of their request. */
export interface OperatorAct {
  readonly operatorId: string;
  readonly auditId: string;
}

/** Who a movement is posted for: its maker and, when it waited, the checker who approved it. */
export interface MovementActors {
  /** The audit id is null only for a payout requested before ledger migration 0005. */
  readonly maker: { readonly operatorId: string; readonly auditId: string | null };
  readonly checker: (OperatorAct & { readonly approvalId: string }) | null;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'failed';

export interface ApprovalRecord {
  readonly approvalId: string;
  readonly kind: Exclude<Movement['kind'], 'payout'>;
  readonly businessKey: string;
  readonly command: Readonly<Record<string, string>>;
  readonly accountKey: string;
  readonly amount: bigint;
  readonly currency: string;
  readonly reasons: readonly ApprovalReason[];
  readonly status: ApprovalStatus;
  readonly maker: OperatorAct;
  readonly requestedAt: string;
  readonly expiresAt: string;
  readonly checker: OperatorAct | null;
  readonly decidedAt: string | null;
  readonly outcomeCode: string | null;
  readonly entryId: string | null;
}

/** What the gate says about a movement the decider would post. */
export type Gate =
  | { readonly verdict: 'post' }
  /** Waiting (now, or already with the same content under the same key: `created` false). */
  | { readonly verdict: 'pending'; readonly approval: ApprovalRecord; readonly created: boolean }
  /** A pending approval holds the key with other content (the caller answers 409). */
  | { readonly verdict: 'key-conflict'; readonly approvalId: string };

/** A handler's result, or the movement held for a checker. */
export type Gated<Result> = Result | { readonly outcome: 'pending-approval'; readonly approval: ApprovalRecord; readonly created: boolean };

/** The result of a request whose key a pending approval holds with other content (409, like any reused key). */
export interface KeyConflict {
  readonly outcome: 'duplicate';
  readonly conflicting: true;
  readonly entryId: string;
}

/** The total minor units moved by the debit side of an entry: what a movement is worth. */
export function movedAmount(draft: EntryDraft): bigint {
  return draft.postings.filter((posting) => posting.side === 'debit').reduce((sum, posting) => sum + posting.amount, 0n);
}

/**
 * The maker–checker rules around the posting of an operator's movement (docs/ledger.md, "Admin"):
 * decides, in the caller's transaction and under its partition lock, whether the movement posts or
 * waits, and records who made what was posted.
 */
@Injectable()
export class MakerChecker {
  private readonly limits: ApprovalLimits;
  private readonly windowMs: number;
  private readonly approvalTtlMs: number;

  constructor(@Inject(SERVICE_CONFIG) config: LedgerSettings) {
    this.limits = {
      aboveMinor: BigInt(config.SETTLE_LEDGER_SECOND_OPERATOR_ABOVE_MINOR),
      operatorWindowMinorMax: BigInt(config.SETTLE_LEDGER_OPERATOR_WINDOW_LIMIT_MINOR),
      accountWindowMinorMax: BigInt(config.SETTLE_LEDGER_ACCOUNT_WINDOW_LIMIT_MINOR),
    };
    this.windowMs = config.SETTLE_LEDGER_MOVEMENT_WINDOW_MS;
    this.approvalTtlMs = config.SETTLE_LEDGER_APPROVAL_TTL_MS;
  }

  /**
   * Whether `movement` (which the decider would post) posts now or waits. Call under the lock of the
   * account's partition; takes the maker's own lock, so two requests of one operator on different
   * accounts cannot both pass the operator's limit.
   */
  async gate(sql: SqlExecutor, movement: Movement & { readonly kind: ApprovalRecord['kind'] }, maker: OperatorAct, now: string): Promise<Gate> {
    const pending = await findPending(sql, movement.kind, movement.businessKey);
    if (pending) {
      const same = pending.accountKey === movement.accountKey && pending.amount === movement.amount && sameCommand(pending.command, movement.command);
      return same ? { verdict: 'pending', approval: pending, created: false } : { verdict: 'key-conflict', approvalId: pending.approvalId };
    }
    const reasons = await this.reasonsToWait(sql, movement, maker, now);
    if (reasons.length === 0) return { verdict: 'post' };
    const approval = await insertApproval(sql, { movement, reasons, maker, now, expiresAt: new Date(Date.parse(now) + this.approvalTtlMs).toISOString() });
    return { verdict: 'pending', approval, created: true };
  }

  /**
   * {@link gate} as a handler uses it: null when the movement posts now, else what to answer — held
   * for a checker, or the key conflict (as a conflicting duplicate, naming the approval).
   */
  async holdIfNeeded(sql: SqlExecutor, movement: Movement & { readonly kind: ApprovalRecord['kind'] }, maker: MovementActors['maker'], now: string): Promise<Gated<KeyConflict> | null> {
    const { operatorId, auditId } = maker;
    assert(auditId !== null, 'a new request has its audit row');
    const gate = await this.gate(sql, movement, { operatorId, auditId }, now);
    switch (gate.verdict) {
      case 'post':
        return null;
      case 'pending':
        return { outcome: 'pending-approval', approval: gate.approval, created: gate.created };
      case 'key-conflict':
        return { outcome: 'duplicate', conflicting: true, entryId: gate.approvalId };
    }
  }

  /** The reasons a movement must wait: its amount, or the window totals of its maker and account. */
  async reasonsToWait(sql: SqlExecutor, movement: Movement, maker: OperatorAct, now: string, limits: ApprovalLimits = this.limits): Promise<ApprovalReason[]> {
    await sql.query(`SELECT pg_advisory_xact_lock(hashtext('settle.ledger.operator:' || $1))`, [maker.operatorId]);
    const since = new Date(Date.parse(now) - this.windowMs).toISOString();
    const { rows } = await sql.query<{ by_operator: string; by_account: string }>(
      `SELECT (SELECT coalesce(sum(amount), 0) FROM ledger_entry_operators WHERE maker_operator_id = $1 AND currency = $3 AND posted_at > $4::timestamptz)::text AS by_operator,
              (SELECT coalesce(sum(amount), 0) FROM ledger_entry_operators WHERE account_key = $2 AND currency = $3 AND posted_at > $4::timestamptz)::text AS by_account`,
      [maker.operatorId, movement.accountKey, movement.currency, since],
    );
    const totals = { byOperator: BigInt(rows[0]?.by_operator ?? '0'), byAccount: BigInt(rows[0]?.by_account ?? '0') };
    return approvalReasonsFor(movement.amount, totals, limits);
  }

  /** The window limits with the single-movement limit of payouts (their own setting). */
  limitsWithSingleLimit(aboveMinor: bigint): ApprovalLimits {
    return { ...this.limits, aboveMinor };
  }

  /**
   * Records who made the posted entry (and who approved it), and writes the movement's business
   * fields on the audit rows of the request and of the approval — in the transaction that posts.
   */
  async recordPosted(sql: SqlExecutor, entryId: string, movement: Movement, actors: MovementActors, now: string): Promise<void> {
    const { maker, checker } = actors;
    await sql.query(
      `INSERT INTO ledger_entry_operators (entry_id, kind, maker_operator_id, maker_audit_id, checker_operator_id, checker_audit_id, approval_id, account_key, amount, currency, posted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::timestamptz)`,
      [entryId, movement.kind, maker.operatorId, maker.auditId, checker?.operatorId ?? null, checker?.auditId ?? null, checker?.approvalId ?? null, movement.accountKey, movement.amount.toString(), movement.currency, now],
    );
    const auditId = checker?.auditId ?? maker.auditId;
    if (auditId !== null) await recordBusinessFields(sql, auditId, movement, { entryId, approvalId: checker?.approvalId ?? null });
  }
}

/**
 * Writes the movement's fields (amount, currency, account, and what came of it) on an audit row
 * (column from ledger migration 0004), in the caller's transaction: the row then says what was moved
 * exactly when the movement committed. Text is stored the audit log's way (auditText).
 */
export async function recordBusinessFields(sql: SqlExecutor, auditId: string, movement: Movement, outcome: { entryId: string | null; approvalId: string | null }): Promise<void> {
  const fields = {
    kind: movement.kind,
    amount: movement.amount.toString(),
    currency: movement.currency,
    account: auditText(movement.accountKey),
    businessKey: auditText(movement.businessKey),
    entryId: outcome.entryId,
    approvalId: outcome.approvalId,
  };
  const { rowCount } = await sql.query('UPDATE admin_audit_log SET business_fields = $2::jsonb WHERE id = $1', [auditId, JSON.stringify(fields)]);
  assert(rowCount === 1, 'the audit row of the request exists');
}

function sameCommand(left: Readonly<Record<string, string>>, right: Readonly<Record<string, string>>): boolean {
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  return [...keys].every((key) => left[key] === right[key]);
}

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
  maker_audit_id: string;
  requested_at: Date;
  expires_at: Date;
  checker_operator_id: string | null;
  checker_audit_id: string | null;
  decided_at: Date | null;
  outcome_code: string | null;
  entry_id: string | null;
}

export const approvalColumns = `approval_id, kind, business_key, command, account_key, amount::text, currency, reasons, status, maker_operator_id,
  maker_audit_id::text, requested_at, expires_at, checker_operator_id, checker_audit_id::text, decided_at, outcome_code, entry_id`;

export function toApprovalRecord(row: ApprovalRow): ApprovalRecord {
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
    checker: row.checker_operator_id !== null && row.checker_audit_id !== null ? { operatorId: row.checker_operator_id, auditId: row.checker_audit_id } : null,
    decidedAt: row.decided_at?.toISOString() ?? null,
    outcomeCode: row.outcome_code,
    entryId: row.entry_id,
  };
}

export type { ApprovalRow };

async function findPending(sql: SqlExecutor, kind: ApprovalRecord['kind'], businessKey: string): Promise<ApprovalRecord | null> {
  const { rows } = await sql.query<ApprovalRow>(`SELECT ${approvalColumns} FROM ledger_approvals WHERE kind = $1 AND business_key = $2 AND status = 'pending'`, [kind, businessKey]);
  return rows[0] ? toApprovalRecord(rows[0]) : null;
}

async function insertApproval(
  sql: SqlExecutor,
  asked: { movement: Movement & { readonly kind: ApprovalRecord['kind'] }; reasons: ApprovalReason[]; maker: OperatorAct; now: string; expiresAt: string },
): Promise<ApprovalRecord> {
  const { movement, reasons, maker, now, expiresAt } = asked;
  const approvalId = `approval_${randomUUID()}`;
  const { rows } = await sql.query<ApprovalRow>(
    `INSERT INTO ledger_approvals (approval_id, kind, business_key, command, account_key, amount, currency, reasons, status, maker_operator_id, maker_audit_id, requested_at, expires_at)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8::text[], 'pending', $9, $10, $11::timestamptz, $12::timestamptz) RETURNING ${approvalColumns}`,
    [approvalId, movement.kind, movement.businessKey, JSON.stringify(movement.command), movement.accountKey, movement.amount.toString(), movement.currency, reasons, maker.operatorId, maker.auditId, now, expiresAt],
  );
  await recordBusinessFields(sql, maker.auditId, movement, { entryId: null, approvalId });
  return toApprovalRecord(rows[0]!);
}
