import { type SqlExecutor } from '@settle/messaging';
import { assert } from '../domain/assert';
import { type Posting, type PostedEntry } from '../domain/entry';
import {
  type ChainBreak,
  type ChainHead,
  genesisHash,
  genesisHead,
  ledgerPartitionCount,
  verifyChain,
} from '../domain/hash-chain';
import { canonicalPostingSql, entryHashSql } from './canonical-encoding-sql';

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
  readonly balanceMismatches: ReadonlyArray<{
    accountId: string;
    partition: number;
    live: { debits: string; credits: string };
    rebuilt: { debits: string; credits: string };
  }>;
  readonly balanceMismatchCount: number;
  /** Accounts whose postings are in more than one currency: none in a sound ledger. */
  readonly accountsWithSeveralCurrencies: number;
  /** Debits and credits per currency over every posting: equal in a sound ledger. */
  readonly trialBalance: ReadonlyArray<{
    currency: string;
    debits: string;
    credits: string;
    balanced: boolean;
  }>;
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
  postings: row.postings.map(([accountId, side, amount, currency]) => ({
    accountId,
    side,
    amount: BigInt(amount),
    currency,
  })),
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
async function walkJournal(
  sql: SqlExecutor,
  onVerified: (entry: PostedEntry) => void,
): Promise<VerifyChainReport> {
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
        const expected =
          checked.break.code === 'SEQUENCE_GAP' ? checked.break.expected.toString() : null;
        breaks.set(row.partition, {
          partition: row.partition,
          code: checked.break.code,
          sequence: checked.break.sequence.toString(),
          expected,
        });
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
  return {
    ok: breaks.size === 0,
    entriesVerified,
    partitionsWithEntries,
    breaks: sortedBreaks.slice(0, reportedMismatchesMax),
    brokenPartitions: breaks.size,
  };
}

/** verify-chain: every partition's hash chain from genesis; reports each partition's first broken link. */
export function verifyJournalChains(sql: SqlExecutor): Promise<VerifyChainReport> {
  return walkJournal(sql, () => undefined);
}

/**
 * Rebuild, set-based in PostgreSQL: recomputes every entry's hash from its row and postings
 * (`entryHashSql`, the canonical encoding in SQL) and checks each link against the one before it in
 * its partition (window functions), which gives each partition's first broken link, as verify-chain
 * does; then sums the postings of the entries before that link into sub-balances, takes the last of
 * them as the head, and compares heads, every sub-balance row, and debits = credits per currency with
 * the live projections. Changes nothing; run it in one REPEATABLE READ snapshot.
 *
 * A walk in TypeScript (verify-chain, the domain's `verifyChain`) reads every entry and its postings
 * over the wire and hashes one at a time; here only the differences leave the database (measured in
 * bench/results/ledger.md). verify-chain stays the domain's walk, so the encoding's two
 * implementations check each other, and check-journal.int-spec pins them byte for byte.
 */
