// The checks every service passes as it starts in production (its module, config and migrations)
// against a fresh PostgreSQL database and the test run's Kafka: migrations, readiness with the
// database and Kafka, the admin guard and the audit log. Each app's int-spec runs them once.
import { DataSource } from 'typeorm';
import { type CommonConfigDefinition } from '../config/service-config';
import { type ServiceDefinition } from '../bootstrap/bootstrap-service';
import { adminAuthorization, startTestService, type TestService } from './test-service';

/** Registers a `describe` block with the shell checks; `migrations` are the ids expected, in order. */
export function describeServiceShell<Definition extends CommonConfigDefinition>(
  definition: ServiceDefinition<Definition>,
  expected: { readonly migrations: readonly string[] },
): void {
  describe(`${definition.name} service shell`, () => {
    let test: TestService<Definition>;

    beforeAll(async () => {
      test = await startTestService(definition);
    });

    afterAll(async () => {
      await test?.stop();
    });

    it('applies its migrations in order', async () => {
      const rows: { id: string }[] = await test.service.app
        .get(DataSource)
        .query('SELECT id FROM schema_migrations ORDER BY applied_at, id');
      expect(rows.map((row) => row.id)).toEqual(expected.migrations);
    });

    it('is live, and ready with its database and Kafka', async () => {
      expect((await fetch(`${test.url}/health/live`)).status).toBe(200);
      const ready = await fetch(`${test.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        ready: true,
        // Services may add their own checks (e.g. the resource guard's binding keys).
        checks: expect.arrayContaining([
          expect.objectContaining({ name: 'database', status: 'up' }),
          expect.objectContaining({
            name: 'kafka',
            details: expect.objectContaining({ reachable: true }),
          }),
        ]),
      });
    });

    it('answers /admin/whoami only with valid admin credentials, and audits every attempt', async () => {
      const missing = await fetch(`${test.url}/admin/whoami`);
      const wrong = await fetch(`${test.url}/admin/whoami`, {
        headers: { authorization: adminAuthorization('test-operator', 'not-it') },
      });
      const right = await fetch(`${test.url}/admin/whoami`, {
        headers: { authorization: adminAuthorization() },
      });
      expect([missing.status, wrong.status, right.status]).toEqual([401, 401, 200]);
      expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await right.json()).toEqual({ operatorId: 'test-operator', service: definition.name });

      const audit: unknown[] = await test.service.app
        .get(DataSource)
        .query(
          'SELECT operator_id, claimed_operator_id, action, path, outcome_status FROM admin_audit_log ORDER BY id',
        );
      expect(audit).toEqual([
        {
          operator_id: null,
          claimed_operator_id: null,
          action: 'admin.whoami',
          path: '/admin/whoami',
          outcome_status: 401,
        },
        {
          operator_id: null,
          claimed_operator_id: 'test-operator',
          action: 'admin.whoami',
          path: '/admin/whoami',
          outcome_status: 401,
        },
        {
          operator_id: 'test-operator',
          claimed_operator_id: null,
          action: 'admin.whoami',
          path: '/admin/whoami',
          outcome_status: 200,
        },
      ]);
    });
  });
}
