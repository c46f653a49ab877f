// The demo as `npm start` runs it once the stack is up (scripts/demo.mjs starts Kafka, the services
// and the OTLP receiver, then calls runDemo): the scenario, the wait for the traced payment's spans,
// the summary on the console, and the report with its files in the output directory.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hashAdminSecret } from '@settle/platform';
import { decodeWav, loadGgwaveModem } from '@settle/sound-link';
import { type DemoTestCa, demoAttestor } from './attestation/demo-test-ca';
import { type OtlpReceiver } from './otlp/otlp-receiver';
import { type ProgressOutput } from './progress/progress';
import { renderHtmlReport } from './report/html-report';
import { type DemoSummary, renderSummaryText, runSucceeded, summarize } from './report/summary';
import { paymentPhases, phasesOf, type WaterfallSpan } from './report/svg';
import { type ScenarioCounts, type ScenarioResult } from './scenario/model';
import { runScenario } from './scenario/scenario';
import { demoTerminalService } from './scenario/settle';
import { type Endpoints, sleep } from './world';

/** Longest wait for the traced payment's spans after it settled (exporters batch for up to 5 s). */
export const traceArrivalWaitMs = 12_000;
/** The trace counts as complete once no span arrived for this long. */
export const traceQuietMs = 2_500;

export interface DemoOptions {
  readonly endpoints: Endpoints;
  readonly counts: ScenarioCounts;
  readonly ca: DemoTestCa;
  /** Where the services export spans (null: no traces). */
  readonly receiver: OtlpReceiver | null;
  readonly outputDirectory: string;
  /** The output directory as the console names it (relative to where the user is). */
  readonly outputDirectoryShown?: string;
  readonly output: ProgressOutput;
  readonly tty?: boolean;
  /** Files the caller put in the output directory (service logs), listed in the report. */
  readonly extraFiles?: ReadonlyArray<{ readonly name: string; readonly what: string }>;
}

export interface DemoOutcome {
  readonly summary: DemoSummary;
  readonly reportFile: string;
  readonly succeeded: boolean;
}

/** A throwaway operator credential for the demo's own stack: the secret, and the entry the services accept. */
export async function demoAdminCredential(operatorId = 'demo'): Promise<{
  operatorId: string;
  authorization: string;
  credential: { operatorId: string; secretHash: string };
}> {
  const secret = randomBytes(24).toString('base64url');
  return {
    operatorId,
    authorization: `Bearer ${operatorId}.${secret}`,
    credential: { operatorId, secretHash: await hashAdminSecret(secret) },
  };
}

export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const modem = await loadGgwaveModem();
  let result: ScenarioResult;
  try {
    result = await runScenario({
      endpoints: options.endpoints,
      modem,
      attestor: demoAttestor(options.ca),
      attestationLabel: options.ca.label,
      counts: options.counts,
      outputDirectory: options.outputDirectory,
      output: options.output,
      ...(options.tty === undefined ? {} : { tty: options.tty }),
    });
  } finally {
    modem.close();
  }
  const spans = await traceSpans(options.receiver, result);
  const services = [
    ...new Set(
      spans.map((span) => span.service).filter((service) => service !== demoTerminalService),
    ),
  ];
  const summary = summarize(result, {
    attestation: options.ca.label,
    traceServices: services,
    traceSpans: spans.length,
  });
  writeFileSync(
    path.join(options.outputDirectory, 'summary.json'),
    `${JSON.stringify(summary, null, 2)}\n`,
  );
  writeFileSync(
    path.join(options.outputDirectory, 'trace.json'),
    `${JSON.stringify({ traceId: result.traced.traceId, spans }, null, 2)}\n`,
  );
  const reportFile = path.join(options.outputDirectory, 'report.html');
  writeFileSync(
    reportFile,
    renderHtmlReport({
      summary,
      generatedAt: new Date().toISOString(),
      authorizationAudio: readRecording(
        path.join(options.outputDirectory, result.recordings.authorization),
      ),
      traceSpans: spans,
      traceNote: traceNote(options.receiver, spans),
      files: [
        {
          name: result.recordings.request,
          what: 'the terminal’s request (terminal credential, then the request) as sound',
        },
        {
          name: result.recordings.authorization,
          what: 'the phone’s answer (authorization, then device credential) as sound',
        },
        { name: 'summary.json', what: 'this summary as JSON' },
        {
          name: 'trace.json',
          what: 'the spans of the traced payment as they arrived (epoch milliseconds)',
        },
        ...(options.extraFiles ?? []),
      ],
    }),
  );
  const shown = options.outputDirectoryShown ?? options.outputDirectory;
  options.output.write(
    renderSummaryText(summary, { report: path.join(shown, 'report.html'), outputDirectory: shown }),
  );
  const note = traceNote(options.receiver, spans);
  if (note) options.output.write(`  note: ${note}\n`);
  return { summary, reportFile, succeeded: runSucceeded(summary) };
}

/** The traced payment's spans as they arrive, once they stop arriving (bounded), with the demo terminal's own. */
async function traceSpans(
  receiver: OtlpReceiver | null,
  result: ScenarioResult,
): Promise<WaterfallSpan[]> {
  const { traceId, clientSpans } = result.traced;
  if (!receiver) return [...clientSpans];
  const deadline = Date.now() + traceArrivalWaitMs;
  let count = -1;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    const now = receiver.trace(traceId).length;
    if (now !== count) {
      count = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= traceQuietMs && hasAllPhases(receiver.trace(traceId)))
      break;
    await sleep(250);
  }
  return [...clientSpans, ...receiver.trace(traceId)];
}

const hasAllPhases = (spans: readonly WaterfallSpan[]) => {
  const present = new Set(phasesOf(spans).values());
  return paymentPhases.every((phase) => present.has(phase));
};

/** What the report says about missing spans (null when the trace covers every step). */
export function traceNote(
  receiver: OtlpReceiver | null,
  spans: readonly WaterfallSpan[],
): string | null {
  if (!receiver) return 'No OTLP receiver ran: only the demo terminal’s own spans are shown.';
  const fromServices = spans.filter((span) => span.service !== demoTerminalService);
  if (fromServices.length === 0)
    return 'No spans from the services arrived for this trace (do they export with OTEL_EXPORTER_OTLP_ENDPOINT?): only the demo terminal’s own spans are shown.';
  const present = new Set(phasesOf(spans).values());
  const missing = paymentPhases.filter((phase) => !present.has(phase));
  if (missing.length === 0) return null;
  return `Drawn as it arrived; no spans for ${missing.join(', ')} (the services' spans for those steps did not join this payment's trace — e.g. the trace is not carried across Kafka yet).`;
}

function readRecording(
  file: string,
): { samples: Float32Array; sampleRateHz: number; file: string } | null {
  if (!existsSync(file)) return null;
  const audio = decodeWav(new Uint8Array(readFileSync(file)));
  return { samples: audio.samples, sampleRateHz: audio.sampleRateHz, file: path.basename(file) };
}
