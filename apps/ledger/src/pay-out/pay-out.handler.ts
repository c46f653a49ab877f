import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { inTransaction, Outbox, type SqlExecutor, type SqlPool } from '@settle/messaging';
import { type AdminActor, type Clock, CLOCK, SERVICE_CONFIG, SQL_POOL } from '@settle/platform';
import { entryPostedEvent } from '../adapters/ledger-events';
import { appendEntries, loadAccounts, loadBalances, lockPartitions } from '../adapters/postgres/journal-store';
import { MakerChecker, type Movement, type MovementActors, recordBusinessFields } from '../admin/maker-checker';
import { type LedgerSettings } from '../config';
import { ledgerAccountId } from '../domain/accounts';
import { assert } from '../domain/assert';
import { appendToChain, type ChainHead, partitionOf } from '../domain/hash-chain';
import { decideApprovePayout, decideRequestPayout, type PayoutAccounts, type PayoutRecord, type PayoutResult, type RequestPayout } from './pay-out.decider';

/**
 * Payouts in one transaction each: the merchant's partition (payouts are on the merchant's chain) and
 * every partition holding a sub-balance of its payable are locked before the balance is read, the
 * payout row is written with its entry when it posts, who made (and approved) it is recorded, and
 * `ledger.entry-posted` goes out.
 */
