// The service shell end to end against the real PostgreSQL: migrations at start-up, health and
// readiness, the admin guard and its audit log, problem+json errors, OpenAPI, graceful shutdown.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  Injectable,
  Module,
  Param,
  Post,
} from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { postgresAdminUrl } from '@settle/test-support';
import { adminAuthorization, startTestService, type TestService } from '../testing';
import { parseAdminCredentials, scryptDefaults, verifyScrypt } from '../admin/admin-credentials';
import { AdminOnly, AdminOperator } from '../admin/admin-only.decorator';
import { commonConfig } from '../config/service-config';
import {
  HEALTH_CONTRIBUTORS,
  type HealthCheckResult,
  type HealthContributor,
} from '../health/health-contributor';
import { httpJsonBodyLimitBytes } from '../http/body-limits';
import { JsonSchemaValidationPipe } from '../http/json-schema-validation.pipe';
import { type ServiceDefinition } from './bootstrap-service';

/** Lets a test hold a request inside its handler. */
class Gate {
  entered!: Promise<void>;
  private enter!: () => void;
  release!: () => void;
  private released!: Promise<void>;

  constructor() {
    this.reset();
  }

  reset(): void {
    this.entered = new Promise((resolve) => (this.enter = resolve));
    this.released = new Promise((resolve) => (this.release = resolve));
  }

  async pass(): Promise<void> {
    this.enter();
    await this.released;
  }
}
const slowGate = new Gate();

@Controller()
class ShellTestController {
  @Get('slow')
  async slow(): Promise<{ done: true }> {
    await slowGate.pass();
    return { done: true };
  }

  @Post('orders')
  @HttpCode(202)
  order(
    @Body(
      new JsonSchemaValidationPipe({
        type: 'object',
        required: ['amount'],
        additionalProperties: false,
        properties: { amount: { type: 'string', pattern: '^[0-9]+$' } },
      }),
    )
    body: {
      amount: string;
    },
  ): { accepted: string } {
    return { accepted: body.amount };
  }

  @Post('blobs')
  @HttpCode(200)
  blob(@Body() body: unknown): { isBuffer: boolean; length: number | null } {
    return { isBuffer: Buffer.isBuffer(body), length: Buffer.isBuffer(body) ? body.length : null };
  }

  @Get('admin/accounts/:accountId')
  @AdminOnly()
  account(
    @AdminOperator() operatorId: string,
    @Param('accountId') accountId: string,
  ): { operatorId: string; accountId: string } {
    return { operatorId, accountId };
  }

  @Post('admin/accounts/:accountId/close')
  @AdminOnly('test.close-account')
  close(): never {
    throw new ConflictException('already closed');
  }
}

/**
 * Contributors registered from modules other than the platform's, the ways the messaging module may:
 * a class aliased with useExisting in one module, an array value in another.
 */
@Injectable()
class KafkaLikeHealth implements HealthContributor {
  static runs = 0;
  readonly name = 'kafka';
  readonly affectsReadiness = false;
  async check(): Promise<HealthCheckResult> {
    KafkaLikeHealth.runs += 1;
    return { status: 'down', details: { brokers: 'unreachable' } };
  }
}

@Module({
  providers: [KafkaLikeHealth, { provide: HEALTH_CONTRIBUTORS, useExisting: KafkaLikeHealth }],
})
class KafkaLikeModule {}

const relayContributors: HealthContributor[] = [
  { name: 'outbox-relay', affectsReadiness: false, check: async () => ({ status: 'up' }) },
];

@Module({
  imports: [KafkaLikeModule],
  controllers: [ShellTestController],
  providers: [{ provide: HEALTH_CONTRIBUTORS, useValue: relayContributors }],
})
class ShellTestModule {}

const migrationsDirectory = mkdtempSync(path.join(os.tmpdir(), 'settle-shell-migrations-'));
writeFileSync(
  path.join(migrationsDirectory, '0001-widgets.sql'),
  'CREATE TABLE widgets (id bigint PRIMARY KEY);',
);

