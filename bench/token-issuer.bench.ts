// Token issuances per second — each on a new TLS 1.3 connection (handshake, EKM export, binding signed
// by the device key, POST /v1/sessions, session stored with its outbox event, token signed through key
// custody) — next to the plain TLS 1.3 handshake rate against the same server, measured in the same
// run in interleaved rounds. Run with `npm run bench -- token-issuer`; results go to
// bench/results/token-issuer.{json,md}. Client and server share this one process (and its one JS
// thread), as in the integration tests: the figures are what one process does with both halves.
import { BoundConnection, connectTls13 } from '@settle/device-session';
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

/** Operations per second of `operation` run by `concurrency` closed-loop workers for `durationMs`. */
async function rate(
  operation: (worker: number) => Promise<void>,
  concurrency: number,
  durationMs: number,
): Promise<number> {
  let count = 0;
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
  return count / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const kit: TokenIssuerTestKit = await startTokenIssuer({
    LOG_LEVEL: 'warn',
    SETTLE_TOKEN_ISSUER_RATE_LIMIT_KEY_PER_MINUTE: '100000',
    SETTLE_TOKEN_ISSUER_RATE_LIMIT_IP_PER_MINUTE: '1000000',
  });
  try {
    const devices: TestDevice[] = [];
    for (let index = 0; index < devicesCount; index++) devices.push(await kit.enrol());
    let next = 0;
    const handshake = async (): Promise<void> => {
      const socket = await connectTls13(kit.endpoint);
      socket.destroy();
    };
    const issue = async (): Promise<void> => {
      const device = devices[next++ % devices.length]!;
      const connection = await BoundConnection.open(kit.endpoint, device.privateJwk);
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

    const results: Array<{
      concurrency: number;
      handshakesPerSecond: number;
      issuancesPerSecond: number;
    }> = [];
    for (const concurrency of concurrencies) {
      const handshakes: number[] = [];
      const issuances: number[] = [];
      for (let round = 0; round < rounds; round++) {
        handshakes.push(await rate(handshake, concurrency, roundMs));
        issuances.push(await rate(issue, concurrency, roundMs));
      }
      results.push({
        concurrency,
        handshakesPerSecond: Math.round(median(handshakes)),
        issuancesPerSecond: Math.round(median(issuances)),
      });
    }
    const sessions = (
      await kit.query<{ n: number }>('SELECT count(*)::int AS n FROM token_issuer_sessions')
    )[0]!.n;
    const data = { roundMs, rounds, devices: devicesCount, sessionsStarted: sessions, results };
    writeResults(
      'token-issuer',
      data,
      [
        '## Session starts (token issuances) on a new TLS 1.3 connection each, next to bare TLS 1.3 handshakes (same server, same run)',
        '',
        '| concurrent clients | TLS 1.3 handshakes/s | token issuances/s | issuance / handshake |',
        '|---|---|---|---|',
        ...results.map(
          (row) =>
            `| ${row.concurrency} | ${row.handshakesPerSecond} | ${row.issuancesPerSecond} | ${Math.round((row.issuancesPerSecond / row.handshakesPerSecond) * 1000) / 10} % |`,
        ),
        '',
        `Median of ${rounds} interleaved rounds of ${roundMs / 1000} s. An issuance is: handshake (P-256 certificate, TLS_AES_*), EKM export and`,
        'binding signature on the client; binding verification, the rate-limit buckets, the key projection read, the session row and its',
        '`session.started` outbox row in one transaction, and the ES256 signature through key custody on the server. Client and server',
        `share one Node process; ${sessions} sessions were stored in PostgreSQL during the run. Each issuance waits for one synchronous`,
        'commit (the session and its outbox event must survive a crash; the rate-limit buckets commit asynchronously), so the database’s',
        'flush latency and round trips, not CPU, bound the single-client rate; the machine is shared with other test runs (noisy).',
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
