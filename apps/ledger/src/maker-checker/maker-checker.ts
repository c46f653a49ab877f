import { Inject, Injectable } from '@nestjs/common';
import { type SqlExecutor } from '@settle/messaging';
import { auditText, SERVICE_CONFIG } from '@settle/platform';
import { type LedgerSettings } from '../config';
import { assert } from '../domain/assert';
import { type EntryDraft } from '../domain/entry';
import { type ApprovalLimits, type ApprovalReason, approvalReasonsFor } from './approval-policy';
import { findPendingApproval, insertApproval } from './approval-store';

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
  /** The audit id is null only for a payout requested before ledger migration 0005 (or held from then). */
  readonly maker: { readonly operatorId: string; readonly auditId: string | null };
  readonly checker: (OperatorAct & { readonly approvalId: string }) | null;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'failed';

export interface ApprovalRecord {
  readonly approvalId: string;
  readonly kind: Movement['kind'];
  readonly businessKey: string;
  readonly command: Readonly<Record<string, string>>;
  readonly accountKey: string;
  readonly amount: bigint;
  readonly currency: string;
  readonly reasons: readonly ApprovalReason[];
  readonly status: ApprovalStatus;
  readonly maker: MovementActors['maker'];
  readonly requestedAt: string;
  readonly expiresAt: string;
  readonly checker: OperatorAct | null;
  readonly decidedAt: string | null;
  readonly outcomeCode: string | null;
  readonly entryId: string | null;
}

/** A handler's result, or the movement held for a checker. */
export type Gated<Result> = Result | Held;

/** The movement waits for a checker (now, or already with the same content under the same key: `created` false). */
export interface Held {
  readonly outcome: 'pending-approval';
  readonly approval: ApprovalRecord;
  readonly created: boolean;
}

/** The result of a request whose key a pending approval holds with other content (409, like any reused key). */
export interface KeyConflict {
  readonly outcome: 'duplicate';
  readonly conflicting: true;
  readonly entryId: string;
}

/** The total minor units moved by the debit side of an entry: what a movement is worth. */
export function movedAmount(draft: EntryDraft): bigint {
  return draft.postings
    .filter((posting) => posting.side === 'debit')
    .reduce((sum, posting) => sum + posting.amount, 0n);
}

/**
 * The maker–checker rules around the posting of an operator's movement (docs/ledger.md, "Admin"):
 * decides, in the caller's transaction and under its partition lock, whether the movement posts or
 * waits, and records who made what was posted. The one gate every money movement passes.
 */
@Injectable()
export class MakerChecker {
  private readonly limits: ApprovalLimits;
  private readonly payoutLimits: ApprovalLimits;
  private readonly windowMs: number;
  private readonly approvalTtlMs: number;

  constructor(@Inject(SERVICE_CONFIG) config: LedgerSettings) {
    this.limits = {
      aboveMinor: BigInt(config.SETTLE_LEDGER_SECOND_OPERATOR_ABOVE_MINOR),
      operatorWindowMinorMax: BigInt(config.SETTLE_LEDGER_OPERATOR_WINDOW_LIMIT_MINOR),
      accountWindowMinorMax: BigInt(config.SETTLE_LEDGER_ACCOUNT_WINDOW_LIMIT_MINOR),
    };
    // Payouts have their own single-movement limit; the rolling windows are shared.
    this.payoutLimits = {
      ...this.limits,
      aboveMinor: BigInt(config.SETTLE_LEDGER_PAYOUT_SECOND_OPERATOR_ABOVE_MINOR),
    };
    this.windowMs = config.SETTLE_LEDGER_MOVEMENT_WINDOW_MS;
    this.approvalTtlMs = config.SETTLE_LEDGER_APPROVAL_TTL_MS;
  }

  /**
   * A movement the decider would post: without a checker (a new request) it may be held — or meet a
   * pending approval under its key — and then nothing is posted; otherwise `post` appends its entry
   * (returning the entry id) and who made it is recorded. Null when it posted. Call under the lock of
   * the account's partition, in the transaction that posts.
   */
  async postUnlessHeld(
    sql: SqlExecutor,
    movement: Movement,
    actors: MovementActors,
    now: string,
    post: () => Promise<string>,
  ): Promise<Held | KeyConflict | null> {
    if (actors.checker === null) {
      const { operatorId, auditId } = actors.maker;
      assert(auditId !== null, 'a new request has its audit row');
      const held = await this.holdIfNeeded(sql, movement, { operatorId, auditId }, now);
      if (held !== null) return held;
    }
    const entryId = await post();
    await this.recordPosted(sql, entryId, movement, actors, now);
    return null;
  }