/** The raw (CBOR) body limit of the test service. */
const blobBodySizeMaxBytes = 1_024;

const definition: ServiceDefinition = {
  name: 'ledger',
  module: ShellTestModule,
  config: commonConfig('ledger'),
  migrationSources: [{ namespace: 'shell-test', directory: migrationsDirectory }],
  rawBodies: [
    {
      mediaTypes: ['application/cbor'],
      limitBytes: blobBodySizeMaxBytes,
      limitName: 'blobBodySizeMaxBytes',
    },
  ],
};

afterAll(() => rmSync(migrationsDirectory, { recursive: true, force: true }));

interface ReadinessBody {
  status: string;
  checks: { name: string; status: string }[];
}

async function jsonOf<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

async function asAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: postgresAdminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function auditRows(
  test: TestService<typeof definition.config>,
): Promise<Record<string, unknown>[]> {
  return test.service.app.get(DataSource).query(
    `SELECT operator_id, claimed_operator_id, action, http_method, path, target_params, outcome_status, outcome_code, request_id,
            finished_at IS NOT NULL AS finished
       FROM admin_audit_log ORDER BY id`,
  );
}

describe('service shell', () => {
  let test: TestService<typeof definition.config>;

  beforeAll(async () => {
    test = await startTestService(definition);
  });

  afterAll(async () => {
    await test?.stop();
  });

  describe('migrations', () => {
    it('applied the platform migrations first, then the service sources, each with a checksum', async () => {
      const rows = await test.service.app
        .get(DataSource)
        .query('SELECT id, checksum_sha256 FROM schema_migrations ORDER BY applied_at, id');
      expect(rows.map((row: { id: string }) => row.id)).toEqual([
        'platform/0001-admin-audit-log.sql',
        'platform/0002-rate-limits.sql',
        'platform/0003-admin-audit-refusals.sql',
        'shell-test/0001-widgets.sql',
      ]);
      expect(rows[0].checksum_sha256).toMatch(/^[0-9a-f]{64}$/);
    });

    it('applies nothing when a second instance starts on the same database', async () => {
      const second = await startTestService(definition, { database: test.database });
      try {
        expect(second.logs.lines.find((line) => line.msg === 'migrations checked')).toMatchObject({
          applied: 0,
          alreadyApplied: 4,
        });
      } finally {
        await second.stop();
      }
    });
  });

  describe('health', () => {
    it('answers liveness without touching anything', async () => {
      const response = await fetch(`${test.url}/health/live`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'up' });
    });

    it('is ready when the database answers, and lists every contributor (a non-essential one down = degraded)', async () => {
      const response = await fetch(`${test.url}/health/ready`);
      expect(response.status).toBe(200);
      const body = await jsonOf<ReadinessBody>(response);
      expect(body).toMatchObject({ status: 'degraded', ready: true, shuttingDown: false });
      expect(body.checks).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'database', status: 'up', affectsReadiness: true }),
          expect.objectContaining({
            name: 'kafka',
            status: 'down',
            affectsReadiness: false,
            details: { brokers: 'unreachable' },
          }),
          expect.objectContaining({ name: 'outbox-relay', status: 'up', affectsReadiness: false }),
        ]),
      );
      expect(body.checks).toHaveLength(3);
    });

    it('runs a check that does not decide readiness (Kafka) at most once per reuse period, however many probes arrive', async () => {
      const before = KafkaLikeHealth.runs;
      const bodies = await Promise.all(
        Array.from({ length: 5 }, async () =>
          jsonOf<ReadinessBody>(await fetch(`${test.url}/health/ready`)),
        ),
      );
      expect(
        bodies.map((body) => body.checks.find((check) => check.name === 'kafka')?.status),
      ).toEqual(bodies.map(() => 'down'));
      expect(KafkaLikeHealth.runs - before).toBeLessThanOrEqual(1);
    });

    it('answers 503 while its database refuses connections, and 200 again once it is back', async () => {
      const name = test.database.name;
      await asAdmin(async (client) => {
        await client.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
        await client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
      });
      try {
        const response = await fetch(`${test.url}/health/ready`);
        expect(response.status).toBe(503);
        const body = await jsonOf<ReadinessBody>(response);
        expect(body).toMatchObject({ status: 'down', ready: false });
        expect(body.checks).toEqual(
          expect.arrayContaining([expect.objectContaining({ name: 'database', status: 'down' })]),
        );
        expect(JSON.stringify(body)).not.toContain('postgres://');
      } finally {
        await asAdmin((client) =>
          client.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`),
        );
      }
      expect((await fetch(`${test.url}/health/ready`)).status).toBe(200);
    });
  });

  describe('admin guard and audit log', () => {
    beforeEach(async () => {
      await test.service.app
        .get(DataSource)
        .query('TRUNCATE admin_audit_log, admin_audit_refusals');
    });

    it('answers 401 problem+json without credentials, with a wrong secret and for an unknown operator, alike', async () => {
      const attempts = [
        undefined,
        adminAuthorization('test-operator', 'wrong'),
        adminAuthorization('mallory', 'test-secret-9c1d2f'),
        'Basic dGVzdA==',
      ];
      const bodies = [];
      for (const authorization of attempts) {
        const response = await fetch(`${test.url}/admin/accounts/acc-1`, {
          headers: authorization ? { authorization } : {},
        });
        expect(response.status).toBe(401);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="settle-admin"');
        const { requestId: _requestId, traceId: _traceId, ...body } = await jsonOf(response);
        bodies.push(body);
      }
      expect(new Set(bodies.map((body) => JSON.stringify(body))).size).toBe(1);
      expect(bodies[0]).toMatchObject({
        status: 401,
        code: 'ADMIN_UNAUTHORIZED',
        type: 'urn:settle:problem:admin-unauthorized',
      });

      const rows = await auditRows(test);
      expect(
        rows.map((row) => [
          row.operator_id,
          row.claimed_operator_id,
          row.outcome_status,
          row.outcome_code,
          row.finished,
        ]),
      ).toEqual([
        [null, null, 401, 'ADMIN_UNAUTHORIZED', true],
        [null, 'test-operator', 401, 'ADMIN_UNAUTHORIZED', true],
        [null, 'mallory', 401, 'ADMIN_UNAUTHORIZED', true],
        [null, null, 401, 'ADMIN_UNAUTHORIZED', true],
      ]);
      expect(rows[0]).toMatchObject({
        action: 'ShellTestController.account',
        http_method: 'GET',
        path: '/admin/accounts/acc-1',
      });
    });

    it('lets the right credentials through, hands the handler the operator id, and records the action', async () => {
      const response = await fetch(`${test.url}/admin/accounts/acc-7?verbose=1`, {
        headers: { authorization: adminAuthorization(), 'x-request-id': 'req-admin-1' },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ operatorId: 'test-operator', accountId: 'acc-7' });
      expect(await auditRows(test)).toEqual([
        {
          operator_id: 'test-operator',
          claimed_operator_id: null,
          action: 'ShellTestController.account',
          http_method: 'GET',
          path: '/admin/accounts/acc-7',
          target_params: { accountId: 'acc-7' },
          outcome_status: 200,
          outcome_code: null,
          // The server makes admin request ids (issue 13 §2), whatever X-Request-Id the caller sent.
          request_id: expect.stringMatching(
            /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
          ),
          finished: true,
        },
      ]);
    });

    it('records a failed admin action with the status and code the caller saw', async () => {
      const response = await fetch(`${test.url}/admin/accounts/acc-9/close`, {
        method: 'POST',
        headers: { authorization: adminAuthorization() },
      });
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ code: 'CONFLICT', detail: 'already closed' });
      expect(await auditRows(test)).toEqual([
        expect.objectContaining({
          operator_id: 'test-operator',
          action: 'test.close-account',
          http_method: 'POST',
          outcome_status: 409,
          outcome_code: 'CONFLICT',
        }),
      ]);
    });

    it('is never open: without configured credentials admin routes answer 503', async () => {
      const unconfigured = await startTestService(definition, {
        database: test.database,
        env: { SETTLE_ADMIN_CREDENTIALS: '' },
      });
      try {
        const response = await fetch(`${unconfigured.url}/admin/accounts/acc-1`, {
          headers: { authorization: adminAuthorization() },
        });
        expect(response.status).toBe(503);
        expect(await response.json()).toMatchObject({ code: 'ADMIN_NOT_CONFIGURED' });
      } finally {
        await unconfigured.stop();
      }
    });

    it('accepts what scripts/hash-admin-secret.mjs prints', async () => {
      const secret = 'operator-secret-from-the-script';
      const printed = spawnSync(
        process.execPath,
        ['scripts/hash-admin-secret.mjs', '--operator', 'script-operator', '--stdin'],
        { input: secret, encoding: 'utf8' },
      );
      expect(printed.status).toBe(0);
      const [credential] = parseAdminCredentials([JSON.parse(printed.stdout)]);
      expect(credential?.operatorId).toBe('script-operator');
      expect(credential?.secretHash.cost).toBe(scryptDefaults.cost);
      expect(await verifyScrypt(secret, credential!.secretHash)).toBe(true);
    });

    it('keeps the record of an id PostgreSQL cannot store as sent (%00), escaped, refused or not', async () => {
      const refused = await fetch(`${test.url}/admin/accounts/a%00b%5C`);
      expect(refused.status).toBe(401);
      const allowed = await fetch(`${test.url}/admin/accounts/a%00b%5C`, {
        headers: { authorization: adminAuthorization() },
      });
      expect(allowed.status).toBe(200);
      expect(await allowed.json()).toEqual({
        operatorId: 'test-operator',
        accountId: 'a\u0000b\\',
      });
      const rows = await auditRows(test);
      expect(rows.map((row) => [row.operator_id, row.target_params, row.outcome_status])).toEqual([
        [null, { accountId: 'a\\u0000b\\\\' }, 401],
        ['test-operator', { accountId: 'a\\u0000b\\\\' }, 200],
      ]);
    });

    it('counts every refused request, and keeps a full row only for a sample of each minute', async () => {
      const sampledPerMinute = 2;
      const refusedCount = 5;
      const sampling = await startTestService(definition, {
        database: test.database,
        env: { SETTLE_ADMIN_REFUSALS_SAMPLED_PER_MINUTE: String(sampledPerMinute) },
      });
      try {
        for (let attempt = 0; attempt < refusedCount; attempt += 1) {
          expect(
            (
              await fetch(`${sampling.url}/admin/accounts/acc-${attempt}`, {
                headers: { authorization: adminAuthorization('mallory', 'guess') },
              })
            ).status,
          ).toBe(401);
        }
      } finally {
        await sampling.stop();
      }
      const counts: { refused: string; sampled: string }[] = await test.service.app
        .get(DataSource)
        .query(
          `SELECT refused::text, sampled::text FROM admin_audit_refusals WHERE outcome_code = 'ADMIN_UNAUTHORIZED' ORDER BY minute`,
        );
      // Two rows if the attempts straddled a minute; the sample is per minute.
      expect(counts.reduce((total, row) => total + Number(row.refused), 0)).toBe(refusedCount);
      const expectedSample = counts.reduce(
        (total, row) => total + Math.min(Number(row.refused), sampledPerMinute),
        0,
      );
      expect(counts.map((row) => Number(row.sampled))).toEqual(
        counts.map((row) => Math.min(Number(row.refused), sampledPerMinute)),
      );
      const rows = await auditRows(test);
      expect(rows).toHaveLength(expectedSample);
      expect(rows[0]).toMatchObject({
        claimed_operator_id: 'mallory',
        path: '/admin/accounts/acc-0',
        outcome_status: 401,
        outcome_code: 'ADMIN_UNAUTHORIZED',
      });
    });

    it('never logs the credentials', () => {
      expect(JSON.stringify(test.logs.lines)).not.toContain('test-secret-9c1d2f');
    });
  });

  describe('errors', () => {
    it('answers an unknown route with a 404 problem', async () => {
      const response = await fetch(`${test.url}/no/such/route`, {
        headers: { 'x-request-id': 'req-404' },
      });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('x-request-id')).toBe('req-404');
      expect(await response.json()).toMatchObject({
        type: 'urn:settle:problem:not-found',
        title: 'Not found',
        status: 404,
        code: 'NOT_FOUND',
        instance: '/no/such/route',
        requestId: 'req-404',
      });
    });

    it('answers an oversized body with a 413 problem', async () => {
      const body = JSON.stringify({ amount: '1'.repeat(httpJsonBodyLimitBytes) });
      const response = await fetch(`${test.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBe(413);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        detail: `The request body is larger than ${httpJsonBodyLimitBytes} bytes.`,
      });
    });

    it('hands a raw body type to the handler as bytes, within its own named limit', async () => {
      const within = await fetch(`${test.url}/blobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/cbor' },
        body: new Uint8Array(blobBodySizeMaxBytes),
      });
      expect(await within.json()).toEqual({ isBuffer: true, length: blobBodySizeMaxBytes });
      const over = await fetch(`${test.url}/blobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/cbor' },
        body: new Uint8Array(blobBodySizeMaxBytes + 1),
      });
      expect(over.status).toBe(413);
      expect(over.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await over.json()).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        detail: `The request body is larger than ${blobBodySizeMaxBytes} bytes (blobBodySizeMaxBytes).`,
        errors: [{ field: 'body', code: 'OUT_OF_RANGE' }],
      });
      // Other media types stay unparsed; JSON keeps its own limit.
      const text = await fetch(`${test.url}/blobs`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      });
      expect(await text.json()).toEqual({ isBuffer: false, length: null });
      const json = await fetch(`${test.url}/blobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pad: '1'.repeat(2 * blobBodySizeMaxBytes) }),
      });
      expect(await json.json()).toEqual({ isBuffer: false, length: null });
    });

    it('answers malformed JSON with a 400 problem that does not quote the body', async () => {
      const response = await fetch(`${test.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"amount": s3cr3t',
      });
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ code: 'MALFORMED_JSON' });
      expect(text).not.toContain('s3cr3t');
    });

    it('names the invalid fields of a request', async () => {
      const response = await fetch(`${test.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"amount": "-1", "note": "x"}',
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [
          { field: 'note', code: 'UNKNOWN_FIELD', message: 'is not allowed here' },
          { field: 'amount', code: 'INVALID_FORMAT' },
        ],
      });
      const accepted = await fetch(`${test.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"amount": "12"}',
      });
      expect(accepted.status).toBe(202);
    });
  });

  it('publishes its OpenAPI document with the admin security scheme', async () => {
    const response = await fetch(`${test.url}/docs-json`);
    expect(response.status).toBe(200);
    const document = await jsonOf<{
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, unknown>;
    }>(response);
    expect(document.components.securitySchemes.admin).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/health/ready', '/admin/accounts/{accountId}']),
    );
    expect((await fetch(`${test.url}/docs`)).status).toBe(200);
  });
});

describe('graceful shutdown', () => {
  it('stops accepting, finishes the request in flight, then closes the pool', async () => {
    const test = await startTestService(definition);
    const dataSource = test.service.app.get(DataSource);
    slowGate.reset();
    const inFlight = fetch(`${test.url}/slow`);
    await slowGate.entered;

    const started = performance.now();
    const stopping = test.service.shutdown('SIGTERM');
    const duringShutdown = await fetch(`${test.url}/health/ready`).then(
      (response) => response.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(duringShutdown);
    await expect(
      fetch(`${test.url}/health/live`, { headers: { connection: 'close' } }),
    ).rejects.toThrow();
    expect(dataSource.isInitialized).toBe(true);

    slowGate.release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    await stopping;
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(dataSource.isInitialized).toBe(false);
    expect(test.logs.lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining([
        'shutting down: refusing new connections, finishing in-flight requests',
        'shut down',
      ]),
    );
    await test.stop();
  });
});
