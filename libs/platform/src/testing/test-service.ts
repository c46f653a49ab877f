// Starts a real service (its Nest module, the platform, migrations) against a fresh PostgreSQL
// database on a free port, with admin credentials whose secret the test knows.
import { Writable } from 'node:stream';
import { createTestDatabase, type TestDatabase } from '@settle/test-support';
import { hashAdminSecret } from '../admin/admin-credentials';
import {
  type RunningService,
  type ServiceDefinition,
  startService,
} from '../bootstrap/bootstrap-service';
import { type CommonConfigDefinition } from '../config/service-config';

/** The operator every test service accepts, with the smallest scrypt cost the platform accepts (fast). */
export const testOperator = { operatorId: 'test-operator', secret: 'test-secret-9c1d2f' } as const;
/** A second person, who may approve what {@link testOperator} (a maker) started: maker–checker. */
export const testChecker = {
  operatorId: 'test-checker',
  secret: 'test-checker-secret-5e2a7b',
} as const;
/** An operator who may only read: every route that changes something refuses them (403 ADMIN_ROLE_REQUIRED). */
export const testViewer = {
  operatorId: 'test-viewer',
  secret: 'test-viewer-secret-8d3f6c',
} as const;
const testScryptParameters = { cost: 2 ** 14, blockSize: 8, parallelization: 1 };

let credentialsJson: Promise<string> | undefined;

/**
 * SETTLE_ADMIN_CREDENTIALS accepting {@link testOperator} (viewer, maker), {@link testChecker} (viewer,
 * checker) and {@link testViewer} (viewer); hashed once per test file.
 */
export function testAdminCredentials(): Promise<string> {
  const operators = [testOperator, testChecker, testViewer] as const;
  credentialsJson ??= Promise.all(
    operators.map((operator) => hashAdminSecret(operator.secret, testScryptParameters)),
  ).then(([operatorHash, checkerHash, viewerHash]) =>
    JSON.stringify([
      { operatorId: testOperator.operatorId, secretHash: operatorHash, roles: ['viewer', 'maker'] },
      { operatorId: testChecker.operatorId, secretHash: checkerHash, roles: ['viewer', 'checker'] },
      { operatorId: testViewer.operatorId, secretHash: viewerHash, roles: ['viewer'] },
    ]),
  );
  return credentialsJson;
}

export function adminAuthorization(
  operatorId: string = testOperator.operatorId,
  secret: string = testOperator.secret,
): string {
  return `Bearer ${operatorId}.${secret}`;
}

/** Log lines of a test service, parsed; nothing reaches the terminal. */
export class CapturedLogs extends Writable {
  readonly lines: Record<string, unknown>[] = [];

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: (error?: Error | null) => void,
  ): void {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

export interface TestService<Definition extends CommonConfigDefinition> {
  readonly service: RunningService<Definition>;
  readonly url: string;
  readonly database: TestDatabase;
  readonly logs: CapturedLogs;
  /** Shuts the service down (if still running) and drops its database. */
  stop(): Promise<void>;
}

export interface TestServiceOptions {
  /** Added to (and overriding) the test environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** Reuse a database (e.g. to restart a service on it); it is then not dropped by stop(). */
  readonly database?: TestDatabase;
}

export async function startTestService<Definition extends CommonConfigDefinition>(
  definition: ServiceDefinition<Definition>,
  options: TestServiceOptions = {},
): Promise<TestService<Definition>> {
  const database =
    options.database ??
    (await createTestDatabase(`settle_test_${definition.name.replaceAll('-', '_')}`));
  const logs = new CapturedLogs();
  try {
    const service = await startService(definition, {
      env: {
        DATABASE_URL: database.url,
        SETTLE_HTTP_PORT: '0',
        SETTLE_ADMIN_CREDENTIALS: await testAdminCredentials(),
        SETTLE_SHUTDOWN_GRACE_MS: '2000',
        LOG_LEVEL: 'debug',
        ...(process.env.KAFKA_BROKERS ? { KAFKA_BROKERS: process.env.KAFKA_BROKERS } : {}),
        ...options.env,
      },
      logDestination: logs,
    });
    return {
      service,
      url: service.url,
      database,
      logs,
      stop: async () => {
        await service.shutdown('test finished');
        if (!options.database) await database.drop();
      },
    };
  } catch (error) {
    if (!options.database) await database.drop();
    throw error;
  }
}
