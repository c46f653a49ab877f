import { type SqlExecutor } from '@settle/messaging';
import { assert } from '../domain/assert';

/**
 * Point-in-time balances that cost the same however long an account's history is (issue 14;
 * docs/ledger.md, "Point-in-time balances"). `ledger_balance_checkpoints` (migration 0009) holds an
 * account's debits − credits at period boundaries; a balance as of X is the latest checkpoint at or
 * before X plus the postings after it that count for X, all found by index. Results are exactly the
 * full sums over the journal (the property test and the integration tests compare them).
 */

/** Which time counts: when the ledger posted, or when the terminal approved (statements' `dateBasis`). */
export type CheckpointBasis = 'posted' | 'approved';

/** Checkpoints fall on multiples of this (UTC): a reader adds at most one period of postings, plus late ones. */
export const checkpointPeriodMs = 3_600_000;
/**
 * A boundary is checkpointed only this long after it, and before the oldest transaction still open
 * in the database by as much: a writer reads its clock at the start of its transaction, so every
 * posting with posted_at before the boundary has committed by then (covers clock skew between the
 * ledger's replicas and PostgreSQL, which is far smaller). What a checkpoint sums never changes.
 */
export const checkpointCommitMarginMs = 15 * 60_000;
/** An account gets a new checkpoint once it has this many postings since its latest: quiet accounts cost nothing. */
export const checkpointPostingsMin = 1_000;
/** Accounts examined per candidate statement (keyset pages over ledger_accounts). */
export const checkpointAccountsPerPage = 500;
/** Checkpoint mismatches listed by a verification (the count is always complete). */
export const checkpointMismatchesListedMax = 100;

const signed = `CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END`;
/** A posting's payment outcome, as the statements join it (the approval time lives there). */
const settlementJoin = `LEFT JOIN ledger_settlements s ON e.kind = 'payment' AND s.transaction_id = e.transaction_id AND s.entry_id = e.entry_id`;

/**
 * The latest checkpoint of an account on a basis at or before a time. Read on its own, so that the
 * tail query below gets the checkpoint's time as a real parameter: with it hidden in a subquery the
 * planner guesses a third of the account's postings and, at 10^7, hashes whole tables.
 */
const checkpointSql = `
  SELECT as_of, net::text, postings::text FROM ledger_balance_checkpoints
   WHERE account_id = $1 AND basis = $2 AND as_of <= $3::timestamptz ORDER BY as_of DESC LIMIT 1`;

/**
 * Posted basis, $1 account, $2 the checkpoint's time T (-infinity without one), $3 time X, $4 posting
 * cut: the postings with T ≤ posted_at < X (`<=` for `through`), through (account_id, posted_at).
 */
const postedTailSql = (comparison: '<' | '<=') => `
  SELECT coalesce(sum(${signed}), 0)::text AS net, count(*)::text AS postings FROM ledger_postings p
   WHERE p.account_id = $1 AND p.posted_at >= $2::timestamptz AND p.posted_at ${comparison} $3::timestamptz AND p.posted_at < $4::timestamptz`;

/**
 * Approved basis, $1 account, $2 T, $3 X, $4 posting cut (infinity for a reader; the new boundary for
 * the writer). With T the latest checkpoint at or before X, the postings before X on the basis are
 * - the checkpoint: time < T and posted < T;
 * - `late`: posted at or after T (and before the cut) with time < X — a payment approved long ago and
 *   uploaded since is here, found through the account's posting-time index;
 * - `early`: posted before T, approved in [T, X) — a terminal whose clock ran ahead; found through
 *   the approval-time index of the outcomes. Anything else posted before T has its time before T
 *   (in the checkpoint) or at or after X (not counted).
 */
const approvedTailSql = (late: string) => `
  WITH late AS (${late}), early AS (
    SELECT coalesce(sum(${signed}), 0) AS net, count(*) AS postings
      FROM ledger_settlements s
      JOIN ledger_entries e ON e.entry_id = s.entry_id AND e.kind = 'payment' AND e.transaction_id = s.transaction_id
      JOIN ledger_postings p ON p.entry_id = e.entry_id AND p.account_id = $1
     WHERE $2::timestamptz > '-infinity'::timestamptz
       AND s.approved_at >= $2::timestamptz AND s.approved_at < $3::timestamptz AND p.posted_at < $2::timestamptz
  )
  SELECT ((SELECT net FROM late) + (SELECT net FROM early))::text AS net,
         ((SELECT postings FROM late) + (SELECT postings FROM early))::text AS postings`;

/** `late` of any account: each posting since T joined to its entry and outcome for its approval time. */
const lateOfAnyAccount = `
  SELECT coalesce(sum(${signed}), 0) AS net, count(*) AS postings
    FROM ledger_postings p JOIN ledger_entries e ON e.entry_id = p.entry_id ${settlementJoin}
   WHERE p.account_id = $1 AND p.posted_at >= $2::timestamptz AND p.posted_at < $4::timestamptz
     AND coalesce(s.approved_at, p.posted_at) < $3::timestamptz`;

/**
 * `late` of merchant $5's payable, without joining every posting since T (at 10^7 postings that join
 * hashed whole tables): the postings with no approval time posted in [T, X) — one period at most, none
 * for a statement's opening (X = T) — and the merchant's payments decided since T (their outcomes'
 * (merchant_id, decided_at) index; an outcome's decided_at is its entry's posted_at) approved before
 * X. A payable's payment postings are all its merchant's payments.
 */
