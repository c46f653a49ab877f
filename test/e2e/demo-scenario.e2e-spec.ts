// The demo behind `npm start`, with small counts, against the four services in this process: keys
// attested by the demo's test CA (a verifier policy trusting it, format `none` refused), payments over
// sound, uploads in batches over bound sessions, the attacks, settlement, confirmations, balances —
// then the summary and the HTML report as runDemo writes them. The stack scripts/demo.mjs starts
// (processes, Kafka, OTLP receiver) is exercised by running `npm start` itself (docs/operations.md).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDemoTestCa, demoAttestationPolicy, type DemoOutcome, runDemo } from '@settle/demo';
import { DataSource } from 'typeorm';
import {
  type InProcessServices,
  runCleanups,
  startInProcessServices,
} from './support/in-process-services';

describe('the demo scenario (npm start) against the four services', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  const outputDirectory = mkdtempSync(path.join(tmpdir(), 'settle-demo-'));
  let services: InProcessServices;
  let outcome: DemoOutcome;
  let console = '';

  beforeAll(async () => {
    cleanups.push(() => rmSync(outputDirectory, { recursive: true, force: true }));
    const ca = await createDemoTestCa();
    services = await startInProcessServices(cleanups, {
      SETTLE_VERIFIER_ATTESTATION_POLICY: JSON.stringify(demoAttestationPolicy(ca)),
      SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_URL: 'off',
    });
    outcome = await runDemo({
      endpoints: services.endpoints,
      counts: { terminals: 2, phones: 1, payments: 3, batchSize: 2 },
      ca,
      receiver: null,
      outputDirectory,
      output: { write: (text: string) => (console += text), isTTY: false },
    });
  });

  afterAll(async () => {
    await runCleanups(cleanups);
  });

  it('ends every case where docs/verifier.md says, with balances matching the ledger', () => {
    const { summary } = outcome;
    expect(summary.cases.filter((line) => !line.asExpected)).toEqual([]);
    expect(summary).toMatchObject({
      // 3 honest payments and the capped phone's 2.
      settled: 5,
      rejected: {
        COUNTER_REUSED: 1,
        CUMULATIVE_CAP_EXCEEDED: 1,
        KEY_NOT_ACTIVE: 1,
        SIGNATURE_INVALID: 1,
      },
      refused: { DUPLICATE_WITH_DIFFERENT_CONTENT: 1, MERCHANT_MISMATCH: 1 },
      pending: 0,
    });
    expect(summary.balances.filter((balance) => !balance.matches)).toEqual([]);
    // One account (the lost and the capped phone share it with P1), the merchant, the other merchant, the fee revenue.
    expect(summary.balances.map((balance) => balance.account.split('_')[0])).toEqual([
      'wallet',
      'payable',
      'payable',
      'fee-revenue',
    ]);
    expect(outcome.succeeded).toBe(true);
  });

  it('measured upload → settled from the verifier’s times, and both sides verified their confirmations', () => {
    const { latency, confirmations, uploads } = outcome.summary;
    expect(latency.count).toBe(5);
    expect(latency.p50Ms).toBeGreaterThanOrEqual(0);
    expect(latency.p99Ms).toBeGreaterThanOrEqual(latency.p50Ms!);
    // Every honest payment and every rejected one is confirmed to its terminal; the tampered one is listed but not from a queue.
    expect(confirmations).toMatchObject({
      terminalsVerified: 8,
      terminalsListed: 9,
      phonesVerified: 6,
      phonesExpected: 6,
      queuesEmpty: true,
    });
    // The traced payment alone, the rest in batches of at most 2.
    expect(uploads.batches).toBeGreaterThanOrEqual(4);
    expect(uploads.largest).toBe(2);
  });

  it('attested every key with the demo CA’s android-key evidence, never format none', async () => {
    const rows = (await services.verifier.service.app
      .get(DataSource)
      .query(
        'SELECT format, verdict, level, count(*)::int AS n FROM verifier_attestation_results GROUP BY 1, 2, 3',
      )) as unknown[];
    // 2 terminals and 3 phones, two keys each.
    expect(rows).toEqual([
      { format: 'android-key', verdict: 'accepted', level: 'strongbox', n: 10 },
    ]);
  });

  it('keeps the traced payment’s recordings and writes the summary and a self-contained report', () => {
    for (const file of [
      'payment-1-request.wav',
      'payment-1-authorization.wav',
      'summary.json',
      'report.html',
    ])
      expect(existsSync(path.join(outputDirectory, file))).toBe(true);
    const html = readFileSync(outcome.reportFile, 'utf8');
    expect(html).toContain('DEMO TEST CA — not a real device vendor');
    expect(html).not.toMatch(/<script|src=|url\(/);
    expect(
      JSON.parse(readFileSync(path.join(outputDirectory, 'summary.json'), 'utf8')),
    ).toMatchObject({ settled: 5, trace: { traceId: outcome.summary.trace.traceId } });
    expect(console).toMatch(/settled +5/);
    expect(console).toContain('payments: 11/11');
    expect(console).not.toContain('\r');
  });
});
