import { type SqlExecutor } from '@settle/messaging';
import { assert } from '../domain/assert';
import { type Posting, type PostedEntry } from '../domain/entry';
import { type ChainBreak, type ChainHead, genesisHead, ledgerPartitionCount, verifyChain } from '../domain/hash-chain';
import { applyPostedEntry, emptyProjection, type JournalProjection } from '../domain/journal';

/** Entries read per query while walking the journal (keyset pages in (partition, sequence) order). */
export const journalPageSizeEntries = 5_000;
/** A report lists at most this many mismatches of each kind (the counts are always complete). */
export const reportedMismatchesMax = 100;

export interface PartitionBreak {
  readonly partition: number;
  readonly code: ChainBreak['code'];
  readonly sequence: string;
  readonly expected: string | null;
}

export interface VerifyChainReport {
  readonly ok: boolean;
  readonly entriesVerified: number;
  readonly partitionsWithEntries: number;
  /** The first broken link of each broken partition; later entries of that partition are not checked. */
  readonly breaks: readonly PartitionBreak[];
  readonly brokenPartitions: number;
}

interface HeadView {
  readonly sequence: string;
  readonly hash: string;
}

export interface RebuildReport {
  readonly consistent: boolean;
  readonly entriesApplied: number;
  readonly chain: VerifyChainReport;
  readonly headMismatches: ReadonlyArray<{ partition: number; live: HeadView; rebuilt: HeadView }>;
  readonly headMismatchCount: number;
  readonly balanceMismatches: ReadonlyArray<{ accountId: string; partition: number; live: { debits: string; credits: string }; rebuilt: { debits: string; credits: string } }>;
  readonly balanceMismatchCount: number;
  /** Debits and credits per currency over every posting: equal in a sound ledger. */
  readonly trialBalance: ReadonlyArray<{ currency: string; debits: string; credits: string; balanced: boolean }>;
}

interface EntryRow extends Record<string, unknown> {
  entry_id: string;
  partition: number;
  sequence: string;
  partition_key: string;
  kind: PostedEntry['kind'];
  idempotency_key: string;
  transaction_id: string | null;
  original_entry_id: string | null;
  fee_schedule_version: string | null;
  previous_hash: string;
  hash: string;
  posted_at: Date;
  postings: Array<[string, Posting['side'], string, string]>;
}

const toEntry = (row: EntryRow): PostedEntry => ({
  entryId: row.entry_id,
  partition: row.partition,
  sequence: BigInt(row.sequence),
  partitionKey: row.partition_key,
  kind: row.kind,
  idempotencyKey: row.idempotency_key,
  transactionId: row.transaction_id,
  originalEntryId: row.original_entry_id,
  postings: row.postings.map(([accountId, side, amount, currency]) => ({ accountId, side, amount: BigInt(amount), currency })),
  feeScheduleVersion: row.fee_schedule_version,
  postedAt: row.posted_at.toISOString(),
  previousHash: row.previous_hash,
  hash: row.hash,
});

/**
 * Walks every partition's chain from genesis in (partition, sequence) order, recomputing each hash,
 * and hands each entry that verifies to `onVerified`. A partition stops at its first broken link.
 * Run it in a REPEATABLE READ transaction so the walk sees one snapshot while writers continue.
 */
async function walkJournal(sql: SqlExecutor, onVerified: (entry: PostedEntry) => void): Promise<VerifyChainReport> {
  const heads = new Map<number, ChainHead>();
  const breaks = new Map<number, PartitionBreak>();
  let entriesVerified = 0;
  let after = { partition: -1, sequence: '0' };
  for (;;) {
    const { rows } = await sql.query<EntryRow>(
      `SELECT e.entry_id, e.partition, e.sequence::text, e.partition_key, e.kind, e.idempotency_key, e.transaction_id, e.original_entry_id,
              e.fee_schedule_version, e.previous_hash, e.hash, e.posted_at,
              (SELECT json_agg(json_build_array(p.account_id, p.side, p.amount::text, p.currency) ORDER BY p.posting_index)
                 FROM ledger_postings p WHERE p.entry_id = e.entry_id) AS postings
         FROM ledger_entries e WHERE (e.partition, e.sequence) > ($1::int, $2::bigint)
        ORDER BY e.partition, e.sequence LIMIT $3`,
      [after.partition, after.sequence, journalPageSizeEntries],
    );
    for (const row of rows) {
      if (breaks.has(row.partition)) continue;
      const entry = toEntry({ ...row, postings: row.postings ?? [] });
      const checked = verifyChain([entry], heads.get(row.partition) ?? genesisHead(row.partition));
      if (!checked.ok) {
        const expected = checked.break.code === 'SEQUENCE_GAP' ? checked.break.expected.toString() : null;
        breaks.set(row.partition, { partition: row.partition, code: checked.break.code, sequence: checked.break.sequence.toString(), expected });
        continue;
      }
      heads.set(row.partition, checked.head);
      entriesVerified += 1;
      onVerified(entry);
    }
    const last = rows[rows.length - 1];
    if (!last || rows.length < journalPageSizeEntries) break;
    after = { partition: last.partition, sequence: last.sequence };
  }
  const sortedBreaks = [...breaks.values()].sort((a, b) => a.partition - b.partition);
  const partitionsWithEntries = new Set([...heads.keys(), ...breaks.keys()]).size;
  return { ok: breaks.size === 0, entriesVerified, partitionsWithEntries, breaks: sortedBreaks.slice(0, reportedMismatchesMax), brokenPartitions: breaks.size };
}

