// startTelemetry as a service runs it, in a child process (testing/telemetry-probe.ts): what a query
// costs in spans and metrics when nothing is exported, and which metrics the endpoint serves.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { postgresAdminUrl } from '@settle/test-support';
import { type ProbeReport } from './testing/telemetry-probe';

const callerTraceId = '0af7651916cd43dd8448eb211c80319c';

describe('startTelemetry in a service process', () => {
  let report: ProbeReport;

  beforeAll(async () => {
    report = await runProbe({ SETTLE_METRICS_PORT: String(await freePort()) });
  }, 60_000);

  it('records no trace that starts in a service exporting nothing, yet gives it a trace id', () => {
    expect(report.rootSpan.recording).toBe(false);
    expect(report.rootSpan.traceparent).toMatch(/^00-(?!0{32})[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  });

  it("keeps a caller's sampled trace sampled, so the services downstream still record it", () => {
    expect(report.callerSampledSpan.recording).toBe(true);
    expect(report.callerSampledSpan.traceparent).toMatch(
      new RegExp(`^00-${callerTraceId}-[0-9a-f]{16}-01$`),
    );
  });

  it('serves no pg or kafkajs instrumentation metrics: nobody reads them, every query paid for them', () => {
    expect(report.metricNames).toContain('target_info');
    expect(report.metricNames.filter((name) => /^(db|messaging)_/.test(name))).toEqual([]);
  });
});

function runProbe(env: NodeJS.ProcessEnv): Promise<ProbeReport> {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', path.join(__dirname, 'testing/telemetry-probe.ts')],
    {
      env: {
        ...withoutOtelVariables(process.env),
        ...env,
        DATABASE_URL: postgresAdminUrl,
        SWC_NODE_PROJECT: path.join(__dirname, '../../../tsconfig.json'),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(stdout) as ProbeReport)
        : reject(new Error(`telemetry probe exited with ${code}`)),
    );
  });
}

function withoutOtelVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('OTEL_')));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
