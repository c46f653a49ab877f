// Faults under load, end to end (issue 12, §4): the four services as child processes on a Kafka of
// the test's own, payments uploaded at a steady rate by the terminals, and meanwhile, one at a time
// with pauses: each service SIGKILLed and restarted, Kafka stopped and restarted, every PostgreSQL
// connection of each service's database terminated. Afterwards every uploaded transaction is final,
// none settled twice, the balances equal the reference model, every hash chain verifies and the
// dead-letter topics are empty. The figures go to bench/results/faults.{json,md}.
//
// Long (several minutes): not in `npm test`; `npm run test:faults` runs it (docs/operations.md,
// "Faults under load"). FAULTS_PAYMENTS_PER_SECOND and FAULTS_DRIVE_SECONDS shorten it while developing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '@settle/demo';
import {
  driveUploads,
  type DriveResult,
  finalVerifierStatuses,
  type LoadOutcome,
  type LoadWorld,
  loadStackEnvOf,
  onboardLoad,
  percentile,
  preparePayments,
  type PreparedPayment,
  readOutcome,
  referenceBalances,
  uploadToSettledMs,
  waitUntilFinal,
} from '@settle/load-driver';
import {
  type OwnKafka,
  type ServiceName,
  type ServiceStack,
  startOwnKafka,
  startServiceStack,
} from '@settle/service-stack';
import { postgresAdminUrl } from '@settle/test-support';
import { Client } from 'pg';
/* eslint-disable @nx/enforce-module-boundaries -- bench/ is no Nx project; its writer puts the figures beside the benchmarks' */
import { figure } from '../../bench/report/figures';
import { writeResults } from '../../bench/results';
/* eslint-enable @nx/enforce-module-boundaries */

const paymentsPerSecond = Number(process.env.FAULTS_PAYMENTS_PER_SECOND ?? 100);
const driveSeconds = Number(process.env.FAULTS_DRIVE_SECONDS ?? 90);
const terminals = 4;
const phones = 20;
const batchSize = 25;
/** Before the first fault and between two: the stack settles back into its rate. */
const faultPauseMs = 5_000;
/** After the drive, how long the last uploads may take to become final. */
const finalWaitMs = 180_000;
const minuteMs = 60_000;
/** Upload→settled is reported per window of upload time, to show which fault made payments wait. */
const latencyWindowMs = 10_000;

type FaultKind = 'sigkill-restart' | 'kafka-stop-restart' | 'pg-terminate-backends';

interface InjectedFault {
  readonly kind: FaultKind;
  readonly target: string;
  /** Since the drive's start. */
  readonly atMs: number;
  /** From the fault to the target answering again (restarts); the connections terminated (PostgreSQL). */
  readonly recoveryMs: number;
  readonly detail?: string;
}

describe('faults under load', () => {
  let kafka: OwnKafka | undefined;
  let stack: ServiceStack | undefined;

  afterAll(async () => {
    await stack?.stop();
    await kafka?.remove();
  }, 2 * minuteMs);

  it(
    'loses nothing and settles nothing twice while services, Kafka and PostgreSQL connections fail',
    async () => {
      const setupStarted = Date.now();
      kafka = await startOwnKafka();
      const logDirectory = mkdtempSync(join(tmpdir(), 'settle-faults-logs-'));
      console.log(`[faults] service logs in ${logDirectory}`);
      stack = await startServiceStack({
        kafkaBrokers: kafka.brokers,
        databasePrefix: 'faults',
        envOf: loadStackEnvOf,
        logDirectory,
      });
      const count = paymentsPerSecond * driveSeconds;
      const world = await onboardLoad(stack.endpoints, {
        terminals,
        phones,
        paymentsPerPhoneMax: Math.ceil(count / phones),
      });
      const payments = await preparePayments(world, count);
      console.log(
        `[faults] stack, ${terminals} terminals, ${phones} phones and ${count} payments ready in ${Date.now() - setupStarted} ms`,
      );

      const driving = driveUploads(stack.endpoints, world, payments, {
        ratePerSecond: paymentsPerSecond,
        batchSize,
        timeoutMs: driveSeconds * 1_000 + 5 * minuteMs,
      });
      const faults = await injectFaults(stack, kafka, Date.now());
      const drive = await driving;
      const accepted = [...drive.acceptedAt.keys()];
      const notFinal = await waitUntilFinal(stack, accepted, finalWaitMs);
      await restartCrashed(stack);
      const outcome = await readOutcome(stack);
      const crashes = crashesOf(stack);
      const figures = figuresOf(world, payments, drive, outcome, faults, crashes);
      report(figures);

      expect({
        unaccepted: drive.unaccepted.length,
        refused: Object.fromEntries(drive.refused),
      }).toEqual({ unaccepted: 0, refused: {} });
      expect({ notFinal: notFinal.slice(0, 10), count: notFinal.length }).toEqual({
        notFinal: [],
        count: 0,
      });
      expect(figures.finalStates).toEqual({ settled: count });
      expect(figures.lost).toBe(0);
      expect(figures.settledTwice).toEqual([]);
      expect(figures.balanceMismatches).toEqual([]);
      expect(outcome.chain).toMatchObject({ ok: true, brokenPartitions: 0 });
      expect(outcome.chain.entriesVerified).toBeGreaterThanOrEqual(count);
      expect(Object.values(outcome.deadLetters).reduce((sum, n) => sum + n, 0)).toBe(0);
      expect(crashes).toEqual([]);
    },
    30 * minuteMs,
  );
});