/** verify-chain: every partition's hash chain from genesis; reports each partition's first broken link. */
export function verifyJournalChains(sql: SqlExecutor): Promise<VerifyChainReport> {
  return walkJournal(sql, () => undefined);
}

/**
 * Rebuild: replays the verified journal through the domain's evolve step (`applyPostedEntry`) into a
 * fresh in-memory projection, then compares it with the live projections: chain heads of all
 * partitions, every sub-balance row, and debits = credits per currency. Changes nothing.
 */
export async function rebuildAndCompare(sql: SqlExecutor): Promise<RebuildReport> {
  const projection = emptyProjection();
  let entriesApplied = 0;
  const chain = await walkJournal(sql, (entry) => {
    applyPostedEntry(projection, entry);
    entriesApplied += 1;
  });
  const heads = await compareHeads(sql, projection);
  const balances = await compareBalances(sql, projection);
  const trialBalance = trialBalanceOf(projection);
  assert(entriesApplied === chain.entriesVerified, 'every verified entry was applied');
  return {
    consistent: chain.ok && heads.count === 0 && balances.count === 0 && trialBalance.every((currency) => currency.balanced),
    entriesApplied,
    chain,
    headMismatches: heads.mismatches,
    headMismatchCount: heads.count,
    balanceMismatches: balances.mismatches,
    balanceMismatchCount: balances.count,
    trialBalance,
  };
}

async function compareHeads(sql: SqlExecutor, projection: JournalProjection) {
  const { rows } = await sql.query<{ partition: number; last_sequence: string; last_hash: string }>(
    'SELECT partition, last_sequence::text, last_hash FROM ledger_partitions ORDER BY partition',
  );
  assert(rows.length === ledgerPartitionCount, 'every partition has a chain row');
  const mismatches: Array<{ partition: number; live: HeadView; rebuilt: HeadView }> = [];
  let count = 0;
  for (const row of rows) {
    const rebuilt = projection.heads.get(row.partition) ?? genesisHead(row.partition);
    if (rebuilt.sequence.toString() === row.last_sequence && rebuilt.hash === row.last_hash) continue;
    count += 1;
    if (mismatches.length < reportedMismatchesMax) {
      mismatches.push({ partition: row.partition, live: { sequence: row.last_sequence, hash: row.last_hash }, rebuilt: { sequence: rebuilt.sequence.toString(), hash: rebuilt.hash } });
    }
  }
  return { mismatches, count };
}

async function compareBalances(sql: SqlExecutor, projection: JournalProjection) {
  const { rows } = await sql.query<{ account_id: string; partition: number; debits: string; credits: string }>(
    'SELECT account_id, partition, debits::text, credits::text FROM ledger_balances ORDER BY account_id, partition',
  );
  const live = new Map(rows.map((row) => [`${row.account_id}\u0000${row.partition}`, row]));
  const keys = new Set(live.keys());
  for (const [accountId, byPartition] of projection.balances) for (const partition of byPartition.keys()) keys.add(`${accountId}\u0000${partition}`);
  const mismatches: RebuildReport['balanceMismatches'][number][] = [];
  let count = 0;
  for (const key of [...keys].sort()) {
    const [accountId, partitionText] = key.split('\u0000') as [string, string];
    const partition = Number(partitionText);
    const liveRow = live.get(key);
    const rebuilt = projection.balances.get(accountId)?.get(partition) ?? { debits: 0n, credits: 0n };
    const liveDebits = liveRow?.debits ?? '0';
    const liveCredits = liveRow?.credits ?? '0';
    if (liveDebits === rebuilt.debits.toString() && liveCredits === rebuilt.credits.toString()) continue;
    count += 1;
    if (mismatches.length < reportedMismatchesMax) {
      mismatches.push({ accountId, partition, live: { debits: liveDebits, credits: liveCredits }, rebuilt: { debits: rebuilt.debits.toString(), credits: rebuilt.credits.toString() } });
    }
  }
  return { mismatches, count };
}

function trialBalanceOf(projection: JournalProjection): RebuildReport['trialBalance'] {
  const totals = new Map<string, { debits: bigint; credits: bigint }>();
  for (const [accountId, byPartition] of projection.balances) {
    const currency = projection.currencies.get(accountId);
    assert(currency !== undefined, 'every account with postings has a currency');
    const total = totals.get(currency) ?? { debits: 0n, credits: 0n };
    for (const sub of byPartition.values()) {
      total.debits += sub.debits;
      total.credits += sub.credits;
    }
    totals.set(currency, total);
  }
  return [...totals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, total]) => ({ currency, debits: total.debits.toString(), credits: total.credits.toString(), balanced: total.debits === total.credits }));
}
