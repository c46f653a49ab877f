// The headline figures of each benchmark, derived from the data it writes (so a result file written
// before figures existed is reported the same way), and the targets they are held to (issues 12 and
// 14, docs/ledger.md, docs/verifier.md). Each bench passes `headlineFigures.<name>(data)` to
// writeResults; the report recomputes them only for a file that lacks them.
import { type BarChart, type Figure, figure } from './figures';

export const targets = {
  backboneEventsPerSecond: 20_000,
  backboneRatio: 0.6,
  ledgerSettledPerSecond: 10_000,
  ledgerRatio: 0.6,
  ledgerRebuildEntriesPerSecond: 50_000,
  guardKeptAliveRatio: 0.8,
  tokenIssuanceRatio: 0.5,
  verifierVerifiedPerSecond: 3_000,
  verifierStepRatio: 0.8,
  endToEndSettledPerSecond: 2_000,
  endToEndP99MsAtFixedRate: 1_000,
} as const;

/** The guard bench's rows, by the names it writes them under. */
export const guardRowNames = {
  handshake: 'plain TLS 1.3 handshake (connect, close)',
  newConnectionUnguarded: 'unguarded request, new TLS connection each',
  newConnectionGuarded: 'guarded request, new TLS connection each',
  keptAliveUnguarded: 'unguarded request, kept-alive connections',
  keptAliveGuarded: 'guarded request, kept-alive connections',
} as const;

export interface BackboneData {
  readonly baseline: { readonly eventsPerSecond: number };
  readonly results: readonly {
    readonly batchSize: number;
    readonly effect: string;
    readonly eventsPerSecond: number;
  }[];
}

export interface CryptoData {
  readonly algorithms: readonly {
    readonly alg: string;
    readonly native: { readonly raw?: number; readonly verifyConsumerAuthorization?: number };
  }[];
  readonly transaction: {
    readonly rawPair?: number;
    readonly decodeAndVerifyOfflineTransaction?: number;
  };
}

export interface GuardData {
  readonly rows: readonly { readonly name: string; readonly perSecond: number }[];
}

export interface TokenIssuerData {
  readonly results: readonly {
    readonly concurrency: number;
    readonly handshakesPerSecond: number;
    readonly issuancesPerSecond: number;
  }[];
}

export interface LedgerData {
  readonly results: readonly {
    readonly batchSize: number;
    readonly ledger: { readonly settledPerSecond: number } | null;
    readonly raw: { readonly settledPerSecond: number } | null;
  }[];
  readonly rebuild?: { readonly entriesPerSecond?: number };
}

export interface VerifierData {
  readonly rows: readonly { readonly configuration: string; readonly verifiedPerSecond: number }[];
  readonly step: { readonly rawPairPerSecond: number; readonly verificationStepPerSecond: number };
}

/** One measured run of the end-to-end bench: a terminals × batch configuration, or the fixed-rate run. */
export interface EndToEndRun {
  readonly configuration: string;
  readonly terminals: number;
  readonly batchSize: number;
  /** null: uploads as fast as the terminals can (a throughput run). */
  readonly ratePerSecond: number | null;
  readonly payments: number;
  readonly settled: number;
  /** Payments settled per second, first upload accepted → last settlement. */
  readonly settledPerSecond: number;
  readonly uploadToSettledMs: {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
  };
}

export interface EndToEndData {
  /** BENCH_SCALE of a shortened run (1 or absent: the recorded length). */
  readonly scale?: number;
  readonly runs: readonly EndToEndRun[];
  readonly fixedRate: EndToEndRun | null;
  readonly baseline: { readonly label: string; readonly settledPerSecond: number } | null;
}

function requireValue(value: number | undefined, what: string): number {
  if (value === undefined || !Number.isFinite(value))
    throw new Error(`headline figures: ${what} is missing from the results`);
  return value;
}

function best<Row>(rows: readonly Row[], rateOf: (row: Row) => number): Row {
  if (rows.length === 0) throw new Error('headline figures: no rows to choose the best from');
  return rows.reduce((left, right) => (rateOf(right) > rateOf(left) ? right : left));
}

const atLeast = (value: number) => `≥ ${value.toLocaleString('en-US')}`;

