// Upload → verified through the real verifier service: simulated terminals upload pre-signed offline
// transactions over bound TLS 1.3 sessions (POST /v1/uploads, CBOR, kept-alive connections), the
// payment.uploaded consumer verifies them (two ES256 signatures and the risk rules against its own
// registry projection in PostgreSQL) and publishes payment.verified through the outbox. Measured per
// configuration (terminals × batch size): verified transactions per second from the first upload to
// the last verdict, and upload → verdict latency (p50/p99, from the rows' upload and decision times).
// Next to it, in the same run: the raw rate of the two signature verifications (node:crypto with
// pre-imported KeyObjects) over the same transactions, and the verification step alone (decode, both
// signatures, every rule; no I/O). Run with `npm run bench -- verifier` (it starts its own Kafka).
// The verifier runs in this process, with the simulated terminals; its output topics are NOT read
// here (startVerifier's `collectPublished: false`): the tests' topic tap would consume and parse
// every event the verifier publishes inside the measured process, which no deployment does.
import { createPublicKey, type JsonWebKey, verify as nodeVerify } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { type Agent } from 'node:https';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { decodeOfflineTransaction, protocolLabels, unwrapProtocolResult } from '@settle/protocol';
import { encodeCborDeterministic } from '@settle/crypto';
import { encodeSign1SigStructure } from '@settle/protocol/cose-sig-structure';
import { keptAliveAgent } from '@settle/resource-guard/testing';
import {
  startVerifier,
  type VerifierTestKit,
  waitFor,
} from '../apps/verifier/src/testing/verifier-test-kit';
import {
  enrolDevice,
  offlineTransaction,
  onboardMerchant,
  registerTerminal,
  terminalToken,
  type TestDevice,
  type TestTerminal,
  untilProjected,
} from '../apps/verifier/src/testing/payment-world';
import { measureVerificationStep } from './verifier-step';
import { headlineFigures, targets } from './report/headline';
import { writeResults } from './results';

/** BENCH_ONLY=4x500 runs one configuration (terminals x batch). */
const only = process.env.BENCH_ONLY;
/**
 * BENCH_PHASE_PROF=1 writes a V8 CPU profile of the measured phase only (first upload → last verdict;
 * set-up, signing and the no-I/O loops left out) to bench/results/profiles/verifier-<configuration>.cpuprofile;
 * summarise it with bench/tools/profile-summary.mjs.
 */
const phaseProfiling = process.env.BENCH_PHASE_PROF === '1';
const configurations = [
  { terminals: 1, batchSize: 100, transactions: 3_000 },
  { terminals: 4, batchSize: 100, transactions: 6_000 },
  { terminals: 4, batchSize: 500, transactions: 12_000 },
  { terminals: 8, batchSize: 500, transactions: 12_000 },
].filter(
  (configuration) => !only || only === `${configuration.terminals}x${configuration.batchSize}`,
);
const deviceCount = 400;
const verdictTimeoutMs = 600_000;
/** Large caps: the benchmark measures verification, not refusals. */
const benchCaps = [
  { currency: 'EUR', perTransactionMax: '1000000', cumulativeMax: '999999999999' },
];

interface Row {
  readonly configuration: string;
  readonly terminals: number;
  readonly batchSize: number;
  readonly transactions: number;
  readonly uploadSeconds: number;
  readonly uploadedPerSecond: number;
  readonly verifiedPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly rejected: number;
}

const seconds = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

