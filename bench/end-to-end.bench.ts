// Payments settled per second through the four real services, each a child process started from its
// apps/<name>/src/main.ts as in production (test/support/stack), on the Kafka of `npm run bench` and the
// local PostgreSQL, everything on this one machine. Terminals upload dual-signed offline transactions,
// made before the clock starts, over their bound TLS sessions (test/support/load: the device SDK's
// upload client, at most 100 transactions per request); the verifier verifies them, the ledger settles
// them, the verifier records the settlement. Measured per configuration (terminals × batch, uploads as
// fast as the terminals go): payments settled per second from the first upload to the last settlement,
// and upload → settled p50/p95/p99 (the verifier's uploaded_at → settled_at); then a run at a fixed
// 500 payments/s for its p99. Where the time goes: upload → verified and verified → settled, and the
// cores each service, this process and the rest (Kafka, PostgreSQL) used.
// Baseline: the slowest component alone, from the verifier and ledger benches' latest results (run
// just before this bench by `npm run bench`): settlement can go no faster than its slowest stage.
// Run with `npm run bench -- end-to-end`; BENCH_SCALE=0.05 shrinks every run for a quick try;
// BENCH_VERIFIER_REPLICAS=2 runs a second verifier process (its consumers take half the partitions;
// the terminals still upload to the first), its cores added to the verifier's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sleep } from '@settle/demo';
import {
  drainConfirmations,
  driveUploads,
  finalPollMs,
  finalVerifierStatuses,
  type LoadWorld,
  loadStackEnvOf,
  onboardLoad,
  percentile,
  preparePayments,
  type PreparedPayment,
  readOutcome,
  readVerifierTransactions,
  referenceBalances,
} from '@settle/load-driver';
import { type ServiceStack, serviceNames, startServiceStack } from '@settle/service-stack';
import { Pool } from 'pg';
import { cpuShareBetween, type CpuShare, sampleCpu } from './cpu-time';
import { type Figure } from './report/figures';
import { type EndToEndData, type EndToEndRun, headlineFigures, targets } from './report/headline';
import { figuresOf, type StoredResult } from './report/report';
import { writeResults } from './results';

/** BENCH_SCALE multiplies every run's payments (and the fixed-rate run's length); 1 for the recorded run. */
const scale = Number(process.env.BENCH_SCALE ?? 1);
/** BENCH_VERIFIER_REPLICAS: verifier processes (1 for the recorded run). */
const verifierReplicas = Number(process.env.BENCH_VERIFIER_REPLICAS ?? 1);
/**
 * Sized so that the whole bench takes ≈ 6 min on 2 cores: signing the payments beforehand (one after
 * the other, ≈ 250/s in JavaScript) is its longest part, then onboarding (≈ 40 s).
 */
const throughputRuns = [
  { terminals: 2, batchSize: 100, payments: 4_000 },
  { terminals: 4, batchSize: 100, payments: 6_000 },
  { terminals: 4, batchSize: 500, payments: 8_000 },
  { terminals: 8, batchSize: 500, payments: 8_000 },
];
/**
 * Steady traffic for the latency target: each terminal sends what fell due, up to 25 at a time. A
 * terminal has one upload in flight (a new bound connection each, as the device SDK uploads), so the
 * rate it can offer is 25 ÷ the verifier's answer time: 4 terminals kept up only while an answer took
 * under 200 ms (386 of 500/s at ≈ 260 ms on a busy verifier, the rest waiting in the terminals' queues,
 * which upload → settled does not count). 8 terminals at 62.5/s each offer 500/s up to ≈ 400 ms.
 */
const fixedRateRun = { terminals: 8, batchSize: 25, ratePerSecond: 500, seconds: 30 };
/** Consumers, one phone each: enough wallets that the ledger's hash chains are not one queue. */
const phoneCount = 120;
/** A throughput run's "rate": every payment is due at the start, each terminal uploads back to back. */
const asFastAsTheTerminalsGoPerSecond = 1_000_000;
const uploadTimeoutMs = 10 * 60_000;
const finalTimeoutMs = 5 * 60_000;
/** Between runs: the outbox relays and consumers go idle before the next clock starts. */
const quietBetweenRunsMs = 3_000;
/** Set by `npm run bench`: a component result measured since then is from the same run. */
const benchRunStartedAt = process.env.BENCH_RUN_STARTED_AT;

const scaled = (payments: number) => Math.max(50, Math.round(payments * scale));