function backbone(data: BackboneData): Figure[] {
  const run = data.results.find(
    (row) => row.batchSize === 1_000 && row.effect === 'set-based statements',
  );
  const value = requireValue(run?.eventsPerSecond, 'the set-based batch-1000 run');
  const ratio = value / data.baseline.eventsPerSecond;
  return [
    figure({
      id: 'backbone.set-based-1000',
      label: 'outbox → Kafka → inbox, set-based effects, batch 1000',
      value,
      unit: 'events/s',
      baseline: { label: 'raw kafkajs produce + consume', value: data.baseline.eventsPerSecond },
      target: {
        text: `${atLeast(targets.backboneEventsPerSecond)} events/s and ≥ ${targets.backboneRatio * 100} % of baseline`,
        met: value >= targets.backboneEventsPerSecond && ratio >= targets.backboneRatio,
      },
    }),
  ];
}

function crypto(data: CryptoData): Figure[] {
  const es256 = data.algorithms.find((row) => row.alg === 'ES256');
  return [
    figure({
      id: 'crypto.es256-authorization',
      label: 'verifyConsumerAuthorization ES256 (native), one core',
      value: requireValue(
        es256?.native.verifyConsumerAuthorization,
        'ES256 verifyConsumerAuthorization',
      ),
      unit: 'verifications/s',
      baseline: {
        label: 'raw node:crypto verify',
        value: requireValue(es256?.native.raw, 'ES256 raw'),
      },
    }),
    figure({
      id: 'crypto.offline-transaction',
      label: 'decode + verify an offline transaction, one core',
      value: requireValue(
        data.transaction.decodeAndVerifyOfflineTransaction,
        'decodeAndVerifyOfflineTransaction',
      ),
      unit: 'transactions/s',
      baseline: {
        label: 'raw pair of node:crypto verifications',
        value: requireValue(data.transaction.rawPair, 'rawPair'),
      },
    }),
  ];
}

function guard(data: GuardData): Figure[] {
  const rate = (name: string) =>
    requireValue(data.rows.find((row) => row.name === name)?.perSecond, `the guard row "${name}"`);
  const keptAlive = rate(guardRowNames.keptAliveGuarded);
  const keptAliveBaseline = rate(guardRowNames.keptAliveUnguarded);
  return [
    figure({
      id: 'guard.kept-alive',
      label: 'guarded request, kept-alive connection',
      value: keptAlive,
      unit: 'requests/s',
      baseline: { label: 'unguarded request, kept-alive', value: keptAliveBaseline },
      target: {
        text: `≥ ${targets.guardKeptAliveRatio * 100} % of unguarded`,
        met: keptAlive / keptAliveBaseline >= targets.guardKeptAliveRatio,
      },
    }),
    figure({
      id: 'guard.new-connection',
      label: 'guarded request, new TLS connection each',
      value: rate(guardRowNames.newConnectionGuarded),
      unit: 'requests/s',
      baseline: {
        label: 'plain TLS 1.3 handshake',
        value: rate(guardRowNames.handshake),
        unit: 'handshakes/s',
      },
    }),
  ];
}

function tokenIssuer(data: TokenIssuerData): Figure[] {
  const row = best(data.results, (result) => result.concurrency);
  const ratio = row.issuancesPerSecond / row.handshakesPerSecond;
  return [
    figure({
      id: 'token-issuer.issuance',
      label: `token issuance, ${row.concurrency} clients, new TLS connection each`,
      value: row.issuancesPerSecond,
      unit: 'issuances/s',
      baseline: {
        label: 'TLS 1.3 handshakes, same server',
        value: row.handshakesPerSecond,
        unit: 'handshakes/s',
      },
      target: {
        text: `≥ ${targets.tokenIssuanceRatio * 100} % of the handshake rate`,
        met: ratio >= targets.tokenIssuanceRatio,
      },
    }),
  ];
}

