import { type Phone, type Terminal } from '../world';
import { type Case, type Outcome, type ScenarioResult } from '../scenario/model';
import { renderHtmlReport } from './html-report';
import { renderSummaryText, runSucceeded, settlementLatenciesMs, summarize } from './summary';

const terminal = { terminalId: 'ter_1' } as Terminal;
const phone = { deviceId: 'dev_1', accountId: 'acc_1' } as Phone;
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
const settledAfter = (ms: number): Outcome => ({
  state: 'settled',
  code: null,
  uploadedAt: at(0),
  decidedAt: at(ms / 2),
  settledAt: at(ms),
});

function aCase(
  kind: Case['kind'],
  expected: Case['expected'],
  outcome: Outcome | undefined,
  story = `${kind} story`,
): Case {
  return {
    kind,
    story,
    transactionId: `txn_${kind.replace(/\W/g, '')}`.padEnd(47, 'x'),
    bytes: new Uint8Array(),
    amount: 1_000n,
    terminal,
    phone,
    wave: 1,
    expected,
    approvedByWallet: true,
    ...(outcome ? { outcome } : {}),
  };
}

function aResult(overrides: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    merchant: { merchantId: 'mer_demo_1', displayName: 'Demo Coffee Bar' },
    terminals: [terminal],
    phones: [phone],
    cases: [
      aCase('payment', { state: 'settled' }, settledAfter(400)),
      aCase('payment', { state: 'settled' }, settledAfter(600)),
      aCase('payment', { state: 'settled' }, settledAfter(1_000)),
      aCase(
        'replayed counter',
        { state: 'rejected', reasonCode: 'COUNTER_REUSED' },
        {
          state: 'rejected',
          code: 'COUNTER_REUSED',
          uploadedAt: at(0),
          decidedAt: at(5),
          settledAt: null,
        },
      ),
      aCase(
        'wrong merchant',
        { state: 'refused', code: 'MERCHANT_MISMATCH' },
        {
          state: 'refused',
          code: 'MERCHANT_MISMATCH',
          uploadedAt: null,
          decidedAt: null,
          settledAt: null,
        },
        'T1 names <another> merchant',
      ),
    ],
    balances: [
      { account: 'wallet_acc_1', what: 'wallet', expected: '7000', ledger: '7000' },
      { account: 'fee-revenue_EUR', what: 'fees', expected: '75', ledger: '75' },
    ],
    confirmations: {
      terminalsVerified: 4,
      terminalsListed: 5,
      phonesVerified: 4,
      phonesExpected: 4,
      queuesEmpty: true,
    },
    traced: {
      transactionId: 'txn_payment'.padEnd(47, 'x'),
      traceId: 'ab'.repeat(16),
      clientSpans: [],
    },
    recordings: { request: 'payment-1-request.wav', authorization: 'payment-1-authorization.wav' },
    uploads: [{ terminalId: 'ter_1', batchId: 'upl_1', size: 3, refused: 1, wave: 1 }],
    phases: [{ name: 'payments', ms: 1_234 }],
    ...overrides,
  };
}

const context = {
  attestation: 'DEMO TEST CA — not a real device vendor',
  traceServices: ['verifier', 'ledger'],
  traceSpans: 12,
};