interface MeasuredRun extends EndToEndRun {
  readonly rejected: number;
  readonly uploadedPerSecond: number;
  readonly uploadToVerifiedMs: { readonly p50: number; readonly p99: number };
  readonly verifiedToSettledMs: { readonly p50: number; readonly p99: number };
  readonly uploadRetries: number;
  /** Due (start + index ÷ rate) → accepted receipt: the wait in the terminals' queues, not in upload → settled. */
  readonly dueToAcceptedMs: { readonly p50: number; readonly p99: number };
  readonly cpu: CpuShare;
}

/** The services' child processes by name (their command line holds apps/<name>/src/main.ts). */
function serviceLabelOf(commandLine: string): string | null {
  return serviceNames.find((name) => commandLine.includes(`apps/${name}/src/main.ts`)) ?? null;
}

/**
 * Waits until the verifier holds no transaction in a non-final state. Every transaction in its database
 * is the bench's and runs follow one another, so one count query says it: no reading of every row at
 * each poll while the services are still at work.
 */
async function waitUntilAllFinal(stack: ServiceStack, configuration: string): Promise<void> {
  const pool = new Pool({ connectionString: stack.services.verifier.databaseUrl, max: 1 });
  try {
    const deadline = Date.now() + finalTimeoutMs;
    for (;;) {
      const { rows } = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM verifier_transactions WHERE NOT (status = ANY($1::text[]))',
        [finalVerifierStatuses],
      );
      if (rows[0]!.n === 0) return;
      if (Date.now() > deadline)
        throw new Error(
          `${configuration}: ${rows[0]!.n} payments not final after ${finalTimeoutMs} ms`,
        );
      await sleep(finalPollMs);
    }
  } finally {
    await pool.end();
  }
}

function millisecondsBetween(from: Date | null, to: Date | null): number | null {
  return from === null || to === null ? null : to.getTime() - from.getTime();
}

