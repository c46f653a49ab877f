import { createNoopMeter, type MeterProvider } from '@opentelemetry/api';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { type Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NoopSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { settleMetricViews } from './metrics';

/** How long shutdown waits for the exporter to flush before giving up. */
export const telemetryShutdownTimeoutMs = 5_000;

/** Incoming requests under these paths make no spans: probes every few seconds are noise. */
const untracedPathPrefixes = ['/health/'] as const;

/** Path of the Prometheus endpoint on SETTLE_METRICS_PORT. */
export const metricsEndpointPath = '/metrics';

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
  const endpoint =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return endpoint ? 'otlp' : 'none';
}

/**
 * The port of the Prometheus endpoint: SETTLE_METRICS_PORT, or `undefined` (no endpoint) when it is
 * unset, empty or not a port. The service's configuration check (libs/platform `commonConfig`)
 * refuses a malformed value at start-up; telemetry, which starts earlier, only ignores it.
 */
export function metricsPort(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.SETTLE_METRICS_PORT?.trim();
  if (!value || !/^\d{1,5}$/.test(value)) return undefined;
  const port = Number(value);
  return port >= 1 && port <= 65_535 ? port : undefined;
}

/** The instrumentations of {@link instrumentations}. */
interface ServiceInstrumentations {
  readonly all: Instrumentation[];
  /** Those whose own metrics nobody reads (see {@link silenceInstrumentationMetrics}). */
  readonly withoutMetrics: Instrumentation[];
}

/**
 * The instrumentations every service runs. pg makes spans only inside a trace: the outbox relay's
 * idle polls and the sweepers would otherwise each start a trace of one query. The kafkajs
 * instrumentation's producer spans are suppressed by the messaging adapter (the messages carry the
 * trace context their outbox rows stored); its consumer spans stay.
 */
function instrumentations(): ServiceInstrumentations {
  const pg = new PgInstrumentation({ requireParentSpan: true });
  const kafkajs = new KafkaJsInstrumentation();
  const all = [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request) =>
        untracedPathPrefixes.some((prefix) => request.url?.startsWith(prefix) ?? false),
    }),
    new NestInstrumentation(),
    pg,
    kafkajs,
  ];
  return { all, withoutMetrics: [pg, kafkajs] };
}

/** A meter provider whose instruments record nothing, at no cost. */
const noopMeterProvider: MeterProvider = { getMeter: () => createNoopMeter() };

/**
 * The pg and kafkajs instrumentations record a duration histogram and a counter per query and per
 * consumed message (`db.client.*`, `messaging.client.*`, `messaging.process.duration`). Neither the
 * dashboard nor the alerts read them — the product's own metrics (`settle.*`) and the consumer-lag
 * gauge say what matters — and they cost a few per cent of a busy service's CPU, so those two
 * instrumentations get instruments that do nothing. Their spans are unchanged. Call after
 * `sdk.start()`, which hands every instrumentation the global meter provider.
 */
function silenceInstrumentationMetrics(instrumentations: readonly Instrumentation[]): void {
  for (const instrumentation of instrumentations) {
    instrumentation.setMeterProvider(noopMeterProvider);
  }
}

/**
 * The sampler when no span leaves the process (nothing exported, no in-memory processor): a trace
 * that starts here is not recorded — its spans still carry real trace ids, for the logs and for
 * `traceparent`, now with the sampled flag off, so the services downstream do not record it either.
 * A caller's sampled `traceparent` is honoured. `undefined` otherwise: the SDK's own
 * (OTEL_TRACES_SAMPLER, default `parentbased_always_on`).
 */
function samplerFor(kind: TraceExporterKind, spanProcessorsAdded: number): Sampler | undefined {
  if (kind !== 'none' || spanProcessorsAdded > 0) return undefined;
  return new ParentBasedSampler({ root: new AlwaysOffSampler() });
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
      // carry them and `traceparent` propagates to Kafka headers even when nothing is exported
      // (unrecorded, by the sampler of `samplerFor`, unless a caller's trace is sampled).
      return [new NoopSpanProcessor()];
  }
}

/**
 * Starts the OpenTelemetry Node SDK: W3C trace context (and baggage) propagation, HTTP, NestJS, pg
 * and kafkajs instrumentation, the trace exporter chosen by {@link traceExporterKind}, and — when
 * SETTLE_METRICS_PORT is set — a Prometheus endpoint on SETTLE_HTTP_HOST:SETTLE_METRICS_PORT
 * (`/metrics`). Call it before anything imports `http`, `pg`, kafkajs or Nest — each app's
 * `src/telemetry.ts`, imported first by `src/main.ts`.
 *
 * @returns a function that flushes and stops the SDK (also reachable as {@link shutdownTelemetry}).
 * @example
 * // apps/ledger/src/telemetry.ts
 * import { startTelemetry } from '@settle/telemetry';
 * export const stopTelemetry = startTelemetry({ serviceName: 'ledger' });
 */
export function startTelemetry(options: TelemetryOptions): StopTelemetry {
  if (!/^[a-z][a-z0-9-]*$/.test(options.serviceName)) {
    throw new Error(
      `startTelemetry: serviceName must be a lower-case name, got ${JSON.stringify(options.serviceName)}`,
    );
  }
  if (running) {
    throw new Error(
      `startTelemetry: already started for ${running.serviceName}; start it once per process`,
    );
  }
  const env = options.env ?? process.env;
  const prometheus = prometheusExporterFor(env);
  const kind = traceExporterKind(env);
  const additionalSpanProcessors = options.additionalSpanProcessors ?? [];
  const sampler = samplerFor(kind, additionalSpanProcessors.length);
  const { all, withoutMetrics } = instrumentations();
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    textMapPropagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
    instrumentations: all,
    spanProcessors: [...spanProcessorsFor(kind), ...additionalSpanProcessors],
    ...(sampler ? { sampler } : {}),
    // Without a reader here the SDK still honours OTEL_METRICS_EXPORTER (e.g. otlp); the views apply either way.
    ...(prometheus ? { metricReaders: [prometheus] } : {}),
    views: [...settleMetricViews],
    // Logs go to stdout through pino; without this the SDK would start an OTLP log exporter.
    logRecordProcessors: [],
  });
  sdk.start();
  silenceInstrumentationMetrics(withoutMetrics);
  // Metrics are an aid, not a duty: a port already taken is reported and the service runs without them.
  prometheus
    ?.startServer()
    .catch((error: unknown) =>
      reportTelemetryError(options.serviceName, 'metrics endpoint failed to start', error),
    );

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

function prometheusExporterFor(env: NodeJS.ProcessEnv): PrometheusExporter | undefined {
  const port = metricsPort(env);
  if (port === undefined) return undefined;
  const host = env.SETTLE_HTTP_HOST?.trim() || '127.0.0.1';
  return new PrometheusExporter({
    host,
    port,
    endpoint: metricsEndpointPath,
    preventServerStart: true,
  });
}

/** One JSON line on stderr, shaped like the services' log lines (the logger is not up yet). */
function reportTelemetryError(serviceName: string, message: string, error: unknown): void {
  const err = { message: error instanceof Error ? error.message : String(error) };
  process.stderr.write(
    `${JSON.stringify({ level: 'error', time: new Date().toISOString(), service: serviceName, msg: message, err })}\n`,
  );
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
