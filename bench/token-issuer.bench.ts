// Token issuances per second — each on a new TLS 1.3 connection (handshake, EKM export, binding signed
// by the device key, POST /v1/sessions, session stored with its outbox event, token signed through key
// custody) — next to the plain TLS 1.3 handshake rate against the same server, measured in the same
// run in interleaved rounds. Run with `npm run bench -- token-issuer`; results go to
// bench/results/token-issuer.{json,md}. Client and server share this one process (and its one JS
// thread), as in the integration tests: the figures are what one process does with both halves.
import { readFileSync } from 'node:fs';
import { BoundConnection, connectTls13 } from '@settle/device-session';
import { type TokenBindingSigner, createTokenBindingSigner } from '@settle/token-binding';
import {
  type TestDevice,
  type TokenIssuerTestKit,
  startTokenIssuer,
} from '../apps/token-issuer/src/testing/token-issuer-test-kit';
import { headlineFigures } from './report/headline';
import { writeResults } from './results';

const roundMs = 3_000;
const rounds = 3;
const concurrencies = [1, 8];
const devicesCount = 32;

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ). */
const clockTicksPerSecond = 100;

/** A phase's rate, and the CPU it cost per operation: this process (client and issuer) and the database's backends. */
interface Measured {
  readonly perSecond: number;
  readonly processCpuMs: number;
  readonly databaseCpuMs: number;
}

/** user + system seconds of the PostgreSQL backends serving `pids` (Linux; 0 where /proc is missing). */
function backendCpuSeconds(pids: readonly number[]): number {
  let seconds = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      seconds += (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
    } catch {
      // The backend ended (its time is lost with it) or /proc is not there.
    }
  }
  return seconds;
}

/**
 * Operations per second of `operation` run by `concurrency` closed-loop workers for `durationMs`, and
 * the CPU milliseconds per operation of this process and of the database's backends (`backends` lists
 * them): the rate moves with the load other processes put on the machine, the CPU per operation much less.
 */
async function rate(
  operation: (worker: number) => Promise<void>,
  concurrency: number,
  durationMs: number,
  backends: () => Promise<number[]> = async () => [],
): Promise<Measured> {
  let count = 0;
  const pids = await backends();
  const databaseBefore = backendCpuSeconds(pids);
  const processBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        await operation(worker);
        count += 1;
      }
    }),
  );
  const elapsedSeconds = (performance.now() - started) / 1000;
  const processCpu = process.cpuUsage(processBefore);
  const databaseCpuSeconds = backendCpuSeconds(pids) - databaseBefore;
  return {
    perSecond: count / elapsedSeconds,
    processCpuMs: (processCpu.user + processCpu.system) / 1000 / Math.max(count, 1),
    databaseCpuMs: (databaseCpuSeconds * 1000) / Math.max(count, 1),
  };
}

