import { type SqlExecutor, textColumn, textColumnSql, textColumnsSql } from '@settle/messaging';
import {
  type Account,
  type AccountPurpose,
  type AccountType,
  isDebitNormal,
  type OwnerKind,
} from '../../domain/accounts';
import { assert } from '../../domain/assert';
import { assertBalanced, type PostedEntry } from '../../domain/entry';
import { type ChainHead } from '../../domain/hash-chain';

/**
 * Raw SQL over the journal tables, on the connection of the caller's transaction. Writes are
 * set-based (one statement per table per batch) because settlement throughput is bounded by them.
 */

/**
 * Makes the caller the only writer of these partitions until its transaction ends, and returns their
 * heads. Locks are taken in ascending partition order, so two writers never deadlock.
 */
export async function lockPartitions(
  sql: SqlExecutor,
  partitions: Iterable<number>,
): Promise<Map<number, ChainHead>> {
  const sorted = [...new Set(partitions)].sort((a, b) => a - b);
  const { rows } = await sql.query<{ partition: number; last_sequence: string; last_hash: string }>(
    `SELECT partition, last_sequence::text, last_hash FROM ledger_partitions WHERE partition = ANY(${textColumnSql(1, 'int')}) ORDER BY partition FOR UPDATE`,
    [textColumn(sorted)],
  );
  assert(rows.length === sorted.length, 'every partition has a chain row');
  return new Map(
    rows.map((row) => [
      row.partition,
      { partition: row.partition, sequence: BigInt(row.last_sequence), hash: row.last_hash },
    ]),
  );
}

interface AccountRow extends Record<string, unknown> {
  account_id: string;
  purpose: AccountPurpose;
  type: AccountType;
  currency: string;
  owner_kind: OwnerKind;
  owner_id: string;
}

const toAccount = (row: AccountRow): Account => ({
  accountId: row.account_id,
  purpose: row.purpose,
  type: row.type,
  currency: row.currency,
  ownerKind: row.owner_kind,
  ownerId: row.owner_id,
});

export async function loadAccounts(
  sql: SqlExecutor,
  accountIds: Iterable<string>,
): Promise<Map<string, Account>> {
  const { rows } = await sql.query<AccountRow>(
    `SELECT account_id, purpose, type, currency, owner_kind, owner_id FROM ledger_accounts WHERE account_id = ANY(${textColumnSql(1)})`,
    [textColumn([...new Set(accountIds)])],
  );
  return new Map(rows.map((row) => [row.account_id, toAccount(row)]));
}

/** Inserts accounts that do not exist yet; an existing account is never changed (its currency is fixed). */
export async function openAccounts(
  sql: SqlExecutor,
  accounts: readonly Account[],
  openedAt: string,
): Promise<void> {
  if (accounts.length === 0) return;
  await sql.query(
    `INSERT INTO ledger_accounts (account_id, purpose, type, currency, owner_kind, owner_id, opened_at)
     SELECT *, $7::timestamptz FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
     ORDER BY 1 ON CONFLICT (account_id) DO NOTHING`,
    [
      accounts.map((account) => account.accountId),
      accounts.map((account) => account.purpose),
      accounts.map((account) => account.type),
      accounts.map((account) => account.currency),
      accounts.map((account) => account.ownerKind),
      accounts.map((account) => account.ownerId),
      openedAt,
    ],
  );
}

/** Normal-side balances (sum of sub-balances). Call after locking the partitions that hold them. */
export async function loadBalances(
  sql: SqlExecutor,
  accounts: readonly Account[],
): Promise<Map<string, bigint>> {
  const { rows } = await sql.query<{ account_id: string; net: string }>(
    `SELECT account_id, sum(debits - credits)::text AS net FROM ledger_balances WHERE account_id = ANY(${textColumnSql(1)}) GROUP BY account_id`,
    [textColumn(accounts.map((account) => account.accountId))],
  );
  const net = new Map(rows.map((row) => [row.account_id, BigInt(row.net)]));
  return new Map(
    accounts.map((account) => [
      account.accountId,
      normalBalance(account.type, net.get(account.accountId) ?? 0n),
    ]),
  );
}

export function normalBalance(type: AccountType, debitsMinusCredits: bigint): bigint {
  return isDebitNormal(type) ? debitsMinusCredits : -debitsMinusCredits;
}

/**
 * Appends entries (already chained, in chain order) with their postings, adds them to the
 * sub-balances and moves the chain heads. The caller holds the partitions' locks.
 */