@Injectable()
export class PayOutHandler {
  private readonly secondOperatorAboveMinor: bigint;
  private readonly approvalTtlMs: number;

  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) config: LedgerSettings,
    private readonly makerChecker: MakerChecker,
  ) {
    this.secondOperatorAboveMinor = BigInt(config.SETTLE_LEDGER_PAYOUT_SECOND_OPERATOR_ABOVE_MINOR);
    this.approvalTtlMs = config.SETTLE_LEDGER_APPROVAL_TTL_MS;
  }

  request(request: Omit<RequestPayout, 'payoutId' | 'entryId' | 'now' | 'expiresAt' | 'operatorId'>, maker: AdminActor): Promise<PayoutResult> {
    return inTransaction(this.pool, async (sql) => {
      // Two requests with one key wait for each other, whatever merchant they name.
      await sql.query(`SELECT pg_advisory_xact_lock(hashtext('settle.ledger.payout:' || $1))`, [request.clientKey]);
      const now = this.clock.now().toISOString();
      const heads = await lockPayablePartitions(sql, request.merchantId);
      const prior = await loadPayout(sql, 'client_key', request.clientKey);
      const accounts = await loadPayoutAccounts(sql, request.merchantId, request.currency);
      const movement: Movement = { kind: 'payout', businessKey: request.clientKey, command: { ...request }, accountKey: request.merchantId, amount: BigInt(request.amount), currency: request.currency };
      const reasons = prior === null ? await this.makerChecker.reasonsToWait(sql, movement, maker, now, this.makerChecker.limitsWithSingleLimit(this.secondOperatorAboveMinor)) : [];
      const expiresAt = new Date(Date.parse(now) + this.approvalTtlMs).toISOString();
      const result = decideRequestPayout(
        { ...request, operatorId: maker.operatorId, payoutId: `payout_${randomUUID()}`, entryId: randomUUID(), now, expiresAt },
        { ...accounts, prior, mustWait: reasons.length > 0 },
      );
      if (result.outcome === 'pending-approval' || result.outcome === 'posted') await insertPayout(sql, result.payout, maker.auditId, now);
      if (result.outcome === 'pending-approval') await recordBusinessFields(sql, maker.auditId, movement, { entryId: null, approvalId: result.payout.payoutId });
      if (result.outcome === 'posted') await this.post(sql, heads, result, now, { maker, checker: null });
      return result;
    });
  }

  approve(payoutId: string, checker: AdminActor): Promise<PayoutResult> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now().toISOString();
      const command = { payoutId, operatorId: checker.operatorId, entryId: randomUUID(), now };
      const found = await loadPayout(sql, 'payout_id', payoutId);
      if (found === null) return decideApprovePayout(command, { payout: null, payable: null, settlement: null, payableBalance: 0n });
      const heads = await lockPayablePartitions(sql, found.merchantId);
      const payout = await loadPayout(sql, 'payout_id', payoutId, true);
      const accounts = await loadPayoutAccounts(sql, found.merchantId, found.currency);
      const result = decideApprovePayout(command, { ...accounts, payout });
      if (result.outcome !== 'posted') return result;
      const { rows } = await sql.query<{ requested_audit_id: string | null }>('SELECT requested_audit_id::text FROM ledger_payouts WHERE payout_id = $1', [payoutId]);
      const maker = { operatorId: result.payout.requestedBy, auditId: rows[0]?.requested_audit_id ?? null };
      await this.post(sql, heads, result, now, { maker, checker: { operatorId: checker.operatorId, auditId: checker.auditId, approvalId: payoutId } });
      return result;
    });
  }

  /** A checker's rejection of a pending payout: nothing posts; idempotent (a rejected payout is found again). */
  reject(payoutId: string, checker: AdminActor): Promise<PayoutDismissal> {
    return inTransaction(this.pool, async (sql) => {
      const payout = await loadPayout(sql, 'payout_id', payoutId, true);
      if (payout === null) return { outcome: 'rejected', code: 'PAYOUT_NOT_FOUND' };
      if (payout.status === 'rejected') return { outcome: 'duplicate', payout };
      if (payout.status !== 'pending-approval') return { outcome: 'rejected', code: 'APPROVAL_NOT_PENDING' };
      const now = this.clock.now().toISOString();
      await sql.query(`UPDATE ledger_payouts SET status = 'rejected', rejected_by = $2, approved_audit_id = $3, decided_at = $4::timestamptz WHERE payout_id = $1`, [payoutId, checker.operatorId, checker.auditId, now]);
      const movement: Movement = { kind: 'payout', businessKey: payout.clientKey, command: {}, accountKey: payout.merchantId, amount: payout.amount, currency: payout.currency };
      await recordBusinessFields(sql, checker.auditId, movement, { entryId: null, approvalId: payoutId });
      return { outcome: 'dismissed', payout: { ...payout, status: 'rejected' } };
    });
  }

  private async post(sql: SqlExecutor, heads: Awaited<ReturnType<typeof lockPartitions>>, result: Extract<PayoutResult, { outcome: 'posted' }>, now: string, actors: MovementActors): Promise<void> {
    const head = heads.get(partitionOf(result.payout.merchantId));
    assert(head !== undefined, 'the merchant’s partition was locked');
    const { entry } = appendToChain(head, result.entry);
    await appendEntries(sql, [entry]);
    const { rowCount } = await sql.query(
      `UPDATE ledger_payouts SET status = 'posted', entry_id = $2, posted_at = $3::timestamptz, approved_by = $4, approved_audit_id = $5, decided_at = $3::timestamptz
        WHERE payout_id = $1 AND status = 'pending-approval'`,
      [result.payout.payoutId, entry.entryId, now, actors.checker?.operatorId ?? null, actors.checker?.auditId ?? null],
    );
    assert(rowCount === 1, 'a posted payout was pending');
    const { payout } = result;
    const movement: Movement = { kind: 'payout', businessKey: payout.clientKey, command: {}, accountKey: payout.merchantId, amount: payout.amount, currency: payout.currency };
    await this.makerChecker.recordPosted(sql, entry.entryId, movement, actors, now);
    await this.outbox.append(sql, [entryPostedEvent(entry, { correlationId: randomUUID(), causationId: null, occurredAt: now })]);
  }
}

/** A checker's rejection: `dismissed` now, `duplicate` when it was rejected before, or why it cannot be. */
export type PayoutDismissal =
  | { readonly outcome: 'dismissed' | 'duplicate'; readonly payout: PayoutRecord }
  | { readonly outcome: 'rejected'; readonly code: Extract<PayoutResult, { outcome: 'rejected' }>['code'] };

/** Rounds of locking before a payout gives up because its payable keeps gaining sub-balance rows. */
export const payablePartitionLockRoundsMax = 3;

