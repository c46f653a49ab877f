// Issue 14, "cost that grows with history": the latency of a point-in-time balance (`?asOf=`) and of
// a merchant statement's opening balance (both date bases) for one account with 10^5, 10^6 and 10^7
// postings, read through the balance checkpoints (apps/ledger/src/balance-checkpoints) next to the
// full sum over the account's postings that the ledger computed before (the baseline), in the same
// run on the same data. The history is built in SQL (generate_series into the real tables of a
// throwaway database, the ledger's migrations and triggers), extended backwards at a fixed rate, so
// the recent hour — what a reader adds to a checkpoint — is the same at every size and only the
// history grows. Run with `npm run bench -- ledger-history`; BENCH_HISTORY_SIZES=100000,1000000
// chooses the sizes (postings of the measured account).
import path from 'node:path';
import { Pool } from 'pg';
import { applySqlFiles, createTestDatabase } from '@settle/test-support';
import {
  checkpointCommitMarginMs,
  netBefore,
  netPostedThrough,
} from '../apps/ledger/src/balance-checkpoints/balance-checkpoints';
import {
  checkpointBoundary,
  writeBalanceCheckpoints,
} from '../apps/ledger/src/balance-checkpoints/write-balance-checkpoints';
import { figure, type Figure } from './report/figures';
import { writeResults } from './results';

const sizes = (process.env.BENCH_HISTORY_SIZES ?? '100000,1000000,10000000').split(',').map(Number);
/** Postings of the measured account per entry (31 credits of the payable, one debit of a wallet). */
const payablePostingsPerEntry = 31;
/** Entries per hour: the rate the history is laid out at (3 100 postings of the account an hour). */
const entriesPerHour = 100;
const entrySpacingMs = 3_600_000 / entriesPerHour;
/** Entries inserted per statement (the balance trigger aggregates each statement's rows). */
const entriesPerInsert = 20_000;
/** The history ends here; "now" for the checkpoint writer is a little later. */
const historyEnd = Date.parse('2026-06-01T12:30:00.000Z');
const now = new Date(historyEnd + 20 * 60_000);
const payable = 'payable_mer_history';
const wallet = 'wallet_acc_history';
const checkpointedRepetitions = 60;
/** The full sums take seconds at 10^7: fewer repetitions (p99 is then the slowest). */
const fullSumRepetitionsFor = (size: number) =>
  size >= 10_000_000 ? 5 : size >= 1_000_000 ? 15 : 40;

const fullSums = {
  asOf: `SELECT sum(CASE side WHEN 'debit' THEN amount ELSE -amount END)::text AS net FROM ledger_postings WHERE account_id = $1 AND posted_at <= $2::timestamptz`,
  opening: (
    time: string,
  ) => `SELECT sum(CASE p.side WHEN 'credit' THEN p.amount ELSE -p.amount END)::text AS net
       FROM ledger_postings p JOIN ledger_entries e ON e.entry_id = p.entry_id
       LEFT JOIN ledger_settlements s ON e.kind = 'payment' AND s.transaction_id = e.transaction_id AND s.entry_id = e.entry_id
      WHERE p.account_id = $1 AND ${time} < $2`,
};

/**
 * Entries [from, to) counted back from the end of the history: entry k is posted at historyEnd −
 * (k + 1) × spacing, is a payment of 31 × (100 + k mod 1000) approved 0–96 minutes earlier (one in 50
 * two days earlier: uploaded late), credited to the payable in 31 postings and debited to a wallet.
 */
async function insertEntries(pool: Pool, from: number, to: number): Promise<void> {
  const values = [from, to, historyEnd, entrySpacingMs, payable, wallet, payablePostingsPerEntry];
  const series = `SELECT k, to_timestamp(($3::bigint - (k + 1) * $4::bigint) / 1000.0) AS posted_at, 100 + k % 1000 AS amount FROM generate_series($1::bigint, $2::bigint - 1) AS k`;
  await pool.query(
    `INSERT INTO ledger_entries (entry_id, partition, sequence, partition_key, kind, idempotency_key, transaction_id, previous_hash, hash, posted_at)
     SELECT 'he' || k, k % 1024, k / 1024 + 1, 'history', 'payment', 'he' || k, 'txn_he' || k, repeat('0', 64), repeat('0', 64), posted_at
       FROM (${series}) AS entries`,
    values.slice(0, 4),
  );
  await pool.query(
    `INSERT INTO ledger_postings (entry_id, posting_index, account_id, partition, side, amount, currency, posted_at)
     SELECT 'he' || k, i, CASE WHEN i < $7 THEN $5 ELSE $6 END, k % 1024, CASE WHEN i < $7 THEN 'credit' ELSE 'debit' END,
            CASE WHEN i < $7 THEN amount ELSE amount * $7 END, 'EUR', posted_at
       FROM (${series}) AS entries CROSS JOIN generate_series(0, $7::int) AS i`,
    values,
  );
  await pool.query(
    `INSERT INTO ledger_settlements (transaction_id, consumer_account_id, merchant_id, amount, currency, status, fee, merchant_amount, entry_id, decided_at, approved_at)
     SELECT 'txn_he' || k, 'acc_history', 'mer_history', amount * $5, 'EUR', 'settled', 0, amount * $5, 'he' || k, posted_at,
            posted_at - CASE WHEN k % 50 = 0 THEN interval '2 days' ELSE (k % 97) * interval '1 minute' END
       FROM (${series}) AS entries`,
    [...values.slice(0, 4), payablePostingsPerEntry],
  );
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

async function timed(
  repetitions: number,
  read: () => Promise<bigint>,
): Promise<{ p50: number; p99: number; net: bigint }> {
  const net = await read(); // warm-up: the pages and the plan
  const samples: number[] = [];
  for (let index = 0; index < repetitions; index++) {
    const started = process.hrtime.bigint();
    const again = await read();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (again !== net) throw new Error('a read changed between repetitions');
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), net };
}

