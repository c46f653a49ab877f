import { type SqlExecutor } from '@settle/messaging';
import { normalBalance } from '../adapters/postgres/journal-store';
import { type AccountType } from '../domain/accounts';
import { assert } from '../domain/assert';
import { netBefore } from '../balance-checkpoints/balance-checkpoints';

/**
 * Which time a statement or reconciliation groups by: `posted`, when the ledger posted the entry
 * (and decided the outcome); `approved`, when the terminal approved the payment. An offline payment
 * approved at 23:55 and uploaded after midnight is on the first day by approval, the second by
 * posting. Entries other than payments (and outcomes from before migration 0007) have no approval
 * time: their approval time is taken to be their posting time.
 */
export const dateBases = ['posted', 'approved'] as const;
export type DateBasis = (typeof dateBases)[number];

/**
 * The SQL time of a posting (`p`, its entry `e`) and of an outcome (`s`) on a basis. Chosen from this
 * closed table, never built from input. `s` is joined by `settlementJoin` (payments only).
 */
const basisTime: Record<DateBasis, { posting: string; entry: string; outcome: string }> = {
  posted: { posting: 'p.posted_at', entry: 'e.posted_at', outcome: 's.decided_at' },
  approved: {
    posting: 'coalesce(s.approved_at, p.posted_at)',
    entry: 'coalesce(s.approved_at, e.posted_at)',
    outcome: 'coalesce(s.approved_at, s.decided_at)',
  },
};
const settlementJoin = `LEFT JOIN ledger_settlements s ON e.kind = 'payment' AND s.transaction_id = e.transaction_id AND s.entry_id = e.entry_id`;

/** A statement page holds at most this many lines (the default is smaller). */
export const statementPageSizeMax = 500;
export const statementPageSizeDefault = 100;

export interface StatementLine {
  readonly entryId: string;
  readonly postingIndex: number;
  readonly kind: string;
  readonly transactionId: string | null;
  readonly originalEntryId: string | null;
  readonly side: 'debit' | 'credit';
  readonly amount: string;
  /** The line's effect on the balance, on the account's normal side. */
  readonly change: string;
  readonly postedAt: string;
  /** When the terminal approved the payment; null for other entries. */
  readonly approvedAt: string | null;
}

/** Opaque keyset cursor: the (postedAt, entryId, postingIndex) of the last line of the previous page. */
export function encodeCursor(
  line: Pick<StatementLine, 'postedAt' | 'entryId' | 'postingIndex'>,
): string {
  return Buffer.from(
    JSON.stringify([line.postedAt, line.entryId, line.postingIndex]),
    'utf8',
  ).toString('base64url');
}

export function decodeCursor(
  cursor: string,
): { postedAt: string; entryId: string; postingIndex: number } | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3) return null;
    const [postedAt, entryId, postingIndex] = value as unknown[];
    if (
      typeof postedAt !== 'string' ||
      Number.isNaN(Date.parse(postedAt)) ||
      typeof entryId !== 'string' ||
      !Number.isInteger(postingIndex)
    )
      return null;
    return { postedAt, entryId, postingIndex: postingIndex as number };
  } catch {
    return null;
  }
}

interface LineRow extends Record<string, unknown> {
  entry_id: string;
  posting_index: number;
  kind: string;
  transaction_id: string | null;
  original_entry_id: string | null;
  side: 'debit' | 'credit';
  amount: string;
  posted_at: Date;
  approved_at: Date | null;
}

const toLine = (type: AccountType, row: LineRow): StatementLine => ({
  entryId: row.entry_id,
  postingIndex: row.posting_index,
  kind: row.kind,
  transactionId: row.transaction_id,
  originalEntryId: row.original_entry_id,
  side: row.side,
  amount: row.amount,
  change: normalBalance(
    type,
    row.side === 'debit' ? BigInt(row.amount) : -BigInt(row.amount),
  ).toString(),
  postedAt: row.posted_at.toISOString(),
  approvedAt: row.approved_at?.toISOString() ?? null,
});

