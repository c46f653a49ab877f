import { type SqlExecutor } from '@settle/messaging';
import { assert } from '../domain/assert';
import {
  checkpointAccountsPerPage,
  type CheckpointBasis,
  checkpointCommitMarginMs,
  checkpointContent,
  checkpointMismatchesListedMax,
  checkpointPeriodMs,
  checkpointPostingsMin,
} from './balance-checkpoints';

/**
 * The boundary a round may checkpoint: the latest multiple of `checkpointPeriodMs` at least
 * `checkpointCommitMarginMs` before both `now` and the start of the oldest transaction still open in
 * the database (a writer that read its clock before that start may not have committed yet).
 */
export function checkpointBoundary(now: Date, oldestOpenTransactionStart: Date | null): Date {
  const settled = Math.min(now.getTime(), oldestOpenTransactionStart?.getTime() ?? Infinity);
  const boundary = new Date(
    Math.floor((settled - checkpointCommitMarginMs) / checkpointPeriodMs) * checkpointPeriodMs,
  );
  assert(
    boundary.getTime() + checkpointCommitMarginMs <= now.getTime(),
    'a boundary is in the past',
  );
  return boundary;
}

/** When the oldest transaction open in this database (other than the caller's session) began; null when none is. */
export async function oldestOpenTransactionStart(sql: SqlExecutor): Promise<Date | null> {
  const { rows } = await sql.query<{ oldest: Date | null }>(
    `SELECT min(xact_start) AS oldest FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND xact_start IS NOT NULL`,
  );
  return rows[0]?.oldest ?? null;
}

/** Which bases an account is checkpointed on: statements (the only approval-time reads) are of merchant payables. */
const basesOf = (purpose: string): CheckpointBasis[] =>
  purpose === 'merchant-payable' ? ['posted', 'approved'] : ['posted'];

/**
 * One page of accounts after `after` (keyset on account_id): each with `due` when it has at least
 * $4 postings posted since its latest posted-basis checkpoint and before the boundary, and no
 * checkpoint at the boundary yet. Each account costs one index probe reading at most $4 rows.
 */
const candidatesSql = `
  SELECT a.account_id, a.purpose,
         r.n >= $4 AND NOT EXISTS (SELECT 1 FROM ledger_balance_checkpoints c WHERE c.account_id = a.account_id AND c.basis = 'posted' AND c.as_of = $3) AS due
    FROM (SELECT account_id, purpose FROM ledger_accounts WHERE account_id > $1 ORDER BY account_id LIMIT $2) a
   CROSS JOIN LATERAL (
     SELECT count(*) AS n FROM (
       SELECT 1 FROM ledger_postings p
        WHERE p.account_id = a.account_id AND p.posted_at < $3
          AND p.posted_at >= coalesce((SELECT max(c.as_of) FROM ledger_balance_checkpoints c
                                        WHERE c.account_id = a.account_id AND c.basis = 'posted' AND c.as_of < $3), '-infinity'::timestamptz)
        LIMIT $4) recent) r
   ORDER BY a.account_id`;

/**
 * Writes the checkpoints at `asOf` (a boundary no posting before which can still commit: see
 * {@link checkpointBoundary}) of every account that is due. Idempotent, and safe with two replicas
 * writing at once: a row is a function of the journal before `asOf`, inserted with ON CONFLICT DO
 * NOTHING. Returns how many rows it wrote. `shouldStop` is asked between accounts (shutdown).
 */
export async function writeBalanceCheckpoints(
  sql: SqlExecutor,
  asOf: Date,
  options: { now: Date; postingsMin?: number; shouldStop?: () => boolean },
): Promise<number> {
  assert(asOf.getTime() % checkpointPeriodMs === 0, 'checkpoints fall on period boundaries');
  const postingsMin = options.postingsMin ?? checkpointPostingsMin;
  assert(postingsMin >= 1, 'an account needs postings to be checkpointed');
  let written = 0;
  let after = '';
  for (;;) {
    const { rows } = await sql.query<{ account_id: string; purpose: string; due: boolean }>(
      candidatesSql,
      [after, checkpointAccountsPerPage, asOf, postingsMin],
    );
    for (const account of rows.filter((row) => row.due)) {
      if (options.shouldStop?.()) return written;
      for (const basis of basesOf(account.purpose)) {
        const content = await checkpointContent(sql, account.account_id, basis, asOf);
        const { rowCount } = await sql.query(
          `INSERT INTO ledger_balance_checkpoints (account_id, basis, as_of, net, postings, written_at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
          [
            account.account_id,
            basis,
            asOf,
            content.net.toString(),
            content.postings.toString(),
            options.now,
          ],
        );
        written += rowCount ?? 0;
      }
    }
    const last = rows[rows.length - 1];
    if (!last || rows.length < checkpointAccountsPerPage) return written;
    after = last.account_id;
  }
}

export interface CheckpointVerification {
  readonly ok: boolean;
  /** Latest checkpoints (one per account and basis) compared with the journal. */
  readonly checked: number;
  readonly mismatchCount: number;
  readonly mismatches: ReadonlyArray<{
    accountId: string;
    basis: CheckpointBasis;
    asOf: string;
    checkpoint: { net: string; postings: string };
    journal: { net: string; postings: string };
  }>;
}

/**
 * Recomputes the latest checkpoint of every account and basis from the journal (a full sum of its
 * postings up to the checkpoint, by the checkpoint's definition) and lists the ones that differ.
 * The latest is enough: each checkpoint is written from the one before it, so an error in any
 * earlier one is carried into the latest. One pass over the checkpointed accounts' postings — a
 * rebuild's cost; run it in one snapshot.
 */
export async function verifyBalanceCheckpoints(sql: SqlExecutor): Promise<CheckpointVerification> {
  const { rows } = await sql.query<{
    account_id: string;
    basis: CheckpointBasis;
    as_of: Date;
    net: string;
    postings: string;
    journal_net: string;
    journal_postings: string;
    mismatch: boolean;
  }>(
    `WITH latest AS (
       SELECT DISTINCT ON (account_id, basis) account_id, basis, as_of, net, postings
         FROM ledger_balance_checkpoints ORDER BY account_id, basis, as_of DESC
     )
     SELECT l.account_id, l.basis, l.as_of, l.net::text, l.postings::text, j.net::text AS journal_net, j.postings::text AS journal_postings,
            (l.net <> j.net OR l.postings <> j.postings) AS mismatch
       FROM latest l CROSS JOIN LATERAL (
         SELECT coalesce(sum(CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END), 0) AS net, count(*) AS postings
           FROM ledger_postings p JOIN ledger_entries e ON e.entry_id = p.entry_id
           LEFT JOIN ledger_settlements s ON e.kind = 'payment' AND s.transaction_id = e.transaction_id AND s.entry_id = e.entry_id
          WHERE p.account_id = l.account_id AND p.posted_at < l.as_of
            AND (l.basis = 'posted' OR coalesce(s.approved_at, p.posted_at) < l.as_of)) j
      ORDER BY l.account_id COLLATE "C", l.basis`,
  );
  const mismatched = rows.filter((row) => row.mismatch);
  return {
    ok: mismatched.length === 0,
    checked: rows.length,
    mismatchCount: mismatched.length,
    mismatches: mismatched.slice(0, checkpointMismatchesListedMax).map((row) => ({
      accountId: row.account_id,
      basis: row.basis,
      asOf: row.as_of.toISOString(),
      checkpoint: { net: row.net, postings: row.postings },
      journal: { net: row.journal_net, postings: row.journal_postings },
    })),
  };
}
