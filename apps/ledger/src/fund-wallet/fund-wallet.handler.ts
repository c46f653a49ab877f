import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { inTransaction, Outbox, type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, SQL_POOL } from '@settle/platform';
import { postAdminEntry } from '../adapters/post-admin-entry';
import { loadAccounts, loadBalances, lockPartitions } from '../adapters/postgres/journal-store';
import { ledgerAccountId } from '../domain/accounts';
import { partitionOf } from '../domain/hash-chain';
import { decideFundWallet, type FundWallet, type FundWalletResult, type PriorFunding } from './fund-wallet.decider';

/** Tops up a wallet in one transaction: lock its partition, decide, append the entry and its events. */
@Injectable()
export class FundWalletHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  fund(request: Omit<FundWallet, 'entryId' | 'now'>, requestId: string | null): Promise<FundWalletResult> {
    return inTransaction(this.pool, async (sql) => {
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
      await postAdminEntry(sql, this.outbox, {
        head: heads.get(partition),
        draft: result.entry,
        overdraft: result.overdraft,
        wallet: { consumerAccountId: request.consumerAccountId, balance: result.walletBalanceAfter, currency: request.currency },
        requestId,
        now,
      });
      return result;
    });
  }
}

async function priorFunding(sql: Parameters<Parameters<typeof inTransaction>[1]>[0], clientKey: string): Promise<PriorFunding> {
  const { rows } = await sql.query<{ entry_id: string; partition_key: string; amount: string; currency: string }>(
    `SELECT e.entry_id, e.partition_key, p.amount::text, p.currency FROM ledger_entries e
       JOIN ledger_postings p ON p.entry_id = e.entry_id AND p.posting_index = 1
      WHERE e.kind = 'funding' AND e.idempotency_key = $1`,
    [clientKey],
  );
  const row = rows[0];
  return row ? { kind: 'funded', consumerAccountId: row.partition_key, amount: BigInt(row.amount), currency: row.currency, entryId: row.entry_id } : { kind: 'none' };
}
