// The demo's report: one self-contained HTML file (inline CSS and SVG; no script, no external asset,
// so it opens from disk anywhere and can be attached to a ticket).
import { confirmationsText, type DemoSummary, formatMs } from './summary';
import { histogram } from './statistics';
import {
  escapeXml,
  histogramSvg,
  paymentPhases,
  phasesOf,
  type WaterfallSpan,
  waterfallSvg,
  waveformSvg,
} from './svg';

export interface ReportInput {
  readonly summary: DemoSummary;
  readonly generatedAt: string;
  /** The traced payment's authorization recording (samples and rate), or null if it is missing. */
  readonly authorizationAudio: {
    readonly samples: ArrayLike<number>;
    readonly sampleRateHz: number;
    readonly file: string;
  } | null;
  /** Every span of the traced payment's trace that arrived (the services' and the demo terminal's). */
  readonly traceSpans: readonly WaterfallSpan[];
  /** Said next to the trace, e.g. why some spans are missing. */
  readonly traceNote: string | null;
  /** Files next to the report worth opening (recordings, logs, the summary as JSON). */
  readonly files: ReadonlyArray<{ readonly name: string; readonly what: string }>;
}

const h = escapeXml;

function keyValueTable(rows: ReadonlyArray<readonly [string, string]>): string {
  return `<table class="kv">${rows.map(([key, value]) => `<tr><th>${h(key)}</th><td>${value}</td></tr>`).join('')}</table>`;
}

function countsCell(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts);
  return entries.length === 0
    ? '0'
    : `${entries.reduce((sum, [, count]) => sum + count, 0)} — ${entries.map(([code, count]) => `<code>${h(code)}</code> ${count}`).join(', ')}`;
}

function summarySection(summary: DemoSummary): string {
  const balancesMatching = summary.balances.filter((balance) => balance.matches).length;
  return keyValueTable([
    ['attestation', `<span class="ca">${h(summary.attestation)}</span>`],
    [
      'merchant',
      `${h(summary.merchant)}, ${summary.terminals} terminals, ${summary.phones} phones`,
    ],
    [
      'transactions',
      `${summary.transactions} in ${summary.uploads.batches} upload batches (largest ${summary.uploads.largest})`,
    ],
    ['settled', String(summary.settled)],
    ['rejected at verification', countsCell(summary.rejected)],
    ['refused at upload', countsCell(summary.refused)],
    ...(Object.keys(summary.settlementFailed).length > 0
      ? [['settlement failed', countsCell(summary.settlementFailed)] as const]
      : []),
    ...(summary.pending > 0
      ? [['not final in time', `<b class="bad">${summary.pending}</b>`] as const]
      : []),
    ['as documented', `${summary.asExpected.matching}/${summary.asExpected.total} cases`],
    ['balances match the ledger', `${balancesMatching}/${summary.balances.length}`],
    [
      'upload → settled',
      `p50 ${formatMs(summary.latency.p50Ms)}, p99 ${formatMs(summary.latency.p99Ms)}, max ${formatMs(summary.latency.maxMs)} over ${summary.latency.count} payments`,
    ],
    ['confirmations verified offline', h(confirmationsText(summary))],
    [
      'trace of one payment',
      `<code>${h(summary.trace.traceId)}</code> (transaction <code>${h(summary.trace.transactionId)}</code>)`,
    ],
  ]);
}

function casesTable(summary: DemoSummary): string {
  const rows = summary.cases
    .filter((line) => line.kind !== 'payment' || !line.asExpected)
    .map(
      (line) =>
        `<tr class="${line.asExpected ? 'ok' : 'bad'}"><td>${line.asExpected ? '✓' : '✗'}</td><td>${h(line.kind)}</td><td>${h(line.story)}</td><td>${h(line.expected)}</td><td>${h(line.outcome)}</td><td><code>${h(line.transactionId.slice(0, 20))}…</code></td></tr>`,
    )
    .join('');
  const honest = summary.cases.filter((line) => line.kind === 'payment');
  const honestLine = `<p>${honest.filter((line) => line.asExpected).length} of ${honest.length} honest payments settled as expected${honest.every((line) => line.asExpected) ? '' : ' (the others are listed)'}.</p>`;
  return `${honestLine}<table class="grid"><tr><th></th><th>case</th><th>what happened</th><th>documented</th><th>outcome</th><th>transaction</th></tr>${rows}</table>`;
}

function balancesTable(summary: DemoSummary): string {
  const rows = summary.balances
    .map(
      (balance) =>
        `<tr class="${balance.matches ? 'ok' : 'bad'}"><td>${balance.matches ? '✓' : '✗'}</td><td><code>${h(balance.account)}</code></td><td>${h(balance.what)}</td><td class="num">${h(balance.expected)}</td><td class="num">${h(balance.ledger)}</td></tr>`,
    )
    .join('');
  return `<table class="grid"><tr><th></th><th>account</th><th>expected</th><th class="num">demo (minor units)</th><th class="num">ledger</th></tr>${rows}</table>`;
}

