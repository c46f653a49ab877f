import { amountMinorUnitsMax } from '@settle/protocol';

/** Most currencies one end-of-day report lists (a terminal takes a handful; more is a broken client). */
export const endOfDayReportCurrenciesMax = 16;

/** Most transactions one currency of a report may count (a terminal's queue holds 10,000 at most). */
export const endOfDayReportCountMax = 1_000_000;

/** Longest period one report may cover, in ms: a day's batch, or a few if the terminal was not closed. */
export const endOfDayPeriodMsMax = 7 * 24 * 3_600_000;

/** One currency's totals as the terminal reports them (the wire: count an integer, amount a decimal string). */
export interface ReportedTotal {
  readonly currency: string;
  readonly count: number;
  readonly amount: string;
}

/** The body of POST /v1/end-of-day-reports, after schema validation. */
export interface EndOfDayReport {
  readonly reportId: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly totals: readonly ReportedTotal[];
}

/** One currency's totals of what the verifier received from the terminal in the period. */
export interface ReceivedTotal {
  readonly currency: string;
  readonly count: number;
  readonly amount: bigint;
  /** Of those, rejected by verification (received all the same; they will not settle). */
  readonly rejectedCount: number;
  readonly rejectedAmount: bigint;
}

/** One currency whose reported and received totals differ; differences are reported − received. */
export interface TotalDifference {
  readonly currency: string;
  readonly reportedCount: number;
  readonly reportedAmount: string;
  readonly receivedCount: number;
  readonly receivedAmount: string;
  readonly countDifference: number;
  readonly amountDifference: string;
}

/** A field of the report that is well-formed but wrong, as the 400 names it. */
export interface ReportProblem {
  readonly field: string;
  readonly code: 'OUT_OF_RANGE' | 'INVALID';
  readonly message: string;
}

/**
 * What the schema cannot say about a report, checked at `nowMs`: the period runs forward, is at most
 * {@link endOfDayPeriodMsMax} long and has ended (up to the clock skew allowed); each currency once;
 * amounts within a bigint; zero count exactly with zero amount. Every problem, in field order.
 */
export function reportProblems(
  report: EndOfDayReport,
  nowMs: number,
  clockSkewMs: number,
): ReportProblem[] {
  const problems: ReportProblem[] = [];
  const startMs = Date.parse(report.periodStart);
  const endMs = Date.parse(report.periodEnd);
  if (Number.isNaN(startMs) || Number.isNaN(endMs))
    throw new Error('the schema admits only valid timestamps');
  if (endMs <= startMs)
    problems.push({
      field: 'periodEnd',
      code: 'OUT_OF_RANGE',
      message: 'must be after periodStart',
    });
  else if (endMs - startMs > endOfDayPeriodMsMax)
    problems.push({
      field: 'periodEnd',
      code: 'OUT_OF_RANGE',
      message: `must be at most ${endOfDayPeriodMsMax} ms after periodStart`,
    });
  // A period that has not ended cannot be reconciled: its payments may still be taken.
  if (endMs > nowMs + clockSkewMs)
    problems.push({
      field: 'periodEnd',
      code: 'OUT_OF_RANGE',
      message: 'must not lie in the future',
    });
  report.totals.forEach((total, index) => {
    const field = `totals[${index}]`;
    if (report.totals.findIndex((other) => other.currency === total.currency) !== index)
      problems.push({ field: `${field}.currency`, code: 'INVALID', message: 'is listed twice' });
    const amount = BigInt(total.amount);
    if (amount > amountMinorUnitsMax)
      problems.push({
        field: `${field}.amount`,
        code: 'OUT_OF_RANGE',
        message: `must be at most ${amountMinorUnitsMax}`,
      });
    else if ((amount === 0n) !== (total.count === 0))
      problems.push({
        field: `${field}.amount`,
        code: 'INVALID',
        message: 'is zero exactly when count is zero',
      });
  });
  return problems;
}

/**
 * The report's content in one canonical text (times as ISO with ms, totals by currency, decimal
 * strings): equal texts are the same report, so a repeat is recognised and a reused reportId with
 * other content is not.
 */
export function canonicalReportContent(report: EndOfDayReport): string {
  const totals = [...report.totals]
    .sort((left, right) => left.currency.localeCompare(right.currency))
    .map((total) => [total.currency, total.count, BigInt(total.amount).toString()]);
  return JSON.stringify([
    new Date(report.periodStart).toISOString(),
    new Date(report.periodEnd).toISOString(),
    totals,
  ]);
}

/**
 * Compares what the terminal reports with what the verifier received from it: every currency either
 * side names, in currency order; a currency differs when its count or its amount does. Matched
 * exactly when nothing differs. Pure.
 */
export function compareTotals(
  reported: readonly ReportedTotal[],
  received: readonly ReceivedTotal[],
): { readonly status: 'matched' | 'mismatched'; readonly differences: TotalDifference[] } {
  const currencies = [
    ...new Set([
      ...reported.map((total) => total.currency),
      ...received.map((total) => total.currency),
    ]),
  ].sort();
  const differences = currencies.flatMap((currency): TotalDifference[] => {
    const ours = reported.find((total) => total.currency === currency);
    const theirs = received.find((total) => total.currency === currency);
    const reportedCount = ours?.count ?? 0;
    const reportedAmount = BigInt(ours?.amount ?? '0');
    const receivedCount = theirs?.count ?? 0;
    const receivedAmount = theirs?.amount ?? 0n;
    if (reportedCount === receivedCount && reportedAmount === receivedAmount) return [];
    return [
      {
        currency,
        reportedCount,
        reportedAmount: reportedAmount.toString(),
        receivedCount,
        receivedAmount: receivedAmount.toString(),
        countDifference: reportedCount - receivedCount,
        amountDifference: (reportedAmount - receivedAmount).toString(),
      },
    ];
  });
  const status = differences.length === 0 ? 'matched' : 'mismatched';
  // Postcondition: every difference is a real one.
  if (
    differences.some(
      (difference) => difference.countDifference === 0 && difference.amountDifference === '0',
    )
  )
    throw new Error('a difference differs');
  return { status, differences };
}
