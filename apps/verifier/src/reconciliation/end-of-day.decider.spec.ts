import { amountMinorUnitsMax } from '@settle/protocol';
import {
  canonicalReportContent,
  compareTotals,
  type EndOfDayReport,
  endOfDayPeriodMsMax,
  type ReceivedTotal,
  reportProblems,
} from './end-of-day.decider';

const nowMs = Date.parse('2026-11-29T00:05:00.000Z');
const skewMs = 5 * 60_000;
const report: EndOfDayReport = {
  reportId: 'eod_2026-11-28',
  periodStart: '2026-11-28T00:00:00.000Z',
  periodEnd: '2026-11-29T00:00:00.000Z',
  totals: [
    { currency: 'EUR', count: 2, amount: '2500' },
    { currency: 'CHF', count: 1, amount: '990' },
  ],
};
const received = (
  currency: string,
  count: number,
  amount: bigint,
  rejectedCount = 0,
  rejectedAmount = 0n,
): ReceivedTotal => ({ currency, count, amount, rejectedCount, rejectedAmount });

describe('reportProblems', () => {
  it('accepts a well-formed report of an ended period', () => {
    expect(reportProblems(report, nowMs, skewMs)).toEqual([]);
    // A period that ends within the allowed clock skew from now has ended as far as we can tell.
    expect(
      reportProblems(
        { ...report, periodEnd: new Date(nowMs + skewMs).toISOString() },
        nowMs,
        skewMs,
      ),
    ).toEqual([]);
  });

  it.each([
    [
      'a period that runs backwards',
      { periodEnd: report.periodStart },
      'periodEnd',
      'OUT_OF_RANGE',
    ],
    [
      'a period longer than the limit',
      {
        periodStart: new Date(Date.parse(report.periodEnd) - endOfDayPeriodMsMax - 1).toISOString(),
      },
      'periodEnd',
      'OUT_OF_RANGE',
    ],
    [
      'a period not yet ended',
      {
        periodStart: '2026-11-28T12:00:00.000Z',
        periodEnd: new Date(nowMs + skewMs + 1).toISOString(),
      },
      'periodEnd',
      'OUT_OF_RANGE',
    ],
    [
      'a currency twice',
      { totals: [...report.totals, { currency: 'EUR', count: 1, amount: '1' }] },
      'totals[2].currency',
      'INVALID',
    ],
    [
      'an amount beyond a bigint',
      { totals: [{ currency: 'EUR', count: 1, amount: (amountMinorUnitsMax + 1n).toString() }] },
      'totals[0].amount',
      'OUT_OF_RANGE',
    ],
    [
      'an amount with no payment',
      { totals: [{ currency: 'EUR', count: 0, amount: '1' }] },
      'totals[0].amount',
      'INVALID',
    ],
    [
      'payments with no amount',
      { totals: [{ currency: 'EUR', count: 3, amount: '0' }] },
      'totals[0].amount',
      'INVALID',
    ],
  ] as const)('names the field of %s', (_name, change, field, code) => {
    expect(reportProblems({ ...report, ...change }, nowMs, skewMs)).toEqual([
      expect.objectContaining({ field, code }),
    ]);
  });

  it('accepts the amount 2^63 − 1 and an empty day (no currency, or zero and zero)', () => {
    expect(
      reportProblems(
        {
          ...report,
          totals: [{ currency: 'EUR', count: 1, amount: amountMinorUnitsMax.toString() }],
        },
        nowMs,
        skewMs,
      ),
    ).toEqual([]);
    expect(reportProblems({ ...report, totals: [] }, nowMs, skewMs)).toEqual([]);
    expect(
      reportProblems(
        { ...report, totals: [{ currency: 'EUR', count: 0, amount: '0' }] },
        nowMs,
        skewMs,
      ),
    ).toEqual([]);
  });
});

describe('compareTotals', () => {
  it('matches when every currency has the same count and amount (rejected transactions count as received)', () => {
    expect(
      compareTotals(report.totals, [received('CHF', 1, 990n), received('EUR', 2, 2500n, 1, 1250n)]),
    ).toEqual({ status: 'matched', differences: [] });
    expect(compareTotals([{ currency: 'EUR', count: 0, amount: '0' }], [])).toEqual({
      status: 'matched',
      differences: [],
    });
  });

  it('lists each differing currency, reported − received, in currency order', () => {
    const result = compareTotals(report.totals, [
      received('EUR', 1, 1250n),
      received('USD', 1, 500n),
    ]);
    expect(result).toEqual({
      status: 'mismatched',
      differences: [
        {
          currency: 'CHF',
          reportedCount: 1,
          reportedAmount: '990',
          receivedCount: 0,
          receivedAmount: '0',
          countDifference: 1,
          amountDifference: '990',
        },
        {
          currency: 'EUR',
          reportedCount: 2,
          reportedAmount: '2500',
          receivedCount: 1,
          receivedAmount: '1250',
          countDifference: 1,
          amountDifference: '1250',
        },
        {
          currency: 'USD',
          reportedCount: 0,
          reportedAmount: '0',
          receivedCount: 1,
          receivedAmount: '500',
          countDifference: -1,
          amountDifference: '-500',
        },
      ],
    });
  });

  it('tells an amount difference with equal counts (a tampered amount) and keeps amounts exact beyond 2^53', () => {
    const big = 2n ** 60n;
    expect(
      compareTotals(
        [{ currency: 'EUR', count: 1, amount: (big + 1n).toString() }],
        [received('EUR', 1, big)],
      ),
    ).toMatchObject({
      status: 'mismatched',
      differences: [
        {
          currency: 'EUR',
          countDifference: 0,
          amountDifference: '1',
          reportedAmount: '1152921504606846977',
        },
      ],
    });
  });
});

describe('canonicalReportContent', () => {
  it('is the same for the same totals in another order, and differs for another amount or period', () => {
    const reordered = { ...report, totals: [...report.totals].reverse() };
    expect(canonicalReportContent(reordered)).toBe(canonicalReportContent(report));
    expect(
      canonicalReportContent({
        ...report,
        totals: [{ currency: 'EUR', count: 2, amount: '2501' }, report.totals[1]!],
      }),
    ).not.toBe(canonicalReportContent(report));
    expect(canonicalReportContent({ ...report, periodEnd: '2026-11-29T00:00:00.001Z' })).not.toBe(
      canonicalReportContent(report),
    );
  });
});