/** One page of an account's postings in (postedAt, entryId, postingIndex) order, after the cursor. */
export async function statementPage(
  sql: SqlExecutor,
  account: { accountId: string; type: AccountType },
  page: { after: ReturnType<typeof decodeCursor>; limit: number },
): Promise<{ lines: StatementLine[]; nextCursor: string | null }> {
  assert(
    page.limit >= 1 && page.limit <= statementPageSizeMax,
    `a page has 1..${statementPageSizeMax} lines`,
  );
  const after = page.after ?? { postedAt: '-infinity', entryId: '', postingIndex: -1 };
  const { rows } = await sql.query<LineRow>(
    `SELECT p.entry_id, p.posting_index, e.kind, e.transaction_id, e.original_entry_id, p.side, p.amount::text, p.posted_at, s.approved_at
       FROM ledger_postings p JOIN ledger_entries e ON e.entry_id = p.entry_id ${settlementJoin}
      WHERE p.account_id = $1 AND (p.posted_at, p.entry_id, p.posting_index) > ($2::timestamptz, $3::text, $4::smallint)
      ORDER BY p.posted_at, p.entry_id, p.posting_index LIMIT $5`,
    [account.accountId, after.postedAt, after.entryId, after.postingIndex, page.limit + 1],
  );
  const lines = rows.slice(0, page.limit).map((row) => toLine(account.type, row));
  const last = lines[lines.length - 1];
  return { lines, nextCursor: rows.length > page.limit && last ? encodeCursor(last) : null };
}

export interface MerchantDayLine {
  readonly entryId: string;
  readonly kind: string;
  readonly transactionId: string | null;
  readonly postedAt: string;
  /** When the terminal approved the payment; null for other entries. */
  readonly approvedAt: string | null;
  /** What the merchant is owed more (+) or less (−) because of this entry. */
  readonly net: string;
  /** The processor's fee in this entry (+ charged, − given back by a reversal). */
  readonly fee: string;
}

export interface MerchantDayStatement {
  readonly merchantId: string;
  readonly date: string;
  readonly timeZone: string;
  /** Which time puts an entry in the day (and before it, in the opening balance). */
  readonly dateBasis: DateBasis;
  readonly currency: string;
  readonly from: string;
  readonly to: string;
  readonly openingBalance: string;
  readonly closingBalance: string;
  readonly totalsByKind: ReadonlyArray<{ kind: string; count: number; net: string; fee: string }>;
  readonly lines: readonly MerchantDayLine[];
}

/**
 * The entries with a posting on account $1 whose time on the basis is in [$2, $3), each found by an
 * index whatever the account's history: by posting time, the account's (account_id, posted_at); by
 * approval time, the postings posted in the day whose approval time (or, without one, posting time)
 * is in it too, and the payments approved in the day (the outcomes' approved_at index), whenever
 * they were posted.
 */
const dayEntriesSql: Record<DateBasis, string> = {
  posted: `SELECT p.entry_id FROM ledger_postings p WHERE p.account_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3`,
  approved: `SELECT p.entry_id FROM ledger_postings p JOIN ledger_entries e ON e.entry_id = p.entry_id ${settlementJoin}
              WHERE p.account_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3 AND ${basisTime.approved.posting} >= $2 AND ${basisTime.approved.posting} < $3
             UNION
             SELECT p.entry_id FROM ledger_settlements s
               JOIN ledger_entries e ON e.entry_id = s.entry_id AND e.kind = 'payment' AND e.transaction_id = s.transaction_id
               JOIN ledger_postings p ON p.entry_id = e.entry_id AND p.account_id = $1
              WHERE s.approved_at >= $2 AND s.approved_at < $3`,
};

/**
 * A merchant's end-of-day statement: the day is midnight to midnight in the merchant's time zone, an
 * entry is in it when its time on the date basis is.
 */