function ledger(data: LedgerData): Figure[] {
  const run = data.results.find((row) => row.batchSize === 1_000);
  const value = requireValue(run?.ledger?.settledPerSecond, 'the ledger batch-1000 run');
  const baseline = requireValue(run?.raw?.settledPerSecond, 'the raw batch-1000 run');
  const figures = [
    figure({
      id: 'ledger.batch-1000',
      label: 'ledger settlement, batch 1000',
      value,
      unit: 'settled/s',
      baseline: { label: 'same writes by hand with pg', value: baseline },
      target: {
        text: `${atLeast(targets.ledgerSettledPerSecond)} settled/s and ≥ ${targets.ledgerRatio * 100} % of baseline`,
        met: value >= targets.ledgerSettledPerSecond && value / baseline >= targets.ledgerRatio,
      },
    }),
  ];
  const rebuild = data.rebuild?.entriesPerSecond;
  if (rebuild === undefined) return figures;
  return [
    ...figures,
    figure({
      id: 'ledger.rebuild',
      label: 'journal rebuild and compare (batch-1000 journal)',
      value: rebuild,
      unit: 'entries/s',
      target: {
        text: `${atLeast(targets.ledgerRebuildEntriesPerSecond)} entries/s`,
        met: rebuild >= targets.ledgerRebuildEntriesPerSecond,
      },
    }),
  ];
}

function verifier(data: VerifierData): Figure[] {
  const row = best(data.rows, (candidate) => candidate.verifiedPerSecond);
  const stepRatio = data.step.verificationStepPerSecond / data.step.rawPairPerSecond;
  return [
    figure({
      id: 'verifier.best',
      label: `upload → verified, ${row.configuration} (best)`,
      value: row.verifiedPerSecond,
      unit: 'verified/s',
      baseline: {
        label: 'raw pair of signature verifications, one thread, no I/O',
        value: data.step.rawPairPerSecond,
        unit: 'pairs/s',
      },
      target: {
        text: `${atLeast(targets.verifierVerifiedPerSecond)} verified/s`,
        met: row.verifiedPerSecond >= targets.verifierVerifiedPerSecond,
      },
    }),
    figure({
      id: 'verifier.step',
      label: 'verification step (decode, both signatures, every rule), no I/O',
      value: data.step.verificationStepPerSecond,
      unit: 'transactions/s',
      baseline: { label: 'raw pair of signature verifications', value: data.step.rawPairPerSecond },
      target: {
        text: `≥ ${targets.verifierStepRatio * 100} % of raw`,
        met: stepRatio >= targets.verifierStepRatio,
      },
    }),
  ];
}

function endToEnd(data: EndToEndData): Figure[] {
  const figures: Figure[] = [];
  const shortened =
    data.scale === undefined || data.scale === 1
      ? ''
      : ` — shortened run, BENCH_SCALE=${data.scale}`;
  if (data.runs.length > 0) {
    const row = best(data.runs, (run) => run.settledPerSecond);
    figures.push(
      figure({
        id: 'end-to-end.throughput',
        label: `upload → settled, four services, ${row.configuration} (best)${shortened}`,
        value: row.settledPerSecond,
        unit: 'settled/s',
        ...(data.baseline
          ? { baseline: { label: data.baseline.label, value: data.baseline.settledPerSecond } }
          : {}),
        target: {
          text: `${atLeast(targets.endToEndSettledPerSecond)} settled/s`,
          met: row.settledPerSecond >= targets.endToEndSettledPerSecond,
        },
      }),
    );
  }
  if (data.fixedRate) {
    const latency = data.fixedRate.uploadToSettledMs;
    figures.push(
      figure({
        id: 'end-to-end.p99-at-fixed-rate',
        label: `upload → settled p99 at ${data.fixedRate.ratePerSecond} payments/s${shortened}`,
        value: latency.p99,
        unit: 'ms',
        target: {
          text: `< ${targets.endToEndP99MsAtFixedRate.toLocaleString('en-US')} ms`,
          met: latency.p99 < targets.endToEndP99MsAtFixedRate,
        },
      }),
      figure({
        id: 'end-to-end.p50-at-fixed-rate',
        label: `upload → settled p50 at ${data.fixedRate.ratePerSecond} payments/s`,
        value: latency.p50,
        unit: 'ms',
      }),
    );
  }
  return figures;
}

