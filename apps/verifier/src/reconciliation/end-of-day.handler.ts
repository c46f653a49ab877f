import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { inTransaction, type SqlExecutor, type SqlPool } from '@settle/messaging';
import {
  type Clock,
  CLOCK,
  type Logger,
  PLATFORM_LOGGER,
  SERVICE_CONFIG,
  SQL_POOL,
} from '@settle/platform';
import { type VerifierSettings } from '../config';
import {
  canonicalReportContent,
  compareTotals,
  type EndOfDayReport,
  type ReceivedTotal,
  type ReportedTotal,
  reportProblems,
  type ReportProblem,
  type TotalDifference,
} from './end-of-day.decider';

/** The answer to a report: the first time, and the same again for a repeat. */
export interface ReconciliationAnswer {
  readonly reportId: string;
  readonly status: 'matched' | 'mismatched';
  readonly differences: readonly TotalDifference[];
}

export type SubmitReportResult =
  | { readonly outcome: 'created' | 'duplicate'; readonly answer: ReconciliationAnswer }
  | { readonly outcome: 'conflict' }
  | { readonly outcome: 'invalid'; readonly problems: readonly ReportProblem[] };

/** Who reports: the terminal of the token, of its merchant. */
export interface ReportingTerminal {
  readonly terminalId: string;
  readonly merchantId: string;
}

interface StoredRow extends Record<string, unknown> {
  report_id: string;
  status: 'matched' | 'mismatched';
  differences: TotalDifference[];
  content_digest: Buffer;
}

/**
 * A terminal's end-of-day report (docs/verifier.md, "End-of-day reconciliation"): checked, compared
 * with the verifier_transactions the terminal uploaded with approved_at in [periodStart, periodEnd)
 * — every status counts, rejected ones too (received is received), refused uploads never do (they
 * are not stored) — and stored once per (terminal, reportId). A repeat answers the stored result; the
 * same reportId with other content is a conflict. A mismatch is logged as a warning.
 */
@Injectable()
export class EndOfDayHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: VerifierSettings,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  async submit(terminal: ReportingTerminal, report: EndOfDayReport): Promise<SubmitReportResult> {
    const now = this.clock.now();
    const problems = reportProblems(
      report,
      now.getTime(),
      this.config.SETTLE_VERIFIER_CLOCK_SKEW_MS,
    );
    if (problems.length > 0) return { outcome: 'invalid', problems };
    const digest = createHash('sha256').update(canonicalReportContent(report)).digest();
    const result = await inTransaction(this.pool, async (sql) => {
      const existing = await loadReport(sql, terminal.terminalId, report.reportId);
      if (existing !== null) return answerFor(existing, digest, 'duplicate');
      const received = await receivedTotals(sql, terminal, report);
      const { status, differences } = compareTotals(report.totals, received);
      const inserted = await insertReport(sql, {
        terminal,
        report,
        digest,
        received,
        status,
        differences,
        reportedAt: now,
      });
      // A concurrent identical POST may have inserted first: then it is a repeat like any other.
      if (!inserted)
        return answerFor(
          (await loadReport(sql, terminal.terminalId, report.reportId))!,
          digest,
          'duplicate',
        );
      return {
        outcome: 'created' as const,
        answer: { reportId: report.reportId, status, differences },
      };
    });
    if (result.outcome === 'created' && result.answer.status === 'mismatched') {
      this.logger.warn(
        {
          terminalId: terminal.terminalId,
          merchantId: terminal.merchantId,
          reportId: report.reportId,
          periodStart: report.periodStart,
          periodEnd: report.periodEnd,
          differences: result.answer.differences,
        },
        'end-of-day report does not match what the terminal uploaded',
      );
    }
    return result;
  }
}

function answerFor(row: StoredRow, digest: Buffer, outcome: 'duplicate'): SubmitReportResult {
  if (!row.content_digest.equals(digest)) return { outcome: 'conflict' };
  return {
    outcome,
    answer: { reportId: row.report_id, status: row.status, differences: row.differences },
  };
}

async function loadReport(
  sql: SqlExecutor,
  terminalId: string,
  reportId: string,
): Promise<StoredRow | null> {
  const { rows } = await sql.query<StoredRow>(
    'SELECT report_id, status, differences, content_digest FROM verifier_reconciliation_reports WHERE terminal_id = $1 AND report_id = $2',
    [terminalId, reportId],
  );
  return rows[0] ?? null;
}

/** What the terminal uploaded with approved_at in [periodStart, periodEnd), per currency. */
async function receivedTotals(
  sql: SqlExecutor,
  terminal: ReportingTerminal,
  report: EndOfDayReport,
): Promise<ReceivedTotal[]> {
  const { rows } = await sql.query<{
    currency: string;
    count: string;
    amount: string;
    rejected_count: string;
    rejected_amount: string;
  }>(
    `SELECT currency, count(*)::text AS count, sum(amount)::text AS amount,
            count(*) FILTER (WHERE status = 'rejected')::text AS rejected_count,
            coalesce(sum(amount) FILTER (WHERE status = 'rejected'), 0)::text AS rejected_amount
       FROM verifier_transactions
      WHERE terminal_id = $1 AND merchant_id = $2 AND approved_at >= $3::timestamptz AND approved_at < $4::timestamptz
      GROUP BY currency ORDER BY currency`,
    [terminal.terminalId, terminal.merchantId, report.periodStart, report.periodEnd],
  );
  return rows.map((row) => ({
    currency: row.currency,
    count: Number(row.count),
    amount: BigInt(row.amount),
    rejectedCount: Number(row.rejected_count),
    rejectedAmount: BigInt(row.rejected_amount),
  }));
}

async function insertReport(
  sql: SqlExecutor,
  row: {
    terminal: ReportingTerminal;
    report: EndOfDayReport;
    digest: Buffer;
    received: readonly ReceivedTotal[];
    status: 'matched' | 'mismatched';
    differences: readonly TotalDifference[];
    reportedAt: Date;
  },
): Promise<boolean> {
  const reported: ReportedTotal[] = [...row.report.totals].sort((left, right) =>
    left.currency.localeCompare(right.currency),
  );
  const received = row.received.map((total) => ({
    ...total,
    amount: total.amount.toString(),
    rejectedAmount: total.rejectedAmount.toString(),
  }));
  const { rowCount } = await sql.query(
    `INSERT INTO verifier_reconciliation_reports (terminal_id, report_id, merchant_id, period_start, period_end, content_digest,
       reported_totals, received_totals, differences, status, reported_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb, $10, $11)
     ON CONFLICT (terminal_id, report_id) DO NOTHING`,
    [
      row.terminal.terminalId,
      row.report.reportId,
      row.terminal.merchantId,
      row.report.periodStart,
      row.report.periodEnd,
      row.digest,
      JSON.stringify(reported),
      JSON.stringify(received),
      JSON.stringify(row.differences),
      row.status,
      row.reportedAt.toISOString(),
    ],
  );
  return rowCount === 1;
}