export async function merchantDayStatement(
  sql: SqlExecutor,
  merchant: { merchantId: string; payableAccountId: string; timeZone: string; currency: string },
  date: string,
  dateBasis: DateBasis,
): Promise<MerchantDayStatement> {
  const time = basisTime[dateBasis].posting;
  const { rows: bounds } = await sql.query<{ from: Date; to: Date }>(
    `SELECT ($1::date::timestamp AT TIME ZONE $2) AS from, (($1::date + 1)::timestamp AT TIME ZONE $2) AS to`,
    [date, merchant.timeZone],
  );
  const { from, to } = bounds[0]!;
  // Credits − debits before the day: a balance checkpoint and the postings after it, not the whole history.
  const opening = -(await netBefore(sql, merchant.payableAccountId, dateBasis, from)).net;
  const { rows } = await sql.query<{
    entry_id: string;
    kind: string;
    transaction_id: string | null;
    posted_at: Date;
    approved_at: Date | null;
    net: string;
    fee: string;
  }>(
    `SELECT e.entry_id, e.kind, e.transaction_id, e.posted_at, s.approved_at,
            sum(CASE WHEN p.account_id = $1 THEN (CASE p.side WHEN 'credit' THEN p.amount ELSE -p.amount END) ELSE 0 END)::text AS net,
            sum(CASE WHEN p.account_id = $4 THEN (CASE p.side WHEN 'credit' THEN p.amount ELSE -p.amount END) ELSE 0 END)::text AS fee
       FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.entry_id ${settlementJoin}
      WHERE e.entry_id IN (${dayEntriesSql[dateBasis]})
      GROUP BY e.entry_id, e.kind, e.transaction_id, e.posted_at, s.approved_at
      ORDER BY min(${time}), e.entry_id`,
    [merchant.payableAccountId, from, to, `fee-revenue_${merchant.currency}`],
  );
  const lines = rows.map((row) => ({
    entryId: row.entry_id,
    kind: row.kind,
    transactionId: row.transaction_id,
    postedAt: row.posted_at.toISOString(),
    approvedAt: row.approved_at?.toISOString() ?? null,
    net: row.net,
    fee: row.fee,
  }));
  const totals = new Map<string, { count: number; net: bigint; fee: bigint }>();
  let closing = opening;
  const openingBalance = closing;
  for (const line of lines) {
    const total = totals.get(line.kind) ?? { count: 0, net: 0n, fee: 0n };
    total.count += 1;
    total.net += BigInt(line.net);
    total.fee += BigInt(line.fee);
    totals.set(line.kind, total);
    closing += BigInt(line.net);
  }
  return {
    merchantId: merchant.merchantId,
    date,
    timeZone: merchant.timeZone,
    dateBasis,
    currency: merchant.currency,
    from: from.toISOString(),
    to: to.toISOString(),
    openingBalance: openingBalance.toString(),
    closingBalance: closing.toString(),
    totalsByKind: [...totals.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([kind, total]) => ({
        kind,
        count: total.count,
        net: total.net.toString(),
        fee: total.fee.toString(),
      })),
    lines,
  };
}

/** RFC 4180 CSV of a day statement: a header, one row per entry, amounts in minor units. */
export function merchantDayStatementCsv(statement: MerchantDayStatement): string {
  const quote = (value: string) =>
    /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
  const rows = [
    [
      'merchant_id',
      'date',
      'time_zone',
      'currency',
      'entry_id',
      'kind',
      'transaction_id',
      'posted_at',
      'net_minor',
      'fee_minor',
      'approved_at',
      'date_basis',
    ],
    ...statement.lines.map((line) => [
      statement.merchantId,
      statement.date,
      statement.timeZone,
      statement.currency,
      line.entryId,
      line.kind,
      line.transactionId ?? '',
      line.postedAt,
      line.net,
      line.fee,
      line.approvedAt ?? '',
      statement.dateBasis,
    ]),
  ];
  return rows.map((row) => row.map(quote).join(',')).join('\r\n') + '\r\n';
}

export interface ReconciliationReport {
  readonly from: string;
  readonly to: string;
  /** Which time puts an outcome and a posting in [from, to). */
  readonly dateBasis: DateBasis;
  readonly ok: boolean;
  readonly settlements: {
    settled: number;
    failed: number;
    settledWithoutEntry: number;
    paymentEntriesWithoutSettlement: number;
    amountMismatches: number;
  };
  readonly currencies: ReadonlyArray<{
    currency: string;
    settledAmount: string;
    paymentEntryAmount: string;
    fees: string;
    feeRevenuePosted: string;
    payouts: string;
    fundings: string;
    debits: string;
    credits: string;
    balanced: boolean;
  }>;
}

/**
 * Reconciliation of a UTC period: every settled outcome has its payment entry with the same amount
 * and fee (and the reverse); per currency the settled totals equal the journal's, and debits equal
 * credits over the period's postings. Outcomes and postings are in the period by the date basis; a
 * payment's outcome and entry share their approval time, so they reconcile on either basis.
 */