function traceSection(input: ReportInput): string {
  const phases = new Set(phasesOf(input.traceSpans).values());
  const present = paymentPhases
    .map((phase) => `${phase} ${phases.has(phase) ? '✓' : '—'}`)
    .join(' · ');
  const note = input.traceNote ? `<p class="note">${h(input.traceNote)}</p>` : '';
  return `<p>Trace <code>${h(input.summary.trace.traceId)}</code>: ${input.traceSpans.length} spans from ${h([...new Set(input.traceSpans.map((span) => span.service))].join(', ') || 'no service')}. Steps seen: ${present}.</p>${note}<div class="scroll">${waterfallSvg(input.traceSpans, { title: 'the trace of one payment' })}</div>`;
}

function waveformSection(input: ReportInput): string {
  const audio = input.authorizationAudio;
  if (!audio) return '<p class="note">The recording of the authorization is missing.</p>';
  const seconds = audio.samples.length / audio.sampleRateHz;
  return `<p>The phone's answer to the terminal as it went over the air (<code>${h(audio.file)}</code>, ${seconds.toFixed(1)} s at ${audio.sampleRateHz / 1000} kHz): the consumer authorization in one ggwave frame, then the device credential in several.</p><div class="scroll">${waveformSvg(audio.samples, audio.sampleRateHz, { segmentLabel: (index, count) => (index === 0 ? 'authorization' : `device credential ${index}/${count - 1}`), title: 'waveform of one authorization' })}</div>`;
}

const style = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1160px;color:#222;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
.banner{background:#fff4d6;border:1px solid #e6b800;padding:8px 12px;border-radius:4px;margin:12px 0}
.ca{font-weight:600;color:#8a5a00}table{border-collapse:collapse}table.kv th{text-align:left;padding:3px 16px 3px 0;font-weight:500;color:#555;vertical-align:top}
table.kv td{padding:3px 0}table.grid{width:100%;font-size:13px}table.grid th,table.grid td{border-bottom:1px solid #eee;padding:4px 8px;text-align:left}
.num{text-align:right!important;font-variant-numeric:tabular-nums}tr.bad td,.bad{color:#b00020}tr.ok td:first-child{color:#007a4d}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f5f5f5;padding:1px 3px;border-radius:3px}.note{color:#8a5a00}.scroll{overflow-x:auto}
footer{margin-top:32px;color:#777;font-size:12px}`;

export function renderHtmlReport(input: ReportInput): string {
  const { summary } = input;
  const bins = histogram(
    summary.latency.valuesMs,
    Math.min(20, Math.max(1, summary.latency.valuesMs.length)),
  );
  const markers = [
    ...(summary.latency.p50Ms === null
      ? []
      : [{ value: summary.latency.p50Ms, label: `p50 ${formatMs(summary.latency.p50Ms)}` }]),
    ...(summary.latency.p99Ms === null
      ? []
      : [{ value: summary.latency.p99Ms, label: `p99 ${formatMs(summary.latency.p99Ms)}` }]),
  ];
  const files = input.files
    .map((file) => `<li><code>${h(file.name)}</code> — ${h(file.what)}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Offline settlement demo — ${h(input.generatedAt)}</title><style>${style}</style></head>
<body>
<h1>Offline payments, end to end</h1>
<p>Generated ${h(input.generatedAt)} by <code>npm start</code>: phones and terminals paid offline over sound, terminals uploaded over bound TLS sessions, the verifier verified, the ledger settled, and both devices verified the signed confirmations.</p>
<div class="banner">Device attestation in this demo comes from the <span class="ca">${h(summary.attestation)}</span>: the verifier was started with a demo policy trusting it. No real device vendor is involved.</div>
<h2 id="summary">Summary</h2>${summarySection(summary)}
<h2 id="cases">Cases</h2>${casesTable(summary)}
<h2 id="balances">Balances</h2>${balancesTable(summary)}
<h2 id="latency">Upload → settled latency</h2><p>From the verifier's <code>uploadedAt</code> and <code>settledAt</code> (GET /v1/transactions/{id}) of every settled payment.</p>${histogramSvg(bins, { unit: ' ms', markers, title: 'upload to settled latency histogram' })}
<h2 id="sound">One authorization, as sound</h2>${waveformSection(input)}
<h2 id="trace">The trace of one payment</h2>${traceSection(input)}
<h2 id="files">Files</h2><ul>${files}</ul>
<footer>Phases: ${summary.phases.map((phase) => `${h(phase.name)} ${formatMs(phase.ms)}`).join(' · ')}</footer>
</body></html>
`;
}