describe('the summary', () => {
  it('counts settled, rejected by reason and refused by code, and upload→settled latency from the verifier’s times', () => {
    const summary = summarize(aResult(), context);
    expect(summary).toMatchObject({
      settled: 3,
      rejected: { COUNTER_REUSED: 1 },
      refused: { MERCHANT_MISMATCH: 1 },
      pending: 0,
      asExpected: { matching: 5, total: 5 },
    });
    expect(summary.latency).toEqual({
      count: 3,
      p50Ms: 600,
      p99Ms: 1_000,
      maxMs: 1_000,
      valuesMs: [400, 600, 1_000],
    });
    expect(runSucceeded(summary)).toBe(true);
  });

  it('fails the run on a case that ended elsewhere, a balance that differs, or a case not final', () => {
    const wrong = aResult({
      cases: [
        aCase(
          'tampered amount',
          { state: 'rejected', reasonCode: 'SIGNATURE_INVALID' },
          settledAfter(10),
        ),
      ],
    });
    expect(summarize(wrong, context).asExpected).toEqual({ matching: 0, total: 1 });
    expect(runSucceeded(summarize(wrong, context))).toBe(false);
    expect(
      runSucceeded(
        summarize(
          aResult({
            balances: [{ account: 'wallet_acc_1', what: 'wallet', expected: '1', ledger: '2' }],
          }),
          context,
        ),
      ),
    ).toBe(false);
    const pending = summarize(
      aResult({ cases: [aCase('payment', { state: 'settled' }, undefined)] }),
      context,
    );
    expect(pending.pending).toBe(1);
    expect(runSucceeded(pending)).toBe(false);
  });

  it('leaves out settled payments without both times', () => {
    expect(
      settlementLatenciesMs([
        aCase('payment', { state: 'settled' }, { ...settledAfter(5), settledAt: null }),
      ]),
    ).toEqual([]);
  });

  it('prints a table with the counts, percentiles, the trace and where the report is', () => {
    const text = renderSummaryText(summarize(aResult(), context), {
      report: 'demo/output/x/report.html',
      outputDirectory: 'demo/output/x',
    });
    expect(text).toContain('DEMO TEST CA — not a real device vendor');
    expect(text).toMatch(/settled +3/);
    expect(text).toMatch(/rejected at verification +1 +COUNTER_REUSED 1/);
    expect(text).toMatch(/refused at upload +1 +MERCHANT_MISMATCH 1/);
    expect(text).toMatch(/upload → settled +p50 600 ms · p99 1000 ms/);
    expect(text).toMatch(new RegExp(`trace of one payment +${'ab'.repeat(16)}`));
    expect(text).toMatch(/report +demo\/output\/x\/report\.html/);
    expect(text).toContain('terminals 4/5 (1 not from their own queue)');
  });
});

describe('the HTML report', () => {
  const spans = [
    {
      spanId: 'a',
      parentSpanId: null,
      service: 'demo terminal',
      name: 'POST /v1/uploads: one payment',
      startMs: 0,
      endMs: 100,
    },
    { spanId: 'b', parentSpanId: 'a', service: 'verifier', name: 'POST', startMs: 5, endMs: 90 },
  ];
  const render = (overrides: Partial<Parameters<typeof renderHtmlReport>[0]> = {}) =>
    renderHtmlReport({
      summary: summarize(aResult(), context),
      generatedAt: '2026-01-01T00:00:00.000Z',
      authorizationAudio: {
        samples: Float32Array.from({ length: 48_000 }, (_, index) =>
          index > 12_000 && index < 36_000 ? Math.sin(index) / 4 : 0,
        ),
        sampleRateHz: 48_000,
        file: 'payment-1-authorization.wav',
      },
      traceSpans: spans,
      traceNote: 'no spans for settlement',
      files: [{ name: 'logs/verifier.log', what: 'the verifier’s log' }],
      ...overrides,
    });

  it('is one self-contained file: inline SVG and CSS, no script, no external reference', () => {
    const html = render();
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<img|<link|<iframe|src=|url\(|@import/i);
    expect(html).not.toMatch(/href="(?!#)/);
    expect((html.match(/<svg /g) ?? []).length).toBe(3);
  });

  it('shows the summary, the CA label, the latency histogram, the waveform and the trace with its note', () => {
    const html = render();
    expect(html).toContain('DEMO TEST CA — not a real device vendor');
    expect(html).toContain('upload to settled latency histogram');
    expect(html).toContain('>authorization<');
    expect(html).toContain(`Trace <code>${'ab'.repeat(16)}</code>: 2 spans`);
    expect(html).toContain('no spans for settlement');
    expect(html).toContain('<code>logs/verifier.log</code>');
  });

  it('escapes what the run wrote, and says when the recording is missing', () => {
    const html = render({ authorizationAudio: null });
    expect(html).toContain('T1 names &lt;another&gt; merchant');
    expect(html).not.toContain('<another>');
    expect(html).toContain('The recording of the authorization is missing');
  });
});