interface Measured {
  readonly p50: number;
  readonly p99: number;
}
interface SizeResult {
  readonly postings: number;
  readonly buildSeconds: number;
  readonly checkpointSeconds: number;
  /** Postings of the account a checkpointed read still reads (the rest come from its checkpoint). */
  readonly postingsRead: { asOf: string; openingPosted: string; openingApproved: string };
  readonly asOf: { checkpointed: Measured; fullSum: Measured };
  readonly openingPosted: { checkpointed: Measured; fullSum: Measured };
  readonly openingApproved: { checkpointed: Measured; fullSum: Measured };
}

/** Extends the history to `size` postings of the account, checkpoints it afresh, and times the reads. */
async function measureSize(pool: Pool, size: number, entriesSoFar: number): Promise<SizeResult> {
  const entries = Math.ceil(size / payablePostingsPerEntry);
  const buildStarted = process.hrtime.bigint();
  for (let from = entriesSoFar; from < entries; from += entriesPerInsert)
    await insertEntries(pool, from, Math.min(entries, from + entriesPerInsert));
  await pool.query('ANALYZE ledger_postings, ledger_entries, ledger_settlements');
  const buildSeconds = Number(process.hrtime.bigint() - buildStarted) / 1e9;
  // Older history was inserted after the last checkpoints: they no longer hold (in production a
  // posting is never older than the writer's margin), so they are written again from nothing.
  await pool.query('DELETE FROM ledger_balance_checkpoints');
  const asOfTime = new Date(historyEnd - 10 * 60_000);
  const dayStart = new Date(Math.floor(historyEnd / 86_400_000) * 86_400_000);
  const checkpointStarted = process.hrtime.bigint();
  for (const boundary of [dayStart, checkpointBoundary(now, null)])
    await writeBalanceCheckpoints(pool, boundary, { now });
  const checkpointSeconds = Number(process.hrtime.bigint() - checkpointStarted) / 1e9;
  const fullRepetitions = fullSumRepetitionsFor(size);
  const fullSum = (text: string, at: Date) => async () =>
    BigInt((await pool.query<{ net: string }>(text, [payable, at])).rows[0]!.net);
  const asOf = {
    checkpointed: await timed(
      checkpointedRepetitions,
      async () => (await netPostedThrough(pool, payable, asOfTime)).net,
    ),
    fullSum: await timed(fullRepetitions, fullSum(fullSums.asOf, asOfTime)),
  };
  const opening = async (basis: 'posted' | 'approved') => ({
    checkpointed: await timed(
      checkpointedRepetitions,
      async () => -(await netBefore(pool, payable, basis, dayStart)).net,
    ),
    fullSum: await timed(
      fullRepetitions,
      fullSum(
        fullSums.opening(
          basis === 'posted' ? 'p.posted_at' : 'coalesce(s.approved_at, p.posted_at)',
        ),
        dayStart,
      ),
    ),
  });
  const openingPosted = await opening('posted');
  const openingApproved = await opening('approved');
  for (const [what, pair] of Object.entries({ asOf, openingPosted, openingApproved }))
    if (pair.checkpointed.net !== pair.fullSum.net)
      throw new Error(
        `${what} at ${size}: checkpointed ${pair.checkpointed.net} ≠ full sum ${pair.fullSum.net}`,
      );
  const read = async (value: Promise<{ postingsRead: bigint }>) =>
    (await value).postingsRead.toString();
  const strip = ({ p50, p99 }: Measured) => ({ p50, p99 });
  return {
    postings: entries * payablePostingsPerEntry,
    buildSeconds,
    checkpointSeconds,
    postingsRead: {
      asOf: await read(netPostedThrough(pool, payable, asOfTime)),
      openingPosted: await read(netBefore(pool, payable, 'posted', dayStart)),
      openingApproved: await read(netBefore(pool, payable, 'approved', dayStart)),
    },
    asOf: { checkpointed: strip(asOf.checkpointed), fullSum: strip(asOf.fullSum) },
    openingPosted: {
      checkpointed: strip(openingPosted.checkpointed),
      fullSum: strip(openingPosted.fullSum),
    },
    openingApproved: {
      checkpointed: strip(openingApproved.checkpointed),
      fullSum: strip(openingApproved.fullSum),
    },
  };
}