function percentilesOf(values: readonly (number | null)[]): {
  p50: number;
  p95: number;
  p99: number;
  max: number;
} {
  const sorted = values
    .filter((value): value is number => value !== null)
    .sort((left, right) => left - right);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

interface RunPlan {
  readonly terminals: number;
  readonly batchSize: number;
  readonly payments: number;
  readonly ratePerSecond: number | null;
}

async function measureRun(
  stack: ServiceStack,
  world: LoadWorld,
  run: RunPlan,
): Promise<{ measured: MeasuredRun; payments: PreparedPayment[] }> {
  const terminals = world.terminals.slice(0, run.terminals);
  const runWorld = { ...world, terminals };
  const configuration =
    run.ratePerSecond === null
      ? `${run.terminals} terminals × batch ${run.batchSize}`
      : `${run.terminals} terminals at ${run.ratePerSecond}/s`;
  // Signed before the clock starts: phones and terminals do this offline, long before the upload.
  const preparing = Date.now();
  const payments: PreparedPayment[] = await preparePayments(runWorld, run.payments);
  console.log(
    `[end-to-end] ${configuration}: ${payments.length} payments signed in ${Date.now() - preparing} ms`,
  );
  await sleep(quietBetweenRunsMs);
  const ratePerSecond = run.ratePerSecond ?? asFastAsTheTerminalsGoPerSecond;
  const before = sampleCpu(serviceLabelOf);
  const drive = await driveUploads(stack.endpoints, runWorld, payments, {
    ratePerSecond,
    batchSize: run.batchSize,
    timeoutMs: uploadTimeoutMs,
  });
  if (drive.unaccepted.length > 0 || drive.refused.size > 0)
    throw new Error(
      `${configuration}: ${drive.unaccepted.length} never accepted, ${drive.refused.size} refused (e.g. ${[...drive.refused.values()][0]})`,
    );
  const ids = payments.map((payment) => payment.transactionId);
  await waitUntilAllFinal(stack, configuration);
  const after = sampleCpu(serviceLabelOf);
  const transactions = await readVerifierTransactions(stack);
  // Outside the measured time, as a POS back online does: its confirmations take the run off its queue.
  await drainConfirmations(stack.endpoints, terminals);
  const ours = ids.map((id) => transactions.get(id)!);
  const settled = ours.filter((transaction) => transaction.status === 'settled');
  const lastSettledMs = Math.max(...settled.map((transaction) => transaction.settledAt!.getTime()));
  const verifiedToSettled = percentilesOf(
    ours.map((transaction) => millisecondsBetween(transaction.decidedAt, transaction.settledAt)),
  );
  const uploadToVerified = percentilesOf(
    ours.map((transaction) => millisecondsBetween(transaction.uploadedAt, transaction.decidedAt)),
  );
  const dueToAccepted = percentilesOf(
    payments.map((payment) => {
      const acceptedAt = drive.acceptedAt.get(payment.transactionId);
      const dueAt = drive.startedAt + (payment.index * 1000) / ratePerSecond;
      return acceptedAt === undefined ? null : acceptedAt - dueAt;
    }),
  );
  const measured: MeasuredRun = {
    configuration,
    terminals: run.terminals,
    batchSize: run.batchSize,
    ratePerSecond: run.ratePerSecond,
    payments: run.payments,
    settled: settled.length,
    rejected: ours.length - settled.length,
    settledPerSecond: settled.length / ((lastSettledMs - drive.startedAt) / 1000),
    uploadedPerSecond: drive.acceptedAt.size / ((drive.endedAt - drive.startedAt) / 1000),
    uploadToSettledMs: percentilesOf(
      ours.map((transaction) => millisecondsBetween(transaction.uploadedAt, transaction.settledAt)),
    ),
    uploadToVerifiedMs: { p50: uploadToVerified.p50, p99: uploadToVerified.p99 },
    verifiedToSettledMs: { p50: verifiedToSettled.p50, p99: verifiedToSettled.p99 },
    uploadRetries: Object.values(drive.retries).reduce((sum, count) => sum + count, 0),
    dueToAcceptedMs: { p50: Math.round(dueToAccepted.p50), p99: Math.round(dueToAccepted.p99) },
    cpu: cpuShareBetween(before, after),
  };
  console.log(JSON.stringify(measured));
  return { measured, payments };
}

/** A component's headline figure from its latest result file (null: no file, or no such figure in it). */
function componentFigure(
  name: string,
  figureId: string,
): { readonly figure: Figure; readonly measuredAt: string } | null {
  let stored: StoredResult;
  try {
    stored = JSON.parse(
      readFileSync(path.join(__dirname, 'results', `${name}.json`), 'utf8'),
    ) as StoredResult;
  } catch {
    return null;
  }
  const figure = figuresOf(stored)?.find((candidate) => candidate.id === figureId);
  return figure ? { figure, measuredAt: stored.measuredAt } : null;
}

/** The slowest of the verifier (best configuration) and the ledger (batch 1000), each measured alone. */
function componentsBaseline(): EndToEndData['baseline'] {
  const components = [
    { name: 'verifier', measured: componentFigure('verifier', 'verifier.best') },
    { name: 'ledger', measured: componentFigure('ledger', 'ledger.batch-1000') },
  ];
  if (components.some((component) => component.measured === null)) {
    console.warn(
      '[end-to-end] no baseline: the verifier and ledger benches have no usable results in bench/results',
    );
    return null;
  }
  const slowest = components.reduce((left, right) =>
    right.measured!.figure.value < left.measured!.figure.value ? right : left,
  );
  const { figure, measuredAt } = slowest.measured!;
  const sameRun =
    benchRunStartedAt !== undefined && Date.parse(measuredAt) >= Date.parse(benchRunStartedAt);
  const when = sameRun
    ? 'same bench run'
    : `measured ${measuredAt.slice(0, 16).replace('T', ' ')} UTC`;
  return {
    label: `slowest component alone: ${slowest.name}, ${figure.label} (${when})`,
    settledPerSecond: figure.value,
  };
}

/**
 * What must hold after every run, or the figures mean nothing: every payment so far settled once, the
 * balances those payments make (the reference model), intact hash chains, no dead letters.
 */
async function checkOutcome(
  stack: ServiceStack,
  world: LoadWorld,
  paymentsSoFar: readonly PreparedPayment[],
): Promise<void> {
  const outcome = await readOutcome(stack);
  const settledTwice = [...outcome.paymentEntries].filter(([, entries]) => entries > 1).length;
  const deadLetters = Object.values(outcome.deadLetters).reduce((sum, count) => sum + count, 0);
  const notSettled = paymentsSoFar.filter(
    (payment) => outcome.ledgerOutcomes.get(payment.transactionId) !== 'settled',
  ).length;
  const balanceMismatches = [...referenceBalances(world, paymentsSoFar)].filter(
    ([account, balance]) => outcome.balances.get(account) !== balance,
  ).length;
  if (
    settledTwice > 0 ||
    deadLetters > 0 ||
    !outcome.chain.ok ||
    notSettled > 0 ||
    balanceMismatches > 0
  ) {
    throw new Error(
      `end-to-end outcome check failed: ${JSON.stringify({ settledTwice, deadLetters, chain: outcome.chain, notSettled, balanceMismatches })}`,
    );
  }
}

function rowOf(run: MeasuredRun): string {
  const cpu = run.cpu;
  const services = serviceNames.map((name) => (cpu.childCores[name] ?? 0).toFixed(2)).join(' / ');
  const rest =
    cpu.machineCores === null
      ? '—'
      : (
          cpu.machineCores -
          cpu.ownCores -
          Object.values(cpu.childCores).reduce((sum, cores) => sum + cores, 0)
        ).toFixed(2);
  return (
    `| ${run.configuration} | ${run.payments} | ${Math.round(run.uploadedPerSecond)} | **${Math.round(run.settledPerSecond)}** | ${run.uploadToSettledMs.p50} | ${run.uploadToSettledMs.p95} | **${run.uploadToSettledMs.p99}** | ` +
    `${run.uploadToVerifiedMs.p50} / ${run.uploadToVerifiedMs.p99} | ${run.verifiedToSettledMs.p50} / ${run.verifiedToSettledMs.p99} | ${run.dueToAcceptedMs.p50} / ${run.dueToAcceptedMs.p99} | ${cpu.machineCores?.toFixed(2) ?? '—'} | ${services} | ${cpu.ownCores.toFixed(2)} | ${rest} | ${run.rejected} |`
  );
}

async function main(): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers)
    throw new Error('KAFKA_BROKERS is not set: run it with `npm run bench -- end-to-end`');
  const runs = [
    ...throughputRuns.map((run) => ({
      ...run,
      payments: scaled(run.payments),
      ratePerSecond: null,
    })),
    { ...fixedRateRun, payments: scaled(fixedRateRun.ratePerSecond * fixedRateRun.seconds) },
  ];
  const setupStarted = Date.now();
  const stack = await startServiceStack({
    kafkaBrokers: brokers,
    databasePrefix: 'bench_e2e',
    replicasOf: { verifier: verifierReplicas },
    // The per-terminal upload rate limit raised (as in the verifier bench): this measures settlement, not refusals.
    envOf: {
      ...loadStackEnvOf,
      verifier: {
        SETTLE_VERIFIER_UPLOAD_RATE_PER_SECOND: '10000',
        SETTLE_VERIFIER_UPLOAD_BURST: '100000',
      },
    },
  });
  try {
    const paymentsPerPhoneMax =
      Math.ceil(runs.reduce((sum, run) => sum + run.payments, 0) / phoneCount) + 1;
    const world = await onboardLoad(stack.endpoints, {
      terminals: Math.max(...runs.map((run) => run.terminals)),
      phones: phoneCount,
      paymentsPerPhoneMax,
    });
    console.log(
      `[end-to-end] four services, ${world.terminals.length} terminals and ${phoneCount} phones ready in ${Date.now() - setupStarted} ms`,
    );
    const measured: MeasuredRun[] = [];
    const paymentsSoFar: PreparedPayment[] = [];
    for (const run of runs) {
      const result = await measureRun(stack, world, run);
      measured.push(result.measured);
      paymentsSoFar.push(...result.payments);
      await checkOutcome(stack, world, paymentsSoFar);
    }
    const data: EndToEndData & Record<string, unknown> = {
      description:
        'four services as child processes (token issuer, registry, verifier, ledger), Kafka and PostgreSQL on one machine; terminals upload pre-signed offline transactions over bound TLS sessions; settled = the verifier recorded the ledger’s settlement',
      phones: phoneCount,
      scale,
      verifierReplicas,
      runs: measured.filter((run) => run.ratePerSecond === null),
      fixedRate: measured.find((run) => run.ratePerSecond !== null) ?? null,
      baseline: componentsBaseline(),
    };
    writeResults('end-to-end', data, tableOf(data, measured), headlineFigures['end-to-end'](data));
  } finally {
    await stack.stop();
  }
}