/** The end-to-end bench's own charts: throughput per configuration, latency percentiles per run. */
function endToEndCharts(data: EndToEndData): BarChart[] {
  const runs = [...data.runs, ...(data.fixedRate ? [data.fixedRate] : [])];
  if (runs.length === 0) return [];
  return [
    {
      id: 'end-to-end-throughput',
      title: 'End to end: payments settled per second (first upload → last settlement)',
      unit: 'settled/s',
      series: ['four services', 'baseline: components alone'],
      groups: [
        ...runs.map((run) => ({ label: run.configuration, values: [run.settledPerSecond, null] })),
        ...(data.baseline
          ? [{ label: data.baseline.label, values: [null, data.baseline.settledPerSecond] }]
          : []),
      ],
      scale: 'shared',
      reference: {
        label: `target ${atLeast(targets.endToEndSettledPerSecond)}/s`,
        value: targets.endToEndSettledPerSecond,
      },
    },
    {
      id: 'end-to-end-latency',
      title: 'End to end: upload → settled latency percentiles',
      unit: 'ms',
      series: ['p50', 'p95', 'p99'],
      groups: runs.map((run) => ({
        label: run.configuration,
        values: [run.uploadToSettledMs.p50, run.uploadToSettledMs.p95, run.uploadToSettledMs.p99],
      })),
      scale: 'shared',
      reference: {
        label: `target p99 < ${targets.endToEndP99MsAtFixedRate} ms at the fixed rate`,
        value: targets.endToEndP99MsAtFixedRate,
      },
    },
  ];
}

/** What each bench's data must hold for its figures; the benches' writeResults calls are checked against it. */
export const headlineFigures = {
  backbone,
  crypto,
  guard,
  'token-issuer': tokenIssuer,
  ledger,
  verifier,
  'end-to-end': endToEnd,
  sound: soundFigures,
} satisfies Record<string, (data: never) => Figure[]>;

/** Charts beyond the product-vs-baseline bars every bench gets. */
export const extraCharts: Partial<
  Record<keyof typeof headlineFigures, (data: never) => BarChart[]>
> = { 'end-to-end': endToEndCharts };

/**
 * The sound bench's headline figures (issue 15): seconds on air of a repeat and a first checkout,
 * frames lost at 0…+20 dB and silent corruptions, the shipped link next to the old setting.
 */
export function soundFigures(data: {
  readonly airSeconds: Record<
    'shipped' | 'baseline',
    { readonly repeatCheckoutSeconds: number; readonly firstEncounterSeconds: number }
  >;
  readonly frameLoss: {
    readonly rows: readonly {
      readonly setting: string;
      readonly frames: number;
      readonly lost: number;
      readonly lossRate: number;
    }[];
  };
  readonly robustness: readonly { readonly silentCorruptions: number }[];
  readonly settings: Record<'shipped' | 'baseline', string>;
  readonly [field: string]: unknown;
}): Figure[] {
  const lossOf = (setting: string) =>
    requireValue(
      data.frameLoss.rows.find((row) => row.setting === setting)?.lossRate,
      `the frame loss of "${setting}"`,
    );
  const lossShipped = lossOf(data.settings.shipped);
  const lossBaseline = lossOf(data.settings.baseline);
  const framesShipped =
    data.frameLoss.rows.find((row) => row.setting === data.settings.shipped)?.frames ?? 0;
  const { shipped, baseline } = data.airSeconds;
  return [
    figure({
      id: 'sound.repeat-checkout',
      label: 'repeat checkout on air: request + authorization',
      value: shipped.repeatCheckoutSeconds,
      unit: 's',
      baseline: { label: 'audible fast (old)', value: baseline.repeatCheckoutSeconds },
      target: { text: '≤ 4 s', met: shipped.repeatCheckoutSeconds <= 4 },
    }),
    figure({
      id: 'sound.first-encounter',
      label: 'first encounter on air: both credentials, request, authorization',
      value: shipped.firstEncounterSeconds,
      unit: 's',
      baseline: { label: 'audible fast (old)', value: baseline.firstEncounterSeconds },
      target: { text: '≤ 8 s', met: shipped.firstEncounterSeconds <= 8 },
    }),
    figure({
      id: 'sound.frame-loss',
      label: `frames lost at 0…+20 dB white noise (${framesShipped} frames)`,
      value: lossShipped * 100,
      unit: '%',
      ...(lossBaseline > 0
        ? { baseline: { label: 'audible fast, one pass (old)', value: lossBaseline * 100 } }
        : {}),
      target: { text: '≤ 0.05 % (1 in 2,000)', met: lossShipped <= 1 / 2_000 },
    }),
    figure({
      id: 'sound.silent-corruptions',
      label: 'wrong messages returned as good, robustness table',
      value: data.robustness.reduce((total, row) => total + row.silentCorruptions, 0),
      unit: 'messages',
      target: { text: '0', met: data.robustness.every((row) => row.silentCorruptions === 0) },
    }),
  ];
}
