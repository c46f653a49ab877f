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
} from '../maker-checker/maker-checker';
import { ledgerAccountId } from '../domain/accounts';
import { assert } from '../domain/assert';
import { partitionOf } from '../domain/hash-chain';
import {
  decideFundWallet,
  type FundWallet,
  type FundWalletResult,
  type PriorFunding,
} from './fund-wallet.decider';

export type FundingRequest = Omit<FundWallet, 'entryId' | 'now'>;

/**
 * Tops up a wallet in one transaction: lock its partition, decide, and — unless the maker–checker
 * rules hold it for a checker — append the entry, its events and who made it.
 */
@Injectable()
export class FundWalletHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly makerChecker: MakerChecker,
  ) {}

  fund(
    request: FundingRequest,
    actors: MovementActors,
    requestId: string,
  ): Promise<Gated<FundWalletResult | KeyConflict>> {
    return inTransaction(this.pool, (sql) => this.fundIn(sql, request, actors, requestId));
  }

  /** In the caller's transaction. With a checker (an approval being carried out) the gate is passed. */
  async fundIn(
    sql: SqlExecutor,
    request: FundingRequest,
    actors: MovementActors,
    requestId: string,
  ): Promise<Gated<FundWalletResult | KeyConflict>> {
    const now = this.clock.now().toISOString();
    const partition = partitionOf(request.consumerAccountId);
    const heads = await lockPartitions(sql, [partition]);
    const walletId = ledgerAccountId('wallet', request.consumerAccountId);
    const accounts = await loadAccounts(sql, [
      walletId,
      ledgerAccountId('funding', request.currency),
    ]);
    const wallet = accounts.get(walletId) ?? null;
    const balances = await loadBalances(sql, wallet ? [wallet] : []);
    const result = decideFundWallet(
      { ...request, entryId: randomUUID(), now },
      {
        prior: await priorFunding(sql, request.clientKey),
        wallet,
        funding: accounts.get(ledgerAccountId('funding', request.currency)) ?? null,
        walletBalance: wallet ? (balances.get(walletId) ?? 0n) : 0n,
        // Read under the partition lock: a concurrent funding of this account waits, then finds this one's reference.
        referenceCreditedBy: await referenceCreditedBy(
          sql,
          request.consumerAccountId,
          request.externalReference,
        ),
        referenceHeldBy: await referenceHeldBy(sql, request),
      },
    );
    if (result.outcome !== 'posted') return result;
    const movement: Movement = {
      kind: 'funding',
      businessKey: request.clientKey,
      // A held funding keeps its reference: the approval replays it, and the check runs again then.
      command: {
        clientKey: request.clientKey,
        consumerAccountId: request.consumerAccountId,
        amount: request.amount,
        currency: request.currency,
        externalReference: request.externalReference,
      },
      accountKey: request.consumerAccountId,
      amount: result.amount,
      currency: request.currency,
    };
    const held = await this.makerChecker.postUnlessHeld(sql, movement, actors, now, async () => {
      await postAdminEntry(sql, this.outbox, {
        head: heads.get(partition),
        draft: result.entry,
        overdraft: result.overdraft,
        wallet: {
          consumerAccountId: request.consumerAccountId,
          balance: result.walletBalanceAfter,
          currency: request.currency,
        },
        requestId,
        now,
      });
      await recordReference(sql, request, result.entry.entryId);
      return result.entry.entryId;
    });
    return held ?? result;
  }
}

async function priorFunding(sql: SqlExecutor, clientKey: string): Promise<PriorFunding> {
  const { rows } = await sql.query<{
    entry_id: string;
    partition_key: string;
    amount: string;
    currency: string;
    external_reference: string | null;
  }>(
    `SELECT e.entry_id, e.partition_key, p.amount::text, p.currency, r.external_reference FROM ledger_entries e
       JOIN ledger_postings p ON p.entry_id = e.entry_id AND p.posting_index = 1
       LEFT JOIN ledger_funding_references r ON r.entry_id = e.entry_id
      WHERE e.kind = 'funding' AND e.idempotency_key = $1`,
    [clientKey],
  );
  const row = rows[0];
  return row
    ? {
        kind: 'funded',
        consumerAccountId: row.partition_key,
        amount: BigInt(row.amount),
        currency: row.currency,
        externalReference: row.external_reference,
        entryId: row.entry_id,
      }
    : { kind: 'none' };
}

/** The funding entry that credited this bank transfer reference to the account, if any (compared without case, like the unique index). */
async function referenceCreditedBy(
  sql: SqlExecutor,
  consumerAccountId: string,
  externalReference: string,
): Promise<string | null> {
  const { rows } = await sql.query<{ entry_id: string }>(
    'SELECT entry_id FROM ledger_funding_references WHERE consumer_account_id = $1 AND lower(external_reference) = lower($2)',
    [consumerAccountId, externalReference],
  );
  return rows[0]?.entry_id ?? null;
}

/**
 * A pending funding approval for the same reference to the account under another client key (the
 * request's own approval, being carried out, has its key), compared without case. Read under the
 * account's partition lock, which the held funding also took: two requests cannot both miss it.
 */
async function referenceHeldBy(sql: SqlExecutor, request: FundingRequest): Promise<string | null> {
  const { rows } = await sql.query<{ approval_id: string }>(
    `SELECT approval_id FROM ledger_approvals
      WHERE kind = 'funding' AND status = 'pending' AND business_key <> $3
        AND command->>'consumerAccountId' = $1 AND lower(command->>'externalReference') = lower($2)
      LIMIT 1`,
    [request.consumerAccountId, request.externalReference, request.clientKey],
  );
  return rows[0]?.approval_id ?? null;
}

/**
 * Records the reference a funding credited, in the transaction that posts it. The unique index on
 * (account, lower(reference)) refuses a second one even if a check above were ever skipped.
 */
async function recordReference(
  sql: SqlExecutor,
  request: FundingRequest,
  entryId: string,
): Promise<void> {
  const { rowCount } = await sql.query(
    'INSERT INTO ledger_funding_references (consumer_account_id, external_reference, entry_id) VALUES ($1, $2, $3)',
    [request.consumerAccountId, request.externalReference, entryId],
  );
  assert(rowCount === 1, 'a posted funding records its reference');
}
