// The numbers of a run, JSON-safe (amounts as decimal strings), from the scenario's result: what
// settled, what was rejected and refused and why, whether every case ended where it must, whether the
// balances match the ledger, and upload→settled latency from the verifier's own times.
import {
  type BalanceCheck,
  type Case,
  type Expected,
  type ScenarioResult,
} from '../scenario/model';
import { percentile } from './statistics';

export interface CaseLine {
  readonly kind: string;
  readonly story: string;
  readonly transactionId: string;
  readonly amount: string;
  readonly expected: string;
  readonly outcome: string;
  readonly asExpected: boolean;
}

export interface DemoSummary {
  readonly attestation: string;
  readonly merchant: string;
  readonly terminals: number;
  readonly phones: number;
  readonly transactions: number;
  readonly settled: number;
  /** Rejected at verification, by reason code (sorted by code). */
  readonly rejected: Readonly<Record<string, number>>;
  /** Refused at upload, by refusal code. */
  readonly refused: Readonly<Record<string, number>>;
  readonly settlementFailed: Readonly<Record<string, number>>;
  readonly pending: number;
  readonly asExpected: { readonly matching: number; readonly total: number };
  readonly cases: readonly CaseLine[];
  readonly balances: ReadonlyArray<BalanceCheck & { readonly matches: boolean }>;
  readonly latency: {
    readonly count: number;
    readonly p50Ms: number | null;
    readonly p99Ms: number | null;
    readonly maxMs: number | null;
    readonly valuesMs: readonly number[];
  };
  readonly uploads: { readonly batches: number; readonly largest: number };
  readonly confirmations: ScenarioResult['confirmations'];
  readonly trace: {
    readonly traceId: string;
    readonly transactionId: string;
    readonly spans: number;
    readonly services: readonly string[];
  };
  readonly phases: ScenarioResult['phases'];
}

export function describeExpected(expected: Expected): string {
  return expected.state === 'settled'
    ? 'settled'
    : expected.state === 'rejected'
      ? `rejected ${expected.reasonCode}`
      : `refused ${expected.code}`;
}

export function describeOutcome(entry: Case): string {
  const outcome = entry.outcome;
  if (!outcome || outcome.state === 'pending') return 'pending (not final in time)';
  return outcome.code ? `${outcome.state} ${outcome.code}` : outcome.state;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of [...values].sort()) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** Upload → settled of every settled case, in milliseconds, from the verifier's uploadedAt and settledAt. */
export function settlementLatenciesMs(cases: readonly Case[]): number[] {
  return cases
    .filter(
      (entry) =>
        entry.outcome?.state === 'settled' && entry.outcome.uploadedAt && entry.outcome.settledAt,
    )
    .map((entry) => Date.parse(entry.outcome!.settledAt!) - Date.parse(entry.outcome!.uploadedAt!))
    .filter((ms) => Number.isFinite(ms) && ms >= 0);
}

export function summarize(
  result: ScenarioResult,
  context: {
    readonly attestation: string;
    readonly traceServices: readonly string[];
    readonly traceSpans: number;
  },
): DemoSummary {
  const { cases } = result;
  const of = (state: string) => cases.filter((entry) => entry.outcome?.state === state);
  const latencies = settlementLatenciesMs(cases);
  const lines = cases.map((entry): CaseLine => {
    const expected = describeExpected(entry.expected);
    const outcome = describeOutcome(entry);
    return {
      kind: entry.kind,
      story: entry.story,
      transactionId: entry.transactionId,
      amount: String(entry.amount),
      expected,
      outcome,
      asExpected: expected === outcome,
    };
  });
  return {
    attestation: context.attestation,
    merchant: `${result.merchant.displayName} (${result.merchant.merchantId})`,
    terminals: result.terminals.length,
    phones: result.phones.length,
    transactions: cases.length,
    settled: of('settled').length,
    rejected: countBy(of('rejected').map((entry) => entry.outcome!.code ?? '?')),
    refused: countBy(of('refused').map((entry) => entry.outcome!.code ?? '?')),
    settlementFailed: countBy(of('settlement-failed').map((entry) => entry.outcome!.code ?? '?')),
    pending: cases.filter((entry) => !entry.outcome || entry.outcome.state === 'pending').length,
    asExpected: { matching: lines.filter((line) => line.asExpected).length, total: lines.length },
    cases: lines,
    balances: result.balances.map((balance) => ({
      ...balance,
      matches: balance.expected === balance.ledger,
    })),
    latency: {
      count: latencies.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.length > 0 ? Math.max(...latencies) : null,
      valuesMs: latencies,
    },
    uploads: {
      batches: result.uploads.length,
      largest: Math.max(0, ...result.uploads.map((upload) => upload.size)),
    },
    confirmations: result.confirmations,
    trace: {
      traceId: result.traced.traceId,
      transactionId: result.traced.transactionId,
      spans: context.traceSpans,
      services: context.traceServices,
    },
    phases: result.phases,
  };
}