async function main(): Promise<void> {
  const kit: TokenIssuerTestKit = await startTokenIssuer({
    LOG_LEVEL: 'warn',
    SETTLE_TOKEN_ISSUER_RATE_LIMIT_KEY_PER_MINUTE: '100000',
    SETTLE_TOKEN_ISSUER_RATE_LIMIT_IP_PER_MINUTE: '1000000',
  });
  try {
    // Each device imports its binding key once, as a phone holds a keystore handle (DeviceSession does
    // the same): a connection then costs the client one signature, not a key check and import.
    const devices: Array<{ readonly device: TestDevice; readonly signer: TokenBindingSigner }> = [];
    for (let index = 0; index < devicesCount; index++) {
      const device = await kit.enrol();
      devices.push({ device, signer: createTokenBindingSigner(device.privateJwk, 'native') });
    }
    let next = 0;
    // A handshake both ends finish: the client closes politely and waits for the server's close. A
    // destroy as soon as the client's side was done left the server to fail every handshake (its
    // session tickets met a reset: ECONNRESET, no secure connection, no HTTP set-up), so the baseline
    // counted handshakes only the client completed. An issuance's connection ends after its answer.
    const handshake = async (): Promise<void> => {
      const socket = await connectTls13(kit.endpoint);
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.end();
      });
    };
    const issue = async (): Promise<void> => {
      const { device, signer } = devices[next++ % devices.length]!;
      const connection = await BoundConnection.open(kit.endpoint, signer);
      try {
        const answer = await connection.request({
          method: 'POST',
          path: '/v1/sessions',
          headers: { 'sec-token-binding': connection.tokenBindingHeader },
          json: { bindingKeyId: device.keyId },
        });
        if (answer.status !== 201)
          throw new Error(`bench: session start answered ${answer.status}: ${answer.body}`);
      } finally {
        connection.close();
      }
    };
    // Warm-up: JIT, pools, the first sessions.
    await rate(handshake, 4, 1_000);
    await rate(issue, 4, 1_000);

    const backends = async () =>
      (
        await kit.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        )
      ).map((row) => row.pid);
    const results: Array<{
      concurrency: number;
      handshakesPerSecond: number;
      issuancesPerSecond: number;
      handshakeCpuMs: number;
      issuanceCpuMs: number;
      issuanceDatabaseCpuMs: number;
    }> = [];
    const tenths = (value: number) => Math.round(value * 10) / 10;
    for (const concurrency of concurrencies) {
      const handshakes: Measured[] = [];
      const issuances: Measured[] = [];
      for (let round = 0; round < rounds; round++) {
        handshakes.push(await rate(handshake, concurrency, roundMs));
        issuances.push(await rate(issue, concurrency, roundMs, backends));
      }
      results.push({
        concurrency,
        handshakesPerSecond: Math.round(median(handshakes.map(({ perSecond }) => perSecond))),
        issuancesPerSecond: Math.round(median(issuances.map(({ perSecond }) => perSecond))),
        handshakeCpuMs: tenths(median(handshakes.map(({ processCpuMs }) => processCpuMs))),
        issuanceCpuMs: tenths(median(issuances.map(({ processCpuMs }) => processCpuMs))),
        issuanceDatabaseCpuMs: tenths(median(issuances.map(({ databaseCpuMs }) => databaseCpuMs))),
      });
    }
    // Rows inserted by one transaction share its xmin: sessions per commit (1 while each start commits alone).
    const { sessions, commits } = (
      await kit.query<{ sessions: number; commits: number }>(
        'SELECT count(*)::int AS sessions, count(DISTINCT xmin::text)::int AS commits FROM token_issuer_sessions',
      )
    )[0]!;
    const data = {
      roundMs,
      rounds,
      devices: devicesCount,
      sessionsStarted: sessions,
      sessionCommits: commits,
      results,
    };
    writeResults(
      'token-issuer',
      data,
      [
        '## Session starts (token issuances) on a new TLS 1.3 connection each, next to bare TLS 1.3 handshakes (same server, same run)',
        '',
        '| concurrent clients | TLS 1.3 handshakes/s | token issuances/s | issuance / handshake | CPU ms per handshake | CPU ms per issuance (process + database) |',
        '|---|---|---|---|---|---|',
        ...results.map(
          (row) =>
            `| ${row.concurrency} | ${row.handshakesPerSecond} | ${row.issuancesPerSecond} | ${Math.round((row.issuancesPerSecond / row.handshakesPerSecond) * 1000) / 10} % | ${row.handshakeCpuMs} | ${row.issuanceCpuMs} + ${row.issuanceDatabaseCpuMs} |`,
        ),
        '',
        `Median of ${rounds} interleaved rounds of ${roundMs / 1000} s. An issuance is: handshake (P-256 certificate, TLS_AES_*), EKM export and`,
        'binding signature on the client (key imported once); binding verification, the rate-limit buckets, the key projection read, the ES256 signature',
        'through key custody, and the session row with its `session.started` outbox row on the server. Client and server',
        `share one Node process; ${sessions} sessions were stored in PostgreSQL during the run, by ${commits} transactions (each start`,
        'commits its session and outbox event synchronously; the rate-limit buckets commit asynchronously). Each issuance waits for',
        'that commit; the machine is shared with other test runs (noisy).',
        'CPU per operation (medians of the rounds): this process’s user + system time (both ends of every connection), and for',
        'issuances that of the PostgreSQL backends serving the issuer’s database; it moves much less than the rates with the load',
        'other processes put on the machine.',
      ],
      headlineFigures['token-issuer'](data),
    );
  } finally {
    await kit.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
