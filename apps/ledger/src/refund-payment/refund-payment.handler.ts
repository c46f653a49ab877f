import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { inTransaction, Outbox, type SqlExecutor, type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, SQL_POOL } from '@settle/platform';
import { postAdminEntry } from '../adapters/post-admin-entry';
import { loadAccounts, loadBalances, lockPartitions } from '../adapters/postgres/journal-store';
import {
  type Gated,
  type KeyConflict,
  MakerChecker,
  type Movement,
  type MovementActors,
  movedAmount,
} from '../maker-checker/maker-checker';
import { ledgerAccountId } from '../domain/accounts';
import { assert } from '../domain/assert';
import { type Posting } from '../domain/entry';
import {
  decideRefundPayment,
  decideReversePayment,
  type OriginalPayment,
  type PriorRefund,
  type RefundPayment,
  type UndoResult,
} from './refund-payment.decider';

export type RefundRequest = Omit<RefundPayment, 'entryId' | 'now'>;

/**
 * Refunds and reversals of settled payments, each in one transaction: lock the payment's partition
 * (refunds, reversals and the payment share the wallet's chain, so earlier refunds are read under the
 * lock), decide, and — unless the maker–checker rules hold it for a checker — append the entry, its
 * events and who made it.
 */
@Injectable()
export class RefundPaymentHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly makerChecker: MakerChecker,
  ) {}

  refund(
    request: RefundRequest,
    actors: MovementActors,
    requestId: string,
  ): Promise<Gated<UndoResult | KeyConflict>> {
    return inTransaction(this.pool, (sql) => this.refundIn(sql, request, actors, requestId));
  }

  reverse(
    originalEntryId: string,
    actors: MovementActors,
    requestId: string,
  ): Promise<Gated<UndoResult | KeyConflict>> {
    return inTransaction(this.pool, (sql) =>
      this.reverseIn(sql, originalEntryId, actors, requestId),
    );
  }

  /** In the caller's transaction. With a checker (an approval being carried out) the gate is passed. */
  refundIn(
    sql: SqlExecutor,
    request: RefundRequest,
    actors: MovementActors,
    requestId: string,
  ): Promise<Gated<UndoResult | KeyConflict>> {
    const command = {
      clientKey: request.clientKey,
      originalEntryId: request.originalEntryId,
      amount: request.amount,
    };
    return this.undo(
      sql,
      { kind: 'refund', businessKey: request.clientKey, command },
      actors,
      requestId,
      async (now, original, walletBalance) =>
        decideRefundPayment(
          { ...request, entryId: randomUUID(), now },
          { prior: await priorRefund(sql, request.clientKey), original, walletBalance },
        ),
    );
  }

  /** In the caller's transaction, like {@link refundIn}. */
  reverseIn(
    sql: SqlExecutor,
    originalEntryId: string,
    actors: MovementActors,
    requestId: string,
  ): Promise<Gated<UndoResult | KeyConflict>> {
    return this.undo(
      sql,
      { kind: 'reversal', businessKey: originalEntryId, command: { originalEntryId } },
      actors,
      requestId,
      (now, original, walletBalance) =>
        Promise.resolve(
          decideReversePayment(
            { originalEntryId, entryId: randomUUID(), now },
            { original, walletBalance },
          ),
        ),
    );
  }

  private async undo(
    sql: SqlExecutor,
    asked: Pick<Movement, 'businessKey' | 'command'> & { readonly kind: 'refund' | 'reversal' },
    actors: MovementActors,
    requestId: string,
    decide: (
      now: string,
      original: OriginalPayment | null,
      walletBalance: bigint,
    ) => Promise<UndoResult>,
  ): Promise<Gated<UndoResult | KeyConflict>> {
    const originalEntryId = asked.command['originalEntryId']!;
    const now = this.clock.now().toISOString();
    // The entry's partition never changes, so it can be read before the lock.
    const { rows } = await sql.query<{ partition: number }>(
      `SELECT partition FROM ledger_entries WHERE entry_id = $1 AND kind = 'payment'`,
      [originalEntryId],
    );
    const partition = rows[0]?.partition;
    const heads = partition === undefined ? new Map() : await lockPartitions(sql, [partition]);
    const original =
      partition === undefined ? null : await loadOriginalPayment(sql, originalEntryId);
    const wallet = original
      ? ((await loadAccounts(sql, [original.walletAccountId])).get(original.walletAccountId) ??
        null)
      : null;
    const walletBalance = wallet
      ? ((await loadBalances(sql, [wallet])).get(wallet.accountId) ?? 0n)
      : 0n;
    const result = await decide(now, original, walletBalance);
    if (result.outcome !== 'posted') return result;
    assert(original !== null && partition !== undefined, 'only a found payment is undone');
    const movement = {
      ...asked,
      accountKey: original.consumerAccountId,
      amount: movedAmount(result.entry),
      currency: original.currency,
    };
    const held = await this.makerChecker.postUnlessHeld(sql, movement, actors, now, async () => {
      await postAdminEntry(sql, this.outbox, {
        head: heads.get(partition),
        draft: result.entry,
        overdraft: result.overdraft,
        wallet: {
          consumerAccountId: original.consumerAccountId,
          balance: result.walletBalanceAfter,
          currency: original.currency,
        },
        requestId,
        now,
      });
      return result.entry.entryId;
    });
    return held ?? result;
  }
}