/** Whether the run showed what it must: every case as documented, balances matching, nothing pending. */
export function runSucceeded(summary: DemoSummary): boolean {
  return (
    summary.asExpected.matching === summary.asExpected.total &&
    summary.balances.every((balance) => balance.matches) &&
    summary.pending === 0
  );
}

const formatCounts = (counts: Readonly<Record<string, number>>) =>
  Object.entries(counts)
    .map(([code, count]) => `${code} ${count}`)
    .join(' · ') || '—';
const total = (counts: Readonly<Record<string, number>>) =>
  Object.values(counts).reduce((sum, count) => sum + count, 0);
export const formatMs = (ms: number | null) =>
  ms === null ? '—' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;

/**
 * Confirmations verified offline: by the terminals (of everything listed for them: a transaction their
 * queue never held, like the tampered one, is listed but unknown to the SDK) and by the phones (of the
 * payments their own wallet approved).
 */
export function confirmationsText(summary: DemoSummary): string {
  const { terminalsVerified, terminalsListed, phonesVerified, phonesExpected, queuesEmpty } =
    summary.confirmations;
  const unknown = terminalsListed - terminalsVerified;
  return `terminals ${terminalsVerified}/${terminalsListed}${unknown > 0 ? ` (${unknown} not from their own queue)` : ''} · phones ${phonesVerified}/${phonesExpected}${queuesEmpty ? ' · terminal queues empty' : ''}`;
}

/** The summary table the console shows (plain text, no colours: it reads the same in a CI log). */
export function renderSummaryText(
  summary: DemoSummary,
  where: { readonly report: string; readonly outputDirectory: string },
): string {
  const rows: Array<[string, string]> = [
    ['attestation', summary.attestation],
    ['merchant', `${summary.merchant}, ${summary.terminals} terminals, ${summary.phones} phones`],
    [
      'transactions',
      `${summary.transactions} (${summary.uploads.batches} upload batches, largest ${summary.uploads.largest})`,
    ],
    ['settled', String(summary.settled)],
    ['rejected at verification', `${total(summary.rejected)}   ${formatCounts(summary.rejected)}`],
    ['refused at upload', `${total(summary.refused)}   ${formatCounts(summary.refused)}`],
  ];
  if (total(summary.settlementFailed) > 0)
    rows.push([
      'settlement failed',
      `${total(summary.settlementFailed)}   ${formatCounts(summary.settlementFailed)}`,
    ]);
  if (summary.pending > 0) rows.push(['NOT FINAL', `${summary.pending} (see the report)`]);
  const matching = summary.balances.filter((balance) => balance.matches).length;
  rows.push(
    [
      'as documented',
      `${summary.asExpected.matching}/${summary.asExpected.total} cases end where docs/verifier.md says`,
    ],
    [
      'balances match the ledger',
      `${matching}/${summary.balances.length}${matching === summary.balances.length ? '' : '   MISMATCH: see the report'}`,
    ],
    [
      'upload → settled',
      `p50 ${formatMs(summary.latency.p50Ms)} · p99 ${formatMs(summary.latency.p99Ms)} · max ${formatMs(summary.latency.maxMs)} (${summary.latency.count} payments, verifier times)`,
    ],
    ['confirmations verified', confirmationsText(summary)],
    [
      'trace of one payment',
      `${summary.trace.traceId}  (${summary.trace.transactionId.slice(0, 16)}…, ${summary.trace.spans} spans${summary.trace.services.length > 0 ? ` from ${summary.trace.services.join(', ')}` : ''})`,
    ],
    ['recordings', where.outputDirectory],
    ['report', where.report],
  );
  const width = Math.max(...rows.map(([label]) => label.length));
  const caseWidth = Math.max(
    ...summary.cases.filter((line) => line.kind !== 'payment').map((line) => line.kind.length),
    10,
  );
  const attackLines = summary.cases
    .filter((line) => line.kind !== 'payment')
    .map(
      (line) =>
        `  ${line.asExpected ? '✓' : '✗'} ${line.kind.padEnd(caseWidth)}  ${line.outcome.padEnd(42)} ${line.story}`,
    );
  return [
    '',
    '  Demo summary',
    `  ${'─'.repeat(72)}`,
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    '',
    '  The attacks',
    `  ${'─'.repeat(72)}`,
    ...attackLines,
    '',
  ].join('\n');
}