/** Every terminal uploads its share in batches, one after the other on one kept-alive bound connection. */
async function uploadAll(
  kit: VerifierTestKit,
  terminal: TestTerminal,
  transactions: readonly Uint8Array[],
  batchSize: number,
): Promise<void> {
  const agent: Agent = keptAliveAgent();
  const accessToken = await terminalToken(kit, terminal);
  try {
    for (let start = 0; start < transactions.length; start += batchSize) {
      const body = encodeCborDeterministic(transactions.slice(start, start + batchSize));
      const response = await kit.bound({
        method: 'POST',
        path: '/v1/uploads',
        agent,
        accessToken,
        binding: terminal.bindingKey,
        headers: { 'content-type': 'application/cbor' },
        body,
      });
      if (response.status !== 202)
        throw new Error(`upload answered ${response.status}: ${response.body.slice(0, 300)}`);
      const receipts = (
        JSON.parse(response.body) as { receipts: Array<{ status: string; code?: string }> }
      ).receipts;
      const refused = receipts.filter((receipt) => receipt.status !== 'accepted');
      if (refused.length > 0)
        throw new Error(`upload refused ${refused.length} transactions, e.g. ${refused[0]!.code}`);
    }
  } finally {
    agent.destroy();
  }
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

/** What the no-I/O measurements need: the transactions and the parties that signed them. */
export interface SignedWorkload {
  readonly transactions: readonly Uint8Array[];
  readonly terminals: readonly TestTerminal[];
  readonly devices: readonly TestDevice[];
}

async function runConfiguration(
  configuration: (typeof configurations)[number],
): Promise<{ row: Row; workload: SignedWorkload }> {
  const kit = await startVerifier(
    {
      LOG_LEVEL: 'warn',
      SETTLE_VERIFIER_UPLOAD_RATE_PER_SECOND: '10000',
      SETTLE_VERIFIER_UPLOAD_BURST: '100000',
    },
    { collectPublished: false },
  );
  try {
    const merchant = await onboardMerchant(kit);
    const terminals: TestTerminal[] = [];
    for (let index = 0; index < configuration.terminals; index += 1)
      terminals.push(await registerTerminal(kit, merchant.merchantId));
    const devices: TestDevice[] = [];
    for (let index = 0; index < deviceCount; index += 1)
      devices.push(await enrolDevice(kit, { caps: benchCaps }));
    await untilProjected(kit, [...terminals, ...devices]);

    // Signed before the clock starts: the phones and terminals did this offline.
    const perTerminal: Uint8Array[][] = terminals.map(() => []);
    const all: Uint8Array[] = [];
    for (let index = 0; index < configuration.transactions; index += 1) {
      const built = offlineTransaction(
        terminals[index % terminals.length]!,
        devices[index % devices.length]!,
        { amount: BigInt(100 + (index % 900)) },
      );
      perTerminal[index % terminals.length]!.push(built.bytes);
      all.push(built.bytes);
    }

    const profiler = phaseProfiling ? new Session() : null;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const started = process.hrtime.bigint();
    await Promise.all(
      terminals.map((terminal, index) =>
        uploadAll(kit, terminal, perTerminal[index]!, configuration.batchSize),
      ),
    );
    const uploadSeconds = seconds(started);
    await waitFor(
      async () => {
        const [row] = await kit.query<{ n: string }>(
          "SELECT count(*) AS n FROM verifier_transactions WHERE status <> 'received'",
        );
        return Number(row!.n) >= configuration.transactions;
      },
      verdictTimeoutMs,
      'every verdict',
    );
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      const directory = path.join(__dirname, 'results', 'profiles');
      mkdirSync(directory, { recursive: true });
      writeFileSync(
        path.join(
          directory,
          `verifier-${configuration.terminals}x${configuration.batchSize}.cpuprofile`,
        ),
        JSON.stringify(profile),
      );
      profiler.disconnect();
    }
    const [span] = await kit.query<{ first: Date; last: Date; rejected: string }>(
      "SELECT min(uploaded_at) AS first, max(decided_at) AS last, count(*) FILTER (WHERE status = 'rejected') AS rejected FROM verifier_transactions",
    );
    const latencies = (
      await kit.query<{ ms: number }>(
        'SELECT extract(epoch FROM decided_at - uploaded_at) * 1000 AS ms FROM verifier_transactions ORDER BY 1',
      )
    ).map((row) => Number(row.ms));
    const verdictSeconds = (span!.last.getTime() - span!.first.getTime()) / 1000;
    const row: Row = {
      configuration: `${configuration.terminals} terminals × batch ${configuration.batchSize}`,
      terminals: configuration.terminals,
      batchSize: configuration.batchSize,
      transactions: configuration.transactions,
      uploadSeconds,
      uploadedPerSecond: configuration.transactions / uploadSeconds,
      verifiedPerSecond: configuration.transactions / verdictSeconds,
      latencyP50Ms: percentile(latencies, 0.5),
      latencyP99Ms: percentile(latencies, 0.99),
      rejected: Number(span!.rejected),
    };
    console.log(JSON.stringify(row));
    return { row, workload: { transactions: all, terminals, devices } };
  } finally {
    await kit.stop();
  }
}

