// A service's telemetry in a child process (start-telemetry.int-spec.ts): the SDK patches `pg` through
// Node's own `require`, which Jest's module registry bypasses. Starts telemetry as a service does
// (SETTLE_METRICS_PORT and OTEL_* from the environment), runs one query in a trace that starts here
// and one in a caller's sampled trace, and prints what it saw as one JSON line on stdout.
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { metricsEndpointPath, startTelemetry } from '../start-telemetry';

/** What the probe reports; the spec parses it. */
export interface ProbeReport {
  readonly rootSpan: { readonly recording: boolean; readonly traceparent: string };
  readonly callerSampledSpan: { readonly recording: boolean; readonly traceparent: string };
  /** Metric names on the Prometheus endpoint after both queries (without `_bucket`/`_sum`/…). */
  readonly metricNames: readonly string[];
}

const callerTraceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

async function main(): Promise<void> {
  const stop = startTelemetry({ serviceName: 'telemetry-probe' });
  // Required after the SDK started, as a service's modules are.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Pool } = require('pg') as typeof import('pg');
  const pool = new Pool({ connectionString: requiredEnv('DATABASE_URL'), max: 1 });
  const tracer = trace.getTracer('telemetry-probe');
  const callerContext = propagation.extract(ROOT_CONTEXT, { traceparent: callerTraceparent });
  const rootSpan = await queryInSpan(pool, tracer.startSpan('root'));
  const callerSampledSpan = await queryInSpan(pool, tracer.startSpan('child', {}, callerContext));
  const report: ProbeReport = {
    rootSpan,
    callerSampledSpan,
    metricNames: await metricNames(Number(requiredEnv('SETTLE_METRICS_PORT'))),
  };
  await pool.end();
  await stop();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

async function queryInSpan(
  pool: import('pg').Pool,
  span: import('@opentelemetry/api').Span,
): Promise<ProbeReport['rootSpan']> {
  const spanContext = trace.setSpan(context.active(), span);
  await context.with(spanContext, () => pool.query('SELECT 1'));
  const carrier: Record<string, string> = {};
  propagation.inject(spanContext, carrier);
  const recording = span.isRecording(); // false once ended, whatever it was
  span.end();
  return { recording, traceparent: carrier.traceparent ?? '' };
}

async function metricNames(port: number): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${port}${metricsEndpointPath}`);
  const names = (await response.text())
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(/[{ ]/)[0] ?? '');
  return [...new Set(names)];
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