export async function rebuildAndCompare(sql: SqlExecutor): Promise<RebuildReport> {
  // A plan this size crosses jit_above_cost, and compiling it costs more than running it; parallel
  // workers would each build the same hash tables on a machine whose cores serve settlement too.
  await sql.query('SET LOCAL jit = off');
  await sql.query('SET LOCAL max_parallel_workers_per_gather = 0');
  // Hash aggregates over every posting instead of sorting them (a few MiB per 100 000 entries).
  await sql.query(`SET LOCAL work_mem = '64MB'`);
  const { rows } = await sql.query<{ report: SqlRebuild }>(rebuildSql, [
    genesisHash,
    reportedMismatchesMax,
  ]);
  const found = rows[0]?.report;
  assert(
    found !== undefined && found.livePartitions === ledgerPartitionCount,
    'every partition has a chain row',
  );
  const breaks = (found.breaks ?? []).map((row) => ({
    ...row,
    expected: row.code === 'SEQUENCE_GAP' ? row.expected : null,
  }));
  const chain: VerifyChainReport = {
    ok: found.brokenPartitions === 0,
    entriesVerified: found.verified,
    partitionsWithEntries: found.partitions,
    breaks,
    brokenPartitions: found.brokenPartitions,
  };
  const trialBalance = (found.trialBalance ?? []).map((row) => ({
    ...row,
    balanced: row.debits === row.credits,
  }));
  assert(breaks.length <= reportedMismatchesMax && found.verified >= 0, 'the report is bounded');
  return {
    consistent:
      chain.ok &&
      found.headMismatchCount === 0 &&
      found.balanceMismatchCount === 0 &&
      found.currencyConflicts === 0 &&
      trialBalance.every((currency) => currency.balanced),
    entriesApplied: found.verified,
    chain,
    headMismatches: found.headMismatches ?? [],
    headMismatchCount: found.headMismatchCount,
    balanceMismatches: found.balanceMismatches ?? [],
    balanceMismatchCount: found.balanceMismatchCount,
    accountsWithSeveralCurrencies: found.currencyConflicts,
    trialBalance,
  };
}

/** What `rebuildSql` returns (json_agg of no rows is null). */
interface SqlRebuild {
  readonly livePartitions: number;
  readonly partitions: number;
  readonly verified: number;
  readonly brokenPartitions: number;
  readonly breaks: Array<{
    partition: number;
    code: ChainBreak['code'];
    sequence: string;
    expected: string;
  }> | null;
  readonly headMismatches: RebuildReport['headMismatches'] | null;
  readonly headMismatchCount: number;
  readonly balanceMismatches: RebuildReport['balanceMismatches'] | null;
  readonly balanceMismatchCount: number;
  readonly currencyConflicts: number;
  readonly trialBalance: Array<{ currency: string; debits: string; credits: string }> | null;
}

/**
 * The whole rebuild in one statement ($1 the genesis hash, $2 the report's list limit):
 * - `chain`: each entry's recomputed hash (its postings joined in posting order) next to the
 *   sequence and hash of the entry before it in its partition;
 * - `breaks`: each partition's first broken link, checked in verifyChain's order (sequence,
 *   previous hash, hash); `verified`: the entries before it;
 * - `rebuilt`: sub-balances of the verified entries in the entry's partition (not the posting row's
 *   copy of it), as applyPostedEntry sums them; `heads`: the last verified entry of each partition;
 * - the differences from the live `ledger_partitions` and `ledger_balances`, and the trial balance.
 */