const reads = [
  ['asOf', 'balance ?asOf= (10 min ago)'],
  ['openingPosted', 'statement opening, by posting time'],
  ['openingApproved', 'statement opening, by approval time'],
] as const;

/** Flat: the checkpointed p50 at the largest size is at most this many times the one at the smallest. */
const flatnessRatioMax = 3;

function figuresOf(results: readonly SizeResult[]): Figure[] {
  const smallest = results[0]!;
  const largest = results[results.length - 1]!;
  return reads.map(([key, label]) =>
    figure({
      id: `ledger-history.${key}`,
      label: `${label}, ${largest.postings.toLocaleString('en-US')} postings, p50`,
      value: largest[key].checkpointed.p50,
      unit: 'ms',
      baseline: {
        label: 'full sum over the account’s postings, p50',
        value: largest[key].fullSum.p50,
      },
      target: {
        text: `flat: ≤ ${flatnessRatioMax} × the p50 at ${smallest.postings.toLocaleString('en-US')} postings`,
        met:
          largest[key].checkpointed.p50 <=
          flatnessRatioMax * Math.max(smallest[key].checkpointed.p50, 1),
      },
    }),
  );
}

function table(results: readonly SizeResult[], load: string): string[] {
  const ms = (value: number) => value.toFixed(value >= 100 ? 0 : 2);
  return [
    `Load average before/after: ${load}. One account (a merchant payable), ${payablePostingsPerEntry} of its postings per entry, ${entriesPerHour} entries an hour; checkpoints at the day's start and the latest settled hour.`,
    '',
    '| postings | read | checkpointed p50 / p99 ms | full sum p50 / p99 ms | postings read | build s | checkpoints s |',
    '|---:|---|---:|---:|---:|---:|---:|',
    ...results.flatMap((result) =>
      reads.map(([key, label]) =>
        [
          '',
          result.postings.toLocaleString('en-US'),
          label,
          `${ms(result[key].checkpointed.p50)} / ${ms(result[key].checkpointed.p99)}`,
          `${ms(result[key].fullSum.p50)} / ${ms(result[key].fullSum.p99)}`,
          result.postingsRead[key],
          result.buildSeconds.toFixed(0),
          result.checkpointSeconds.toFixed(1),
          '',
        ]
          .join(' | ')
          .trim(),
      ),
    ),
  ];
}

async function main(): Promise<void> {
  const loadBefore = (await import('node:fs'))
    .readFileSync('/proc/loadavg', 'utf8')
    .split(' ')
    .slice(0, 3)
    .join(' ');
  const database = await createTestDatabase('bench_ledger_history');
  const pool = new Pool({ connectionString: database.url, max: 2 });
  pool.on('error', () => undefined);
  try {
    await applySqlFiles(pool, path.join(__dirname, '..', 'libs', 'platform', 'migrations'));
    await applySqlFiles(pool, path.join(__dirname, '..', 'apps', 'ledger', 'migrations'));
    await pool.query(
      `INSERT INTO ledger_accounts (account_id, purpose, type, currency, owner_kind, owner_id, opened_at) VALUES
         ($1, 'merchant-payable', 'liability', 'EUR', 'merchant', 'mer_history', '2000-01-01'),
         ($2, 'wallet', 'liability', 'EUR', 'consumer-account', 'acc_history', '2000-01-01')`,
      [payable, wallet],
    );
    const results: SizeResult[] = [];
    let entriesSoFar = 0;
    for (const size of sizes) {
      const result = await measureSize(pool, size, entriesSoFar);
      entriesSoFar = Math.ceil(size / payablePostingsPerEntry);
      console.log(JSON.stringify(result));
      results.push(result);
    }
    const loadAfter = (await import('node:fs'))
      .readFileSync('/proc/loadavg', 'utf8')
      .split(' ')
      .slice(0, 3)
      .join(' ');
    const load = `${loadBefore} / ${loadAfter}`;
    writeResults(
      'ledger-history',
      { sizes, checkpointCommitMarginMs, load, results },
      table(results, load),
      figuresOf(results),
    );
  } finally {
    await pool.end();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