/** The faults, one at a time with pauses, while the drive runs; each restart awaited. */
async function injectFaults(
  stack: ServiceStack,
  kafka: OwnKafka,
  driveStartedAt: number,
): Promise<InjectedFault[]> {
  const restartAfterSigkill = (name: ServiceName) => async () => {
    await stack.services[name].kill('SIGKILL');
    await stack.services[name].restart();
    return undefined;
  };
  const restartKafka = async () => {
    await kafka.stop();
    await sleep(faultPauseMs);
    await kafka.start();
    return undefined;
  };
  const terminateConnections = (name: ServiceName) => async () =>
    `${await terminateBackends(stack.services[name].databaseName)} connections terminated`;
  const plan: Array<{
    kind: FaultKind;
    target: string;
    inject: () => Promise<string | undefined>;
  }> = [
    { kind: 'sigkill-restart', target: 'ledger', inject: restartAfterSigkill('ledger') },
    { kind: 'pg-terminate-backends', target: 'verifier', inject: terminateConnections('verifier') },
    { kind: 'sigkill-restart', target: 'verifier', inject: restartAfterSigkill('verifier') },
    { kind: 'kafka-stop-restart', target: 'kafka', inject: restartKafka },
    { kind: 'pg-terminate-backends', target: 'ledger', inject: terminateConnections('ledger') },
    { kind: 'sigkill-restart', target: 'registry', inject: restartAfterSigkill('registry') },
    { kind: 'pg-terminate-backends', target: 'registry', inject: terminateConnections('registry') },
    {
      kind: 'sigkill-restart',
      target: 'token-issuer',
      inject: restartAfterSigkill('token-issuer'),
    },
    {
      kind: 'pg-terminate-backends',
      target: 'token-issuer',
      inject: terminateConnections('token-issuer'),
    },
  ];
  const injected: InjectedFault[] = [];
  for (const fault of plan) {
    await sleep(faultPauseMs);
    await restartCrashed(stack);
    const at = Date.now();
    const detail = await fault.inject();
    injected.push({
      kind: fault.kind,
      target: fault.target,
      atMs: at - driveStartedAt,
      recoveryMs: Date.now() - at,
      ...(detail ? { detail } : {}),
    });
    console.log(
      `[faults] ${fault.kind} ${fault.target} at ${((at - driveStartedAt) / 1_000).toFixed(1)} s, back after ${Date.now() - at} ms${detail ? ` (${detail})` : ''}`,
    );
  }
  return injected;
}

/**
 * Starts again a service that exited on its own (the end assertions fail on it: see {@link crashesOf}),
 * so the rest of the run still measures the other faults.
 */
async function restartCrashed(stack: ServiceStack): Promise<void> {
  for (const service of Object.values(stack.services)) {
    if (service.running) continue;
    console.log(
      `[faults] ${service.name} exited on its own (${service.unexpectedExits.at(-1)?.codeOrSignal}); last lines:\n${service.output.slice(-15).join('\n')}`,
    );
    await service.restart();
  }
}

/** Every exit a service made on its own during the run. */
function crashesOf(
  stack: ServiceStack,
): Array<{ service: string; at: string; codeOrSignal: string }> {
  return Object.values(stack.services).flatMap((service) =>
    service.unexpectedExits.map((exit) => ({
      service: service.name,
      at: exit.at.toISOString(),
      codeOrSignal: exit.codeOrSignal,
    })),
  );
}