const rebuildSql = `
  WITH postings AS (
    SELECT entry_id, string_agg(${canonicalPostingSql('posting')}, ',' ORDER BY posting_index) AS encoded FROM ledger_postings AS posting GROUP BY entry_id
  ), chain AS (
    SELECT e.entry_id, e.partition, e.sequence, e.previous_hash, e.hash, ${entryHashSql('e', 'p.encoded')} AS computed,
           coalesce(lag(e.sequence) OVER w, 0) + 1 AS expected, coalesce(lag(e.hash) OVER w, $1) AS linked_hash
      FROM ledger_entries e LEFT JOIN postings p USING (entry_id)
    WINDOW w AS (PARTITION BY e.partition ORDER BY e.sequence)
  ), breaks AS (
    SELECT DISTINCT ON (partition) partition, sequence, expected,
           CASE WHEN sequence <> expected THEN 'SEQUENCE_GAP' WHEN previous_hash <> linked_hash THEN 'PREVIOUS_HASH_MISMATCH' ELSE 'HASH_MISMATCH' END AS code
      FROM chain WHERE sequence <> expected OR previous_hash <> linked_hash OR computed IS DISTINCT FROM hash
     ORDER BY partition, sequence
  ), verified AS (
    SELECT c.entry_id, c.partition, c.sequence, c.hash FROM chain c LEFT JOIN breaks b USING (partition)
     WHERE b.sequence IS NULL OR c.sequence < b.sequence
  ), heads AS (
    SELECT DISTINCT ON (partition) partition, sequence, hash FROM verified ORDER BY partition, sequence DESC
  ), rebuilt AS (
    SELECT p.account_id, e.partition, min(p.currency) AS currency,
           coalesce(sum(p.amount) FILTER (WHERE p.side = 'debit'), 0) AS debits, coalesce(sum(p.amount) FILTER (WHERE p.side = 'credit'), 0) AS credits
      FROM ledger_postings p JOIN ledger_entries e USING (entry_id) LEFT JOIN breaks b ON b.partition = e.partition
     WHERE b.sequence IS NULL OR e.sequence < b.sequence
     GROUP BY p.account_id, e.partition
  ), head_mismatches AS (
    SELECT partition, l.last_sequence, l.last_hash, coalesce(h.sequence, 0) AS rebuilt_sequence, coalesce(h.hash, $1) AS rebuilt_hash
      FROM ledger_partitions l LEFT JOIN heads h USING (partition)
     WHERE l.last_sequence <> coalesce(h.sequence, 0) OR l.last_hash <> coalesce(h.hash, $1)
  ), balance_mismatches AS (
    SELECT account_id, partition, coalesce(l.debits, 0) AS live_debits, coalesce(l.credits, 0) AS live_credits,
           coalesce(r.debits, 0) AS rebuilt_debits, coalesce(r.credits, 0) AS rebuilt_credits
      FROM ledger_balances l FULL JOIN rebuilt r USING (account_id, partition)
     WHERE coalesce(l.debits, 0) <> coalesce(r.debits, 0) OR coalesce(l.credits, 0) <> coalesce(r.credits, 0)
  )
  SELECT json_build_object(
    'livePartitions', (SELECT count(*) FROM ledger_partitions),
    'partitions', (SELECT count(DISTINCT partition) FROM chain),
    'verified', (SELECT count(*) FROM verified),
    'brokenPartitions', (SELECT count(*) FROM breaks),
    'breaks', (SELECT json_agg(json_build_object('partition', partition, 'code', code, 'sequence', sequence::text, 'expected', expected::text) ORDER BY partition)
                 FROM (SELECT * FROM breaks ORDER BY partition LIMIT $2) AS listed),
    'headMismatchCount', (SELECT count(*) FROM head_mismatches),
    'headMismatches', (SELECT json_agg(json_build_object('partition', partition,
                          'live', json_build_object('sequence', last_sequence::text, 'hash', last_hash),
                          'rebuilt', json_build_object('sequence', rebuilt_sequence::text, 'hash', rebuilt_hash)) ORDER BY partition)
                         FROM (SELECT * FROM head_mismatches ORDER BY partition LIMIT $2) AS listed),
    'balanceMismatchCount', (SELECT count(*) FROM balance_mismatches),
    'balanceMismatches', (SELECT json_agg(json_build_object('accountId', account_id, 'partition', partition,
                             'live', json_build_object('debits', live_debits::text, 'credits', live_credits::text),
                             'rebuilt', json_build_object('debits', rebuilt_debits::text, 'credits', rebuilt_credits::text)) ORDER BY account_id COLLATE "C", partition)
                            FROM (SELECT * FROM balance_mismatches ORDER BY account_id COLLATE "C", partition LIMIT $2) AS listed),
    'currencyConflicts', (SELECT count(*) FROM (SELECT account_id FROM rebuilt GROUP BY account_id HAVING count(DISTINCT currency) > 1) AS conflicts),
    'trialBalance', (SELECT json_agg(json_build_object('currency', currency, 'debits', debits::text, 'credits', credits::text) ORDER BY currency COLLATE "C")
                       FROM (SELECT currency, sum(debits) AS debits, sum(credits) AS credits FROM rebuilt GROUP BY currency) AS totals)
  ) AS report`;