function tableOf(data: EndToEndData, measured: readonly MeasuredRun[]): string[] {
  return [
    `| run | payments | uploaded/s | settled/s (first upload → last settlement) | upload → settled p50 (ms) | p95 | p99 | upload → verified p50 / p99 | verified → settled p50 / p99 | due → upload accepted p50 / p99 (the terminal's queue and answer) | machine cores busy | ${serviceNames.join(' / ')} cores | bench process cores | Kafka, PostgreSQL, rest | rejected |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...measured.map(rowOf),
    '',
    `Baseline: ${data.baseline ? `${data.baseline.label}: ${Math.round(data.baseline.settledPerSecond)}/s` : 'none (no verifier and ledger results in bench/results)'}.`,
    `Targets: ≥ ${targets.endToEndSettledPerSecond} settled/s; upload → settled p99 < ${targets.endToEndP99MsAtFixedRate} ms at ${fixedRateRun.ratePerSecond} payments/s. ${phoneCount} phones${scale === 1 ? '' : `; BENCH_SCALE=${scale}`}${verifierReplicas === 1 ? '' : `; ${verifierReplicas} verifier processes (their cores added)`}.`,
    'Cores: average over the run (first upload → every payment seen final); "rest" is the machine’s busy time less the services and this process (Kafka, PostgreSQL, anything else running).',
  ];
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
