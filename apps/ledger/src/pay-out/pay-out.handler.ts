import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  inTransaction,
  Outbox,
  requestCause,
  type SqlExecutor,
  type SqlPool,
} from '@settle/messaging';
import { type Clock, CLOCK, SQL_POOL } from '@settle/platform';
import { entryPostedEvent } from '../adapters/ledger-events';
import {
  appendEntries,
  loadAccounts,
  loadBalances,
  lockPartitions,
} from '../adapters/postgres/journal-store';
import { ledgerAccountId } from '../domain/accounts';
import { assert } from '../domain/assert';
import { appendToChain, type ChainHead, partitionOf } from '../domain/hash-chain';
import {
  type Gated,
  type KeyConflict,
  MakerChecker,
  type Movement,
  type MovementActors,
} from '../maker-checker/maker-checker';
import {
  decideRequestPayout,
  type PayoutAccounts,
  type PayoutRecord,
  type PayoutResult,
  type RequestPayout,
} from './pay-out.decider';

export type PayoutRequest = Pick<RequestPayout, 'clientKey' | 'merchantId' | 'amount' | 'currency'>;

/**
 * Payouts in one transaction each: the merchant's partition (payouts are on the merchant's chain) and
 * every partition holding a sub-balance of its payable are locked before the balance is read; unless
 * the maker–checker gate holds it for a checker, the entry and the payout row are written, who made
 * (and approved) it is recorded, and `ledger.entry-posted` goes out.
 */
@Injectable()
export class PayOutHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly makerChecker: MakerChecker,
  ) {}

  payOut(
    request: PayoutRequest,
    actors: MovementActors,
  ): Promise<Gated<PayoutResult | KeyConflict>> {
    return inTransaction(this.pool, (sql) => this.payOutIn(sql, request, actors));
  }

  /** In the caller's transaction. With a checker (an approval being carried out) the gate is passed. */
  async payOutIn(
    sql: SqlExecutor,
    request: PayoutRequest,
    actors: MovementActors,
  ): Promise<Gated<PayoutResult | KeyConflict>> {
    // Two requests with one key wait for each other, whatever merchant they name.
    await sql.query(`SELECT pg_advisory_xact_lock(hashtext('settle.ledger.payout:' || $1))`, [
      request.clientKey,
    ]);
    const now = this.clock.now().toISOString();
    const heads = await lockPayablePartitions(sql, request.merchantId);
    const prior = await loadPayout(sql, 'client_key', request.clientKey);
    const accounts = await loadPayoutAccounts(sql, request.merchantId, request.currency);
    const command = {
      ...request,
      operatorId: actors.maker.operatorId,
      payoutId: `payout_${randomUUID()}`,
      entryId: randomUUID(),
      now,
    };
    const result = decideRequestPayout(command, { ...accounts, prior });
    if (result.outcome !== 'posted') return result;
    const movement: Movement = {
      kind: 'payout',
      businessKey: request.clientKey,
      command: {
        clientKey: request.clientKey,
        merchantId: request.merchantId,
        amount: request.amount,
        currency: request.currency,
      },
      accountKey: request.merchantId,
      amount: result.payout.amount,
      currency: request.currency,
    };
    const held = await this.makerChecker.postUnlessHeld(sql, movement, actors, now, () =>
      this.post(sql, heads, result, actors, now),
    );
    return held ?? result;
  }

  /** Appends the payout's entry on the merchant's chain, writes the payout row and the event; the entry id. */
  private async post(
    sql: SqlExecutor,
    heads: Map<number, ChainHead>,
    result: Extract<PayoutResult, { outcome: 'posted' }>,
    actors: MovementActors,
    now: string,
  ): Promise<string> {
    const head = heads.get(partitionOf(result.payout.merchantId));
    assert(head !== undefined, 'the merchant’s partition was locked');
    const { entry } = appendToChain(head, result.entry);
    await appendEntries(sql, [entry]);
    const { payout } = result;
    const { maker, checker } = actors;
    // An approved payout was requested when its approval was.
    await sql.query(
      `INSERT INTO ledger_payouts (payout_id, client_key, merchant_id, amount, currency, status, requested_by, requested_at, requested_audit_id, approved_by, approved_audit_id, entry_id, posted_at, decided_at)
       VALUES ($1, $2, $3, $4, $5, 'posted', $6, coalesce((SELECT requested_at FROM ledger_approvals WHERE approval_id = $9), $11::timestamptz), $7, $8, $10, $12, $11::timestamptz, CASE WHEN $8::text IS NULL THEN NULL ELSE $11::timestamptz END)`,
      [
        payout.payoutId,
        payout.clientKey,
        payout.merchantId,
        payout.amount.toString(),
        payout.currency,
        maker.operatorId,
        maker.auditId,
        checker?.operatorId ?? null,
        checker?.approvalId ?? null,
        checker?.auditId ?? null,
        now,
        entry.entryId,
      ],
    );
    await this.outbox.append(sql, [entryPostedEvent(entry, requestCause(null, now))]);
    return entry.entryId;
  }
}

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
async function lockPayablePartitions(
  sql: SqlExecutor,
  merchantId: string,
): Promise<Map<number, ChainHead>> {
  const payableId = ledgerAccountId('merchant-payable', merchantId);
  const heads = new Map<number, ChainHead>();
  for (let round = 1; round <= payablePartitionLockRoundsMax; round++) {
    const { rows } = await sql.query<{ partition: number }>(
      'SELECT partition FROM ledger_balances WHERE account_id = $1',
      [payableId],
    );
    const wanted = [partitionOf(merchantId), ...rows.map((row) => row.partition)].filter(
      (partition) => !heads.has(partition),
    );
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
    super(
      `the payable of merchant ${merchantId} gained sub-balances in new partitions during ${payablePartitionLockRoundsMax} locking rounds`,
    );
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
}

const payoutColumns =
  'payout_id, client_key, merchant_id, amount::text, currency, status, requested_by, entry_id';

const toPayoutRecord = (row: PayoutRow): PayoutRecord => ({
  payoutId: row.payout_id,
  clientKey: row.client_key,
  merchantId: row.merchant_id,
  amount: BigInt(row.amount),
  currency: row.currency,
  status: row.status,
  requestedBy: row.requested_by,
  entryId: row.entry_id,
});

/** A payout made (or rejected before ledger migration 0006), by its id or its client key. */
export async function loadPayout(
  sql: SqlExecutor,
  by: 'payout_id' | 'client_key',
  value: string,
): Promise<PayoutRecord | null> {
  const { rows } = await sql.query<PayoutRow>(
    `SELECT ${payoutColumns} FROM ledger_payouts WHERE ${by} = $1`,
    [value],
  );
  return rows[0] ? toPayoutRecord(rows[0]) : null;
}

/** The merchant's payable and balance (committed sub-balances of every partition), and the settlement account. */
async function loadPayoutAccounts(
  sql: SqlExecutor,
  merchantId: string,
  currency: string,
): Promise<PayoutAccounts> {
  const payableId = ledgerAccountId('merchant-payable', merchantId);
  const accounts = await loadAccounts(sql, [payableId, ledgerAccountId('settlement', currency)]);
  const payable = accounts.get(payableId) ?? null;
  const settlement = payable
    ? (accounts.get(ledgerAccountId('settlement', payable.currency)) ?? null)
    : null;
  const balances = await loadBalances(sql, payable ? [payable] : []);
  return { payable, settlement, payableBalance: payable ? (balances.get(payableId) ?? 0n) : 0n };
}
