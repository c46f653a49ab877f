import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NoopSpanProcessor,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** How long shutdown waits for the exporter to flush before giving up. */
export const telemetryShutdownTimeoutMs = 5_000;

/** Incoming requests under these paths make no spans: probes every few seconds are noise. */
const untracedPathPrefixes = ['/health/'] as const;

export type TraceExporterKind = 'otlp' | 'console' | 'none';

export interface TelemetryOptions {
  /** `service.name` of every span, e.g. `ledger`. */
  readonly serviceName: string;
  /** Where OTEL_* variables are read from; defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Processors added to the exporter chosen from the environment (tests add an in-memory one). */
  readonly additionalSpanProcessors?: readonly SpanProcessor[];
}

export type StopTelemetry = () => Promise<void>;

let running: { readonly serviceName: string; readonly stop: StopTelemetry } | undefined;

/**
 * Chooses the trace exporter the way this project documents it (docs/configuration.md):
 * `OTEL_TRACES_EXPORTER=none` turns export off, `console` prints spans, and otherwise spans go to
 * OTLP/HTTP only when an endpoint is configured. Unlike the SDK's own default there is no silent
 * export to localhost:4318 when nothing is configured.
 */
export function traceExporterKind(env: NodeJS.ProcessEnv): TraceExporterKind {
  const requested = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (requested === 'none') return 'none';
  if (requested === 'console') return 'console';
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return endpoint ? 'otlp' : 'none';
}

function spanProcessorsFor(kind: TraceExporterKind): SpanProcessor[] {
  switch (kind) {
    case 'otlp':
      // The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT and _HEADERS itself.
      return [new BatchSpanProcessor(new OTLPTraceExporter())];
    case 'console':
      return [new SimpleSpanProcessor(new ConsoleSpanExporter())];
    case 'none':
      // A tracer provider is still registered, so spans get real trace ids: logs and the audit log
      // carry them and `traceparent` propagates to Kafka headers even when nothing is exported.
      return [new NoopSpanProcessor()];
  }
}

/**
 * Starts the OpenTelemetry Node SDK: W3C trace context (and baggage) propagation, HTTP
 * instrumentation, and the exporter chosen by {@link traceExporterKind}. Call it before anything
 * imports `http`, `pg` or Nest — each app's `src/telemetry.ts`, imported first by `src/main.ts`.
 *
 * @returns a function that flushes and stops the SDK (also reachable as {@link shutdownTelemetry}).
 * @example
 * // apps/ledger/src/telemetry.ts
 * import { startTelemetry } from '@settle/telemetry';
 * export const stopTelemetry = startTelemetry({ serviceName: 'ledger' });
 */
export function startTelemetry(options: TelemetryOptions): StopTelemetry {
  if (!/^[a-z][a-z0-9-]*$/.test(options.serviceName)) {
    throw new Error(`startTelemetry: serviceName must be a lower-case name, got ${JSON.stringify(options.serviceName)}`);
  }
  if (running) {
    throw new Error(`startTelemetry: already started for ${running.serviceName}; start it once per process`);
  }
  const env = options.env ?? process.env;
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    textMapPropagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => untracedPathPrefixes.some((prefix) => request.url?.startsWith(prefix) ?? false),
      }),
    ],
    spanProcessors: [...spanProcessorsFor(traceExporterKind(env)), ...(options.additionalSpanProcessors ?? [])],
    // Logs go to stdout through pino; without this the SDK would start an OTLP log exporter.
    logRecordProcessors: [],
  });
  sdk.start();

  let stopping: Promise<void> | undefined;
  const stop: StopTelemetry = () => {
    stopping ??= withTimeout(sdk.shutdown(), telemetryShutdownTimeoutMs).finally(() => {
      running = undefined;
    });
    return stopping;
  };
  running = { serviceName: options.serviceName, stop };
  return stop;
}

/** Flushes and stops the SDK if {@link startTelemetry} ran in this process; otherwise does nothing. */
export async function shutdownTelemetry(): Promise<void> {
  await running?.stop();
}

async function withTimeout(work: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    // Telemetry must never keep a stopping process alive: give up on the flush, do not fail.
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([work.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