/**
 * The payout's balance check sums the payable's sub-balances of every partition, and settlements,
 * refunds and reversals on other chains write them under their own partition's lock only. So the
 * payout locks the merchant's chain and every partition holding a row of the payable, in ascending
 * order like every writer, and no sub-balance it sums can change until it commits. The set is read
 * again under the locks: a row that appeared in another partition meanwhile (a first posting of the
 * payable there) is locked in a further round. That round may lock out of order; a deadlock it causes
 * is broken by PostgreSQL failing one side, and a settlement batch is retried by the backbone.
 * Settlement pauses on the locked chains for the length of the payout's transaction.
 */
async function lockPayablePartitions(sql: SqlExecutor, merchantId: string): Promise<Map<number, ChainHead>> {
  const payableId = ledgerAccountId('merchant-payable', merchantId);
  const heads = new Map<number, ChainHead>();
  for (let round = 1; round <= payablePartitionLockRoundsMax; round++) {
    const { rows } = await sql.query<{ partition: number }>('SELECT partition FROM ledger_balances WHERE account_id = $1', [payableId]);
    const wanted = [partitionOf(merchantId), ...rows.map((row) => row.partition)].filter((partition) => !heads.has(partition));
    if (wanted.length === 0) return heads;
    for (const [partition, head] of await lockPartitions(sql, wanted)) heads.set(partition, head);
  }
  throw new PayablePartitionsMovingError(merchantId);
}

/** The payable kept gaining sub-balance rows in new partitions while being locked: a retry can help. */
export class PayablePartitionsMovingError extends Error {
  readonly code = 'PAYABLE_PARTITIONS_MOVING';
  readonly retriable = true;
  constructor(merchantId: string) {
    super(`the payable of merchant ${merchantId} gained sub-balances in new partitions during ${payablePartitionLockRoundsMax} locking rounds`);
  }
}

interface PayoutRow extends Record<string, unknown> {
  payout_id: string;
  client_key: string;
  merchant_id: string;
  amount: string;
  currency: string;
  status: PayoutRecord['status'];
  requested_by: string;
  entry_id: string | null;
  expires_at: Date;
}

export const payoutColumns = 'payout_id, client_key, merchant_id, amount::text, currency, status, requested_by, entry_id, expires_at';

export const toPayoutRecord = (row: PayoutRow): PayoutRecord => ({
  payoutId: row.payout_id,
  clientKey: row.client_key,
  merchantId: row.merchant_id,
  amount: BigInt(row.amount),
  currency: row.currency,
  status: row.status,
  requestedBy: row.requested_by,
  entryId: row.entry_id,
  expiresAt: row.expires_at.toISOString(),
});

async function loadPayout(sql: SqlExecutor, by: 'payout_id' | 'client_key', value: string, forUpdate = false): Promise<PayoutRecord | null> {
  const { rows } = await sql.query<PayoutRow>(
    `SELECT ${payoutColumns} FROM ledger_payouts WHERE ${by} = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [value],
  );
  return rows[0] ? toPayoutRecord(rows[0]) : null;
}

/** The merchant's payable and balance (committed sub-balances of every partition), and the settlement account. */
async function loadPayoutAccounts(sql: SqlExecutor, merchantId: string, currency: string): Promise<PayoutAccounts> {
  const payableId = ledgerAccountId('merchant-payable', merchantId);
  const accounts = await loadAccounts(sql, [payableId, ledgerAccountId('settlement', currency)]);
  const payable = accounts.get(payableId) ?? null;
  const settlement = payable ? (accounts.get(ledgerAccountId('settlement', payable.currency)) ?? null) : null;
  const balances = await loadBalances(sql, payable ? [payable] : []);
  return { payable, settlement, payableBalance: payable ? (balances.get(payableId) ?? 0n) : 0n };
}

async function insertPayout(sql: SqlExecutor, payout: PayoutRecord, requestedAuditId: string, now: string): Promise<void> {
  await sql.query(
    `INSERT INTO ledger_payouts (payout_id, client_key, merchant_id, amount, currency, status, requested_by, requested_at, requested_audit_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, 'pending-approval', $6, $7::timestamptz, $8, $9::timestamptz)`,
    [payout.payoutId, payout.clientKey, payout.merchantId, payout.amount.toString(), payout.currency, payout.requestedBy, now, requestedAuditId, payout.expiresAt],
  );
}