  /**
   * Whether a new movement waits: the same request under a pending approval's key finds it, other
   * content is a key conflict (naming the approval), and a movement past a limit is held now. Takes
   * the maker's own lock, so two requests of one operator on different accounts cannot both pass the
   * operator's limit.
   */
  private async holdIfNeeded(
    sql: SqlExecutor,
    movement: Movement,
    maker: OperatorAct,
    now: string,
  ): Promise<Held | KeyConflict | null> {
    const pending = await findPendingApproval(sql, movement.kind, movement.businessKey);
    if (pending) {
      const same =
        pending.accountKey === movement.accountKey &&
        pending.amount === movement.amount &&
        sameCommand(pending.command, movement.command);
      return same
        ? { outcome: 'pending-approval', approval: pending, created: false }
        : { outcome: 'duplicate', conflicting: true, entryId: pending.approvalId };
    }
    const reasons = await this.reasonsToWait(sql, movement, maker, now);
    if (reasons.length === 0) return null;
    const expiresAt = new Date(Date.parse(now) + this.approvalTtlMs).toISOString();
    const approval = await insertApproval(sql, { movement, reasons, maker, now, expiresAt });
    await recordBusinessFields(sql, maker.auditId, movement, {
      entryId: null,
      approvalId: approval.approvalId,
    });
    return { outcome: 'pending-approval', approval, created: true };
  }

  /** The reasons a movement must wait: its amount, or the window totals of its maker and account. */
  private async reasonsToWait(
    sql: SqlExecutor,
    movement: Movement,
    maker: OperatorAct,
    now: string,
  ): Promise<ApprovalReason[]> {
    await sql.query(`SELECT pg_advisory_xact_lock(hashtext('settle.ledger.operator:' || $1))`, [
      maker.operatorId,
    ]);
    const since = new Date(Date.parse(now) - this.windowMs).toISOString();
    const { rows } = await sql.query<{ by_operator: string; by_account: string }>(
      `SELECT (SELECT coalesce(sum(amount), 0) FROM ledger_entry_operators WHERE maker_operator_id = $1 AND currency = $3 AND posted_at > $4::timestamptz)::text AS by_operator,
              (SELECT coalesce(sum(amount), 0) FROM ledger_entry_operators WHERE account_key = $2 AND currency = $3 AND posted_at > $4::timestamptz)::text AS by_account`,
      [maker.operatorId, movement.accountKey, movement.currency, since],
    );
    const totals = {
      byOperator: BigInt(rows[0]?.by_operator ?? '0'),
      byAccount: BigInt(rows[0]?.by_account ?? '0'),
    };
    return approvalReasonsFor(
      movement.amount,
      totals,
      movement.kind === 'payout' ? this.payoutLimits : this.limits,
    );
  }

  /**
   * Records who made the posted entry (and who approved it), and writes the movement's business
   * fields on the audit rows of the request and of the approval — in the transaction that posts.
   */
  private async recordPosted(
    sql: SqlExecutor,
    entryId: string,
    movement: Movement,
    actors: MovementActors,
    now: string,
  ): Promise<void> {
    const { maker, checker } = actors;
    await sql.query(
      `INSERT INTO ledger_entry_operators (entry_id, kind, maker_operator_id, maker_audit_id, checker_operator_id, checker_audit_id, approval_id, account_key, amount, currency, posted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::timestamptz)`,
      [
        entryId,
        movement.kind,
        maker.operatorId,
        maker.auditId,
        checker?.operatorId ?? null,
        checker?.auditId ?? null,
        checker?.approvalId ?? null,
        movement.accountKey,
        movement.amount.toString(),
        movement.currency,
        now,
      ],
    );
    const auditId = checker?.auditId ?? maker.auditId;
    if (auditId !== null)
      await recordBusinessFields(sql, auditId, movement, {
        entryId,
        approvalId: checker?.approvalId ?? null,
      });
  }
}

/**
 * Writes the movement's fields (amount, currency, account, a funding's bank reference, and what came of it) on an audit row
 * (column from ledger migration 0004), in the caller's transaction: the row then says what was moved
 * exactly when the movement committed. Text is stored the audit log's way (auditText).
 */
export async function recordBusinessFields(
  sql: SqlExecutor,
  auditId: string,
  movement: Movement,
  outcome: { entryId: string | null; approvalId: string | null },
): Promise<void> {
  const fields = {
    kind: movement.kind,
    amount: movement.amount.toString(),
    currency: movement.currency,
    account: auditText(movement.accountKey),
    businessKey: auditText(movement.businessKey),
    // A funding's bank transfer (absent for other movements: JSON leaves out undefined).
    externalReference:
      movement.command.externalReference === undefined
        ? undefined
        : auditText(movement.command.externalReference),
    entryId: outcome.entryId,
    approvalId: outcome.approvalId,
  };
  const { rowCount } = await sql.query(
    'UPDATE admin_audit_log SET business_fields = $2::jsonb WHERE id = $1',
    [auditId, JSON.stringify(fields)],
  );
  assert(rowCount === 1, 'the audit row of the request exists');
}

function sameCommand(
  left: Readonly<Record<string, string>>,
  right: Readonly<Record<string, string>>,
): boolean {
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  return [...keys].every((key) => left[key] === right[key]);
}