/** A payment entry with its postings, its merchant, its refunds so far and its reversal. Call under the partition lock. */
async function loadOriginalPayment(
  sql: SqlExecutor,
  entryId: string,
): Promise<OriginalPayment | null> {
  const { rows } = await sql.query<{
    entry_id: string;
    transaction_id: string;
    partition_key: string;
    merchant_id: string;
    postings: Array<[string, Posting['side'], string, string]>;
    refunded: string;
    reversed_by: string | null;
  }>(
    `SELECT e.entry_id, e.transaction_id, e.partition_key, s.merchant_id,
            (SELECT json_agg(json_build_array(p.account_id, p.side, p.amount::text, p.currency) ORDER BY p.posting_index)
               FROM ledger_postings p WHERE p.entry_id = e.entry_id) AS postings,
            (SELECT coalesce(sum(p.amount), 0)::text FROM ledger_entries r JOIN ledger_postings p ON p.entry_id = r.entry_id AND p.posting_index = 0
              WHERE r.kind = 'refund' AND r.original_entry_id = e.entry_id) AS refunded,
            (SELECT r.entry_id FROM ledger_entries r WHERE r.kind = 'reversal' AND r.original_entry_id = e.entry_id) AS reversed_by
       FROM ledger_entries e JOIN ledger_settlements s ON s.transaction_id = e.transaction_id
      WHERE e.entry_id = $1 AND e.kind = 'payment'`,
    [entryId],
  );
  const row = rows[0];
  if (!row) return null;
  const postings = row.postings.map(([accountId, side, amount, currency]) => ({
    accountId,
    side,
    amount: BigInt(amount),
    currency,
  }));
  const walletAccountId = ledgerAccountId('wallet', row.partition_key);
  const debit = postings.find((posting) => posting.side === 'debit');
  assert(
    debit !== undefined &&
      debit.accountId === walletAccountId &&
      postings.filter((posting) => posting.side === 'debit').length === 1,
    'a payment debits only its wallet',
  );
  return {
    entryId: row.entry_id,
    transactionId: row.transaction_id,
    consumerAccountId: row.partition_key,
    postings,
    amount: debit.amount,
    currency: debit.currency,
    walletAccountId,
    payableAccountId: ledgerAccountId('merchant-payable', row.merchant_id),
    refundedSoFar: BigInt(row.refunded),
    reversedBy: row.reversed_by,
  };
}

async function priorRefund(sql: SqlExecutor, clientKey: string): Promise<PriorRefund> {
  const { rows } = await sql.query<{ entry_id: string; original_entry_id: string; amount: string }>(
    `SELECT e.entry_id, e.original_entry_id, p.amount::text FROM ledger_entries e
       JOIN ledger_postings p ON p.entry_id = e.entry_id AND p.posting_index = 0
      WHERE e.kind = 'refund' AND e.idempotency_key = $1`,
    [clientKey],
  );
  const row = rows[0];
  return row
    ? {
        kind: 'refunded',
        originalEntryId: row.original_entry_id,
        amount: BigInt(row.amount),
        entryId: row.entry_id,
      }
    : { kind: 'none' };
}