/** The raw baseline: both signatures of every transaction with node:crypto and pre-imported keys, nothing else. */
export function rawPairRate(workload: SignedWorkload, durationMs: number): number {
  const jwks = new Map<string, JsonWebKey>([
    ...workload.devices.map(
      (device) => [device.paymentKey.keyId, device.paymentKey.publicJwk as JsonWebKey] as const,
    ),
    ...workload.terminals.map(
      (terminal) =>
        [terminal.approvalKey.keyId, terminal.approvalKey.publicJwk as JsonWebKey] as const,
    ),
  ]);
  const jwkOf = (keyId: Uint8Array) => jwks.get(Buffer.from(keyId).toString('base64url'))!;
  const consumerAad = new TextEncoder().encode(protocolLabels.consumerAuthorization);
  const approvalAad = new TextEncoder().encode(protocolLabels.merchantApproval);
  const prepared = workload.transactions.map((bytes) => {
    const decoded = unwrapProtocolResult(decodeOfflineTransaction(bytes));
    return {
      deviceKey: createPublicKey({ key: jwkOf(decoded.authorization.keyId), format: 'jwk' }),
      terminalKey: createPublicKey({ key: jwkOf(decoded.approval.keyId), format: 'jwk' }),
      consumerToBeSigned: encodeSign1SigStructure(
        decoded.authorization.protectedHeaderBytes,
        consumerAad,
        decoded.requestBytes,
      ),
      approvalToBeSigned: encodeSign1SigStructure(
        decoded.approval.protectedHeaderBytes,
        approvalAad,
        decoded.authorizationBytes,
      ),
      consumerSignature: decoded.authorization.signature,
      approvalSignature: decoded.approval.signature,
    };
  });
  let count = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(durationMs) * 1_000_000n;
  while (process.hrtime.bigint() < deadline) {
    for (const item of prepared) {
      const ok =
        nodeVerify(
          'sha256',
          item.consumerToBeSigned,
          { key: item.deviceKey, dsaEncoding: 'ieee-p1363' },
          item.consumerSignature,
        ) &&
        nodeVerify(
          'sha256',
          item.approvalToBeSigned,
          { key: item.terminalKey, dsaEncoding: 'ieee-p1363' },
          item.approvalSignature,
        );
      if (!ok) throw new Error('raw verification failed');
      count += 1;
    }
  }
  return count / seconds(started);
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  let workload: SignedWorkload | null = null;
  for (const configuration of configurations) {
    const result = await runConfiguration(configuration);
    rows.push(result.row);
    workload = result.workload;
  }
  const step = measureVerificationStep(workload!, rawPairRate);
  const best = rows.reduce(
    (left, right) => (right.verifiedPerSecond > left.verifiedPerSecond ? right : left),
    rows[0]!,
  );
  const data = { rows, step };
  writeResults(
    'verifier',
    data,
    [
      '| configuration | transactions | uploaded/s (upload phase) | verified/s (first upload → last verdict) | upload → verdict p50 (ms) | p99 (ms) | rejected |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (row) =>
          `| ${row.configuration} | ${row.transactions} | ${Math.round(row.uploadedPerSecond)} | **${Math.round(row.verifiedPerSecond)}** | ${Math.round(row.latencyP50Ms)} | ${Math.round(row.latencyP99Ms)} | ${row.rejected} |`,
      ),
      '',
      '| one thread, no I/O, same transactions | per second | % of raw |',
      '|---|---:|---:|',
      `| raw pair of node:crypto verifications (pre-imported KeyObjects) | ${Math.round(step.rawPairPerSecond)} | 100 % |`,
      `| verification step (decode, both signatures, every rule) | ${Math.round(step.verificationStepPerSecond)} | ${Math.round((100 * step.verificationStepPerSecond) / step.rawPairPerSecond)} % |`,
      '',
      `Target: ≥ ${targets.verifierVerifiedPerSecond} verified/s (best here: ${Math.round(best.verifiedPerSecond)}/s, ${best.configuration}); verification step ≥ ${targets.verifierStepRatio * 100} % of raw (here ${Math.round((100 * step.verificationStepPerSecond) / step.rawPairPerSecond)} %).`,
    ],
    headlineFigures.verifier(data),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