export async function reconciliation(
  sql: SqlExecutor,
  from: string,
  to: string,
  dateBasis: DateBasis,
): Promise<ReconciliationReport> {
  const time = basisTime[dateBasis];
  const decided = `${time.outcome} >= $1 AND ${time.outcome} < $2`;
  const { rows: checks } = await sql.query<{
    settled: number;
    failed: number;
    without_entry: number;
    without_settlement: number;
    mismatches: number;
  }>(
    `SELECT (SELECT count(*)::int FROM ledger_settlements s WHERE s.status = 'settled' AND ${decided}) AS settled,
            (SELECT count(*)::int FROM ledger_settlements s WHERE s.status = 'failed' AND ${decided}) AS failed,
            (SELECT count(*)::int FROM ledger_settlements s WHERE s.status = 'settled' AND ${decided}
                AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.entry_id = s.entry_id AND e.kind = 'payment')) AS without_entry,
            (SELECT count(*)::int FROM ledger_entries e ${settlementJoin} WHERE e.kind = 'payment' AND ${time.entry} >= $1 AND ${time.entry} < $2
                AND NOT EXISTS (SELECT 1 FROM ledger_settlements settled WHERE settled.entry_id = e.entry_id AND settled.status = 'settled')) AS without_settlement,
            (SELECT count(*)::int FROM ledger_settlements s JOIN ledger_postings p ON p.entry_id = s.entry_id AND p.side = 'debit'
              WHERE s.status = 'settled' AND ${decided} AND p.amount <> s.amount) AS mismatches`,
    [from, to],
  );
  const { rows: currencies } = await sql.query<{
    currency: string;
    settled_amount: string;
    payment_amount: string;
    fees: string;
    fee_revenue: string;
    payouts: string;
    fundings: string;
    debits: string;
    credits: string;
  }>(
    `WITH period AS (
       SELECT p.*, e.kind, a.purpose FROM ledger_postings p JOIN ledger_entries e ON e.entry_id = p.entry_id ${settlementJoin} JOIN ledger_accounts a ON a.account_id = p.account_id
        WHERE ${time.posting} >= $1 AND ${time.posting} < $2),
     outcomes AS (SELECT s.* FROM ledger_settlements s WHERE ${decided})
     SELECT c.currency,
            coalesce((SELECT sum(amount) FROM outcomes WHERE status = 'settled' AND currency = c.currency), 0)::text AS settled_amount,
            coalesce((SELECT sum(amount) FROM period WHERE currency = c.currency AND kind = 'payment' AND side = 'debit'), 0)::text AS payment_amount,
            coalesce((SELECT sum(fee) FROM outcomes WHERE status = 'settled' AND currency = c.currency), 0)::text AS fees,
            coalesce((SELECT sum(amount) FROM period WHERE currency = c.currency AND kind = 'payment' AND purpose = 'fee-revenue'), 0)::text AS fee_revenue,
            coalesce((SELECT sum(amount) FROM period WHERE currency = c.currency AND kind = 'payout' AND side = 'credit'), 0)::text AS payouts,
            coalesce((SELECT sum(amount) FROM period WHERE currency = c.currency AND kind = 'funding' AND side = 'debit'), 0)::text AS fundings,
            coalesce((SELECT sum(amount) FROM period WHERE currency = c.currency AND side = 'debit'), 0)::text AS debits,
            coalesce((SELECT sum(amount) FROM period WHERE currency = c.currency AND side = 'credit'), 0)::text AS credits
       FROM (SELECT DISTINCT currency FROM period UNION SELECT DISTINCT currency FROM outcomes) AS c
      ORDER BY c.currency`,
    [from, to],
  );
  const check = checks[0]!;
  const perCurrency = currencies.map((row) => ({
    currency: row.currency,
    settledAmount: row.settled_amount,
    paymentEntryAmount: row.payment_amount,
    fees: row.fees,
    feeRevenuePosted: row.fee_revenue,
    payouts: row.payouts,
    fundings: row.fundings,
    debits: row.debits,
    credits: row.credits,
    balanced: row.debits === row.credits,
  }));
  const ok =
    check.without_entry === 0 &&
    check.without_settlement === 0 &&
    check.mismatches === 0 &&
    perCurrency.every(
      (row) =>
        row.balanced &&
        row.settledAmount === row.paymentEntryAmount &&
        row.fees === row.feeRevenuePosted,
    );
  return {
    from,
    to,
    dateBasis,
    ok,
    settlements: {
      settled: check.settled,
      failed: check.failed,
      settledWithoutEntry: check.without_entry,
      paymentEntriesWithoutSettlement: check.without_settlement,
      amountMismatches: check.mismatches,
    },
    currencies: perCurrency,
  };
}