export async function appendEntries(
  sql: SqlExecutor,
  entries: readonly PostedEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  for (const entry of entries) assertBalanced(entry.postings);
  await sql.query(
    `INSERT INTO ledger_entries (entry_id, partition, sequence, partition_key, kind, idempotency_key, transaction_id,
       original_entry_id, fee_schedule_version, previous_hash, hash, posted_at)
     SELECT * FROM unnest(${textColumnsSql(['text', 'int', 'bigint', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'timestamptz'])})`,
    [
      textColumn(entries.map((entry) => entry.entryId)),
      textColumn(entries.map((entry) => entry.partition)),
      textColumn(entries.map((entry) => entry.sequence)),
      textColumn(entries.map((entry) => entry.partitionKey)),
      textColumn(entries.map((entry) => entry.kind)),
      textColumn(entries.map((entry) => entry.idempotencyKey)),
      textColumn(entries.map((entry) => entry.transactionId)),
      textColumn(entries.map((entry) => entry.originalEntryId)),
      textColumn(entries.map((entry) => entry.feeScheduleVersion)),
      textColumn(entries.map((entry) => entry.previousHash)),
      textColumn(entries.map((entry) => entry.hash)),
      textColumn(entries.map((entry) => entry.postedAt)),
    ],
  );
  const postings = entries.flatMap((entry) =>
    entry.postings.map((posting, index) => ({ entry, posting, index })),
  );
  await sql.query(
    `INSERT INTO ledger_postings (entry_id, posting_index, account_id, partition, side, amount, currency, posted_at)
     SELECT * FROM unnest(${textColumnsSql(['text', 'smallint', 'text', 'int', 'text', 'bigint', 'text', 'timestamptz'])})`,
    [
      textColumn(postings.map(({ entry }) => entry.entryId)),
      textColumn(postings.map(({ index }) => index)),
      textColumn(postings.map(({ posting }) => posting.accountId)),
      textColumn(postings.map(({ entry }) => entry.partition)),
      textColumn(postings.map(({ posting }) => posting.side)),
      textColumn(postings.map(({ posting }) => posting.amount)),
      textColumn(postings.map(({ posting }) => posting.currency)),
      textColumn(postings.map(({ entry }) => entry.postedAt)),
    ],
  );
  await addToBalances(sql, entries);
  await moveHeads(sql, entries);
}

/** One upsert for all sub-balances the entries touch, in a fixed (account, partition) order. */
async function addToBalances(sql: SqlExecutor, entries: readonly PostedEntry[]): Promise<void> {
  const deltas = new Map<
    string,
    { accountId: string; partition: number; currency: string; debits: bigint; credits: bigint }
  >();
  for (const entry of entries) {
    for (const posting of entry.postings) {
      const key = `${posting.accountId}\u0000${entry.partition}`;
      const delta = deltas.get(key) ?? {
        accountId: posting.accountId,
        partition: entry.partition,
        currency: posting.currency,
        debits: 0n,
        credits: 0n,
      };
      if (posting.side === 'debit') delta.debits += posting.amount;
      else delta.credits += posting.amount;
      deltas.set(key, delta);
    }
  }
  const rows = [...deltas.values()].sort((a, b) =>
    a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : a.partition - b.partition,
  );
  await sql.query(
    `INSERT INTO ledger_balances AS balance (account_id, partition, currency, debits, credits)
     SELECT * FROM unnest(${textColumnsSql(['text', 'int', 'text', 'bigint', 'bigint'])})
     ON CONFLICT (account_id, partition) DO UPDATE
       SET debits = balance.debits + excluded.debits, credits = balance.credits + excluded.credits`,
    [
      textColumn(rows.map((row) => row.accountId)),
      textColumn(rows.map((row) => row.partition)),
      textColumn(rows.map((row) => row.currency)),
      textColumn(rows.map((row) => row.debits)),
      textColumn(rows.map((row) => row.credits)),
    ],
  );
}

async function moveHeads(sql: SqlExecutor, entries: readonly PostedEntry[]): Promise<void> {
  const heads = new Map<number, PostedEntry>();
  const firstSequences = new Map<number, bigint>();
  for (const entry of entries) {
    const previous = heads.get(entry.partition);
    assert(
      previous === undefined || previous.sequence + 1n === entry.sequence,
      'entries of a partition are appended in chain order',
    );
    heads.set(entry.partition, entry);
    if (!firstSequences.has(entry.partition)) firstSequences.set(entry.partition, entry.sequence);
  }
  const last = [...heads.values()].sort((a, b) => a.partition - b.partition);
  const { rowCount } = await sql.query(
    `UPDATE ledger_partitions AS chain SET last_sequence = head.sequence, last_hash = head.hash
     FROM unnest(${textColumnsSql(['int', 'bigint', 'text', 'bigint'])}) AS head(partition, sequence, hash, expected_previous)
     WHERE chain.partition = head.partition AND chain.last_sequence = head.expected_previous`,
    [
      textColumn(last.map((entry) => entry.partition)),
      textColumn(last.map((entry) => entry.sequence)),
      textColumn(last.map((entry) => entry.hash)),
      textColumn(last.map((entry) => (firstSequences.get(entry.partition) ?? 1n) - 1n)),
    ],
  );
  assert(
    rowCount === last.length,
    'every chain head moved from the head the entries were chained to',
  );
}
