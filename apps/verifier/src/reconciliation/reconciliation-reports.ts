import { type SqlExecutor } from '@settle/messaging';
import { type ReportedTotal, type TotalDifference } from './end-of-day.decider';

/** Most reports one admin page lists. */
export const reconciliationReportsPageSizeMax = 500;

/** Reports per page when the operator does not say. */
export const reconciliationReportsPageSizeDefault = 100;

/** One stored report as GET /admin/reconciliation-reports shows it. */
export interface ReconciliationReportView {
  readonly terminalId: string;
  readonly merchantId: string;
  readonly reportId: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly status: 'matched' | 'mismatched';
  readonly reportedAt: string;
  readonly reported: readonly ReportedTotal[];
  /** Per currency: count, amount, and of those rejectedCount / rejectedAmount (amounts as decimal strings). */
  readonly received: ReadonlyArray<Record<string, unknown>>;
  readonly differences: readonly TotalDifference[];
}

/** Where a page ends, newest first: (reportedAt, terminalId, reportId) of its last report. */
export interface ReportsCursor {
  readonly reportedAt: string;
  readonly terminalId: string;
  readonly reportId: string;
}

/** Opaque keyset cursor (base64url of JSON). */
export function encodeReportsCursor(cursor: ReportsCursor): string {
  return Buffer.from(
    JSON.stringify([cursor.reportedAt, cursor.terminalId, cursor.reportId]),
    'utf8',
  ).toString('base64url');
}

/** The cursor behind `text`, or null when it is not one this API returned. */
export function decodeReportsCursor(text: string): ReportsCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      !Array.isArray(value) ||
      value.length !== 3 ||
      !value.every((part) => typeof part === 'string')
    )
      return null;
    const [reportedAt, terminalId, reportId] = value as [string, string, string];
    return Number.isNaN(Date.parse(reportedAt)) ? null : { reportedAt, terminalId, reportId };
  } catch {
    return null;
  }
}

interface ReportRow extends Record<string, unknown> {
  terminal_id: string;
  merchant_id: string;
  report_id: string;
  period_start: Date;
  period_end: Date;
  status: 'matched' | 'mismatched';
  reported_at: Date;
  reported_totals: ReportedTotal[];
  received_totals: Array<Record<string, unknown>>;
  differences: TotalDifference[];
}

/** A page of reports, newest first, filtered by status, terminal and merchant where given. */
export async function reconciliationReportsPage(
  sql: SqlExecutor,
  filter: {
    readonly status: 'matched' | 'mismatched' | null;
    readonly terminalId: string | null;
    readonly merchantId: string | null;
  },
  page: { readonly after: ReportsCursor | null; readonly limit: number },
): Promise<{ reports: ReconciliationReportView[]; nextCursor: string | null }> {
  if (
    !Number.isInteger(page.limit) ||
    page.limit < 1 ||
    page.limit > reconciliationReportsPageSizeMax
  )
    throw new Error(`a page has 1..${reconciliationReportsPageSizeMax} reports`);
  // Reports are stored with millisecond times (the clock's), so an ISO cursor compares exactly.
  const after = page.after ?? { reportedAt: 'infinity', terminalId: '', reportId: '' };
  const { rows } = await sql.query<ReportRow>(
    `SELECT terminal_id, merchant_id, report_id, period_start, period_end, status, reported_at, reported_totals, received_totals, differences
       FROM verifier_reconciliation_reports
      WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR terminal_id = $2) AND ($3::text IS NULL OR merchant_id = $3)
        AND (reported_at, terminal_id, report_id) < ($4::timestamptz, $5::text, $6::text)
      ORDER BY reported_at DESC, terminal_id DESC, report_id DESC LIMIT $7`,
    [
      filter.status,
      filter.terminalId,
      filter.merchantId,
      after.reportedAt,
      after.terminalId,
      after.reportId,
      page.limit + 1,
    ],
  );
  const reports = rows.slice(0, page.limit).map(viewOf);
  const last = reports[reports.length - 1];
  return {
    reports,
    nextCursor: rows.length > page.limit && last ? encodeReportsCursor(last) : null,
  };
}

function viewOf(row: ReportRow): ReconciliationReportView {
  return {
    terminalId: row.terminal_id,
    merchantId: row.merchant_id,
    reportId: row.report_id,
    periodStart: row.period_start.toISOString(),
    periodEnd: row.period_end.toISOString(),
    status: row.status,
    reportedAt: row.reported_at.toISOString(),
    reported: row.reported_totals,
    received: row.received_totals,
    differences: row.differences,
  };
}