const lateOfPayable = `
  SELECT sum(net) AS net, sum(postings) AS postings FROM (
    SELECT coalesce(sum(${signed}), 0) AS net, count(*) AS postings
      FROM ledger_postings p JOIN ledger_entries e ON e.entry_id = p.entry_id ${settlementJoin}
     WHERE p.account_id = $1 AND p.posted_at >= $2::timestamptz AND p.posted_at < $3::timestamptz AND p.posted_at < $4::timestamptz
       AND s.approved_at IS NULL
    UNION ALL
    SELECT coalesce(sum(${signed}), 0), count(*)
      FROM ledger_settlements s
      JOIN ledger_entries e ON e.entry_id = s.entry_id AND e.kind = 'payment' AND e.transaction_id = s.transaction_id
      JOIN ledger_postings p ON p.entry_id = e.entry_id AND p.account_id = $1
     WHERE s.merchant_id = $5 AND s.decided_at >= $2::timestamptz AND s.decided_at < $4::timestamptz AND s.approved_at < $3::timestamptz
       AND p.posted_at >= $2::timestamptz AND p.posted_at < $4::timestamptz
  ) AS parts`;

/** A sum of an account's postings, as debits − credits, and how it was found. */
export interface PointInTimeNet {
  /** Debits − credits of the postings counted. */
  readonly net: bigint;
  /** How many postings that is. */
  readonly postings: bigint;
  /** How many postings were read to find it (the rest came from a checkpoint). */
  readonly postingsRead: bigint;
}

interface CheckpointRow extends Record<string, unknown> {
  as_of: Date;
  net: string;
  postings: string;
}

/** The query of what counts after a checkpoint: by approval time, a merchant payable's is cheaper. */
async function tailOf(
  sql: SqlExecutor,
  query: { accountId: string; basis: CheckpointBasis; through?: boolean },
): Promise<{ text: string; values: unknown[] }> {
  if (query.basis === 'posted')
    return { text: postedTailSql(query.through ? '<=' : '<'), values: [] };
  const { rows } = await sql.query<{ owner_id: string }>(
    `SELECT owner_id FROM ledger_accounts WHERE account_id = $1 AND purpose = 'merchant-payable'`,
    [query.accountId],
  );
  const merchant = rows[0];
  return merchant
    ? { text: approvedTailSql(lateOfPayable), values: [merchant.owner_id] }
    : { text: approvedTailSql(lateOfAnyAccount), values: [] };
}

/** The latest checkpoint at or before `at` and the postings after it that count, none posted from `cut` on. */
async function throughCheckpoint(
  sql: SqlExecutor,
  query: {
    accountId: string;
    basis: CheckpointBasis;
    at: Date | string;
    cut: Date | string;
    /** Posted at or before `at` (the balance `?asOf=`) instead of before it. */
    through?: boolean;
  },
): Promise<PointInTimeNet> {
  const tail = await tailOf(sql, query);
  const { rows: checkpoints } = await sql.query<CheckpointRow>(checkpointSql, [
    query.accountId,
    query.basis,
    query.at,
  ]);
  const checkpoint = checkpoints[0];
  const { rows } = await sql.query<{ net: string; postings: string }>(tail.text, [
    query.accountId,
    checkpoint?.as_of ?? '-infinity',
    query.at,
    query.cut,
    ...tail.values,
  ]);
  const after = rows[0];
  assert(after !== undefined, 'a sum has one row');
  const found = {
    net: BigInt(checkpoint?.net ?? '0') + BigInt(after.net),
    postings: BigInt(checkpoint?.postings ?? '0') + BigInt(after.postings),
    postingsRead: BigInt(after.postings),
  };
  assert(found.postingsRead <= found.postings, 'a checkpoint never removes postings');
  return found;
}

/**
 * Debits − credits of an account's postings whose time on `basis` is before `before` — a statement's
 * opening balance. Exactly the sum over the journal; reads one checkpoint and the postings after it.
 */
export function netBefore(
  sql: SqlExecutor,
  accountId: string,
  basis: CheckpointBasis,
  before: Date | string,
): Promise<PointInTimeNet> {
  return throughCheckpoint(sql, { accountId, basis, at: before, cut: 'infinity' });
}

/** Debits − credits of an account's postings posted at or before `through` (the balance `?asOf=`). */
export function netPostedThrough(
  sql: SqlExecutor,
  accountId: string,
  through: Date | string,
): Promise<PointInTimeNet> {
  return throughCheckpoint(sql, {
    accountId,
    basis: 'posted',
    at: through,
    cut: 'infinity',
    through: true,
  });
}

/**
 * What a checkpoint of `accountId` at `asOf` holds: postings with time on the basis before `asOf` and
 * posted before it. Uses the account's previous checkpoint, so writing one reads only the postings
 * since (the first one of an account reads its whole history once).
 */
export function checkpointContent(
  sql: SqlExecutor,
  accountId: string,
  basis: CheckpointBasis,
  asOf: Date,
): Promise<PointInTimeNet> {
  return throughCheckpoint(sql, { accountId, basis, at: asOf, cut: asOf });
}
