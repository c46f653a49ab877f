import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { inTransaction, Outbox, type SqlExecutor, type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, SQL_POOL } from '@settle/platform';
import { postAdminEntry } from '../adapters/post-admin-entry';
import { loadAccounts, loadBalances, lockPartitions } from '../adapters/postgres/journal-store';
import { type Gated, type KeyConflict, MakerChecker, type Movement, type MovementActors } from '../maker-checker/maker-checker';
import { ledgerAccountId } from '../domain/accounts';
import { partitionOf } from '../domain/hash-chain';
import { decideFundWallet, type FundWallet, type FundWalletResult, type PriorFunding } from './fund-wallet.decider';

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

  fund(request: FundingRequest, actors: MovementActors, requestId: string): Promise<Gated<FundWalletResult | KeyConflict>> {
    return inTransaction(this.pool, (sql) => this.fundIn(sql, request, actors, requestId));
  }

  /** In the caller's transaction. With a checker (an approval being carried out) the gate is passed. */
  async fundIn(sql: SqlExecutor, request: FundingRequest, actors: MovementActors, requestId: string): Promise<Gated<FundWalletResult | KeyConflict>> {
    const now = this.clock.now().toISOString();
    const partition = partitionOf(request.consumerAccountId);
    const heads = await lockPartitions(sql, [partition]);
    const walletId = ledgerAccountId('wallet', request.consumerAccountId);
    const accounts = await loadAccounts(sql, [walletId, ledgerAccountId('funding', request.currency)]);
    const wallet = accounts.get(walletId) ?? null;
    const balances = await loadBalances(sql, wallet ? [wallet] : []);
    const result = decideFundWallet(
      { ...request, entryId: randomUUID(), now },
      { prior: await priorFunding(sql, request.clientKey), wallet, funding: accounts.get(ledgerAccountId('funding', request.currency)) ?? null, walletBalance: wallet ? (balances.get(walletId) ?? 0n) : 0n },
    );
    if (result.outcome !== 'posted') return result;
    const movement: Movement = {
      kind: 'funding',
      businessKey: request.clientKey,
      command: { clientKey: request.clientKey, consumerAccountId: request.consumerAccountId, amount: request.amount, currency: request.currency },
      accountKey: request.consumerAccountId,
      amount: result.amount,
      currency: request.currency,
    };
    const held = await this.makerChecker.postUnlessHeld(sql, movement, actors, now, async () => {
      await postAdminEntry(sql, this.outbox, {
        head: heads.get(partition),
        draft: result.entry,
        overdraft: result.overdraft,
        wallet: { consumerAccountId: request.consumerAccountId, balance: result.walletBalanceAfter, currency: request.currency },
        requestId,
        now,
      });
      return result.entry.entryId;
    });
    return held ?? result;
  }
}

async function priorFunding(sql: SqlExecutor, clientKey: string): Promise<PriorFunding> {
  const { rows } = await sql.query<{ entry_id: string; partition_key: string; amount: string; currency: string }>(
    `SELECT e.entry_id, e.partition_key, p.amount::text, p.currency FROM ledger_entries e
       JOIN ledger_postings p ON p.entry_id = e.entry_id AND p.posting_index = 1
      WHERE e.kind = 'funding' AND e.idempotency_key = $1`,
    [clientKey],
  );
  const row = rows[0];
  return row ? { kind: 'funded', consumerAccountId: row.partition_key, amount: BigInt(row.amount), currency: row.currency, entryId: row.entry_id } : { kind: 'none' };
}