/** `pg_terminate_backend` on every connection to `database`; returns how many there were. */
async function terminateBackends(database: string): Promise<number> {
  const client = new Client({ connectionString: postgresAdminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

interface FaultFigures {
  readonly payments: number;
  readonly paymentsPerSecond: number;
  readonly faults: readonly InjectedFault[];
  readonly faultsByKind: Record<string, number>;
  readonly uploaded: number;
  /** Uploaded (an accepted receipt) but not final at the verifier in the bounded wait, or unknown to it. */
  readonly lost: number;
  readonly settledTwice: readonly string[];
  readonly finalStates: Record<string, number>;
  readonly balanceMismatches: ReadonlyArray<{
    accountId: string;
    expected: string;
    actual: string;
  }>;
  readonly uploadToSettledMs: { p50: number; p95: number; p99: number; max: number };
  /** Per {@link latencyWindowMs} of upload time since the drive's start. */
  readonly uploadToSettledByWindow: ReadonlyArray<{
    fromS: number;
    uploaded: number;
    p50Ms: number;
    maxMs: number;
  }>;
  readonly drive: {
    durationMs: number;
    requests: number;
    duplicateReceipts: number;
    retryableRefusals: number;
    retries: DriveResult['retries'];
  };
  readonly deadLetters: LoadOutcome['deadLetters'];
  readonly chain: LoadOutcome['chain'];
  /** Services that exited on their own (restarted by the test so the run could go on). */
  readonly crashes: ReturnType<typeof crashesOf>;
}

function figuresOf(
  world: LoadWorld,
  payments: readonly PreparedPayment[],
  drive: DriveResult,
  outcome: LoadOutcome,
  faults: readonly InjectedFault[],
  crashes: FaultFigures['crashes'],
): FaultFigures {
  const ours = payments.map((payment) => outcome.transactions.get(payment.transactionId));
  const finalStates: Record<string, number> = {};
  for (const transaction of ours)
    finalStates[transaction?.status ?? 'unknown'] =
      (finalStates[transaction?.status ?? 'unknown'] ?? 0) + 1;
  const settled = payments.filter(
    (payment) => outcome.transactions.get(payment.transactionId)?.status === 'settled',
  );
  const expected = referenceBalances(world, settled);
  const latencies = uploadToSettledMs(outcome);
  const faultsByKind: Record<string, number> = {};
  for (const fault of faults) faultsByKind[fault.kind] = (faultsByKind[fault.kind] ?? 0) + 1;
  return {
    payments: payments.length,
    paymentsPerSecond,
    faults,
    faultsByKind,
    uploaded: drive.acceptedAt.size,
    lost: [...drive.acceptedAt.keys()].filter(
      (id) => !finalVerifierStatuses.includes(outcome.transactions.get(id)?.status ?? 'unknown'),
    ).length,
    settledTwice: [...outcome.paymentEntries]
      .filter(([, entries]) => entries > 1)
      .map(([id]) => id),
    finalStates,
    balanceMismatches: [...expected]
      .filter(([accountId, balance]) => outcome.balances.get(accountId) !== balance)
      .map(([accountId, balance]) => ({
        accountId,
        expected: String(balance),
        actual: String(outcome.balances.get(accountId) ?? 'none'),
      })),
    uploadToSettledMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? Number.NaN,
    },
    uploadToSettledByWindow: latencyByUploadWindow(outcome, drive.startedAt),
    drive: {
      durationMs: drive.endedAt - drive.startedAt,
      requests: drive.requests,
      duplicateReceipts: drive.duplicateReceipts,
      retryableRefusals: drive.retryableRefusals,
      retries: drive.retries,
    },
    deadLetters: outcome.deadLetters,
    chain: outcome.chain,
    crashes,
  };
}

function latencyByUploadWindow(
  outcome: LoadOutcome,
  driveStartedAt: number,
): FaultFigures['uploadToSettledByWindow'] {
  const windows = new Map<number, number[]>();
  for (const transaction of outcome.transactions.values()) {
    if (transaction.settledAt === null) continue;
    const window = Math.floor(
      (transaction.uploadedAt.getTime() - driveStartedAt) / latencyWindowMs,
    );
    const values = windows.get(window) ?? [];
    values.push(transaction.settledAt.getTime() - transaction.uploadedAt.getTime());
    windows.set(window, values);
  }
  return [...windows]
    .sort(([a], [b]) => a - b)
    .map(([window, values]) => {
      const sorted = values.sort((a, b) => a - b);
      return {
        fromS: (window * latencyWindowMs) / 1_000,
        uploaded: sorted.length,
        p50Ms: percentile(sorted, 50),
        maxMs: sorted.at(-1)!,
      };
    });
}

function report(figures: FaultFigures): void {
  const { uploadToSettledMs: latency } = figures;
  const table = [
    '| figure | value |',
    '|---|---|',
    `| payments (at ${figures.paymentsPerSecond}/s) | ${figures.payments} |`,
    `| uploaded (accepted receipt) | ${figures.uploaded} |`,
    `| faults injected | ${Object.entries(figures.faultsByKind)
      .map(([kind, n]) => `${kind} × ${n}`)
      .join(', ')} |`,
    `| final states | ${Object.entries(figures.finalStates)
      .map(([state, n]) => `${state} ${n}`)
      .join(', ')} |`,
    `| lost | ${figures.lost} |`,
    `| settled twice | ${figures.settledTwice.length} |`,
    `| balances off the reference model | ${figures.balanceMismatches.length} |`,
    `| hash chains | ${figures.chain.ok ? 'verified' : `${figures.chain.brokenPartitions} broken`} (${figures.chain.entriesVerified} entries) |`,
    `| dead letters | ${Object.values(figures.deadLetters).reduce((sum, n) => sum + n, 0)} |`,
    `| services that exited on their own | ${figures.crashes.map((crash) => `${crash.service} (${crash.codeOrSignal})`).join(', ') || 'none'} |`,
    `| upload→settled p50 / p95 / p99 / max | ${latency.p50} / ${latency.p95} / ${latency.p99} / ${latency.max} ms |`,
    `| upload requests; retried (by cause) | ${figures.drive.requests}; ${
      Object.entries(figures.drive.retries)
        .filter(([, n]) => n > 0)
        .map(([cause, n]) => `${cause} ${n}`)
        .join(', ') || 'none'
    } |`,
    `| duplicate receipts (retried batches stored before the fault) | ${figures.drive.duplicateReceipts} |`,
    '',
    '| fault | target | at (s) | back after (ms) | detail |',
    '|---|---|---|---|---|',
    ...figures.faults.map(
      (fault) =>
        `| ${fault.kind} | ${fault.target} | ${(fault.atMs / 1_000).toFixed(1)} | ${fault.recoveryMs} | ${fault.detail ?? ''} |`,
    ),
    '',
    '| uploaded from (s) | payments | upload→settled p50 (ms) | max (ms) |',
    '|---|---|---|---|',
    ...figures.uploadToSettledByWindow.map(
      (window) => `| ${window.fromS} | ${window.uploaded} | ${window.p50Ms} | ${window.maxMs} |`,
    ),
  ];
  writeResults('faults', { ...figures }, table, headlineFigures(figures));
}

/** What the benchmark report's table shows of this run: the guarantees (targets of 0) and the latency. */
function headlineFigures(figures: FaultFigures) {
  const zero = (id: string, label: string, value: number, unit: string) =>
    figure({ id: `faults.${id}`, label, value, unit, target: { text: '0', met: value === 0 } });
  const deadLetters = Object.values(figures.deadLetters).reduce((sum, n) => sum + n, 0);
  return [
    zero('lost', `payments lost under ${figures.faults.length} faults`, figures.lost, 'payments'),
    zero(
      'settled-twice',
      'payments settled twice under faults',
      figures.settledTwice.length,
      'payments',
    ),
    zero(
      'balance-mismatches',
      'ledger accounts off the reference model',
      figures.balanceMismatches.length,
      'accounts',
    ),
    zero('dead-letters', 'dead letters after the faults', deadLetters, 'messages'),
    zero('crashes', 'services that exited on their own', figures.crashes.length, 'exits'),
    ...(Number.isFinite(figures.uploadToSettledMs.p99)
      ? [
          figure({
            id: 'faults.upload-to-settled-p99',
            label: `upload→settled p99 under faults (${figures.paymentsPerSecond}/s)`,
            value: figures.uploadToSettledMs.p99,
            unit: 'ms',
          }),
        ]
      : []),
  ];
}
