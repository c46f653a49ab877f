// The ledger service as it starts in production (its module, config and migrations), against a fresh
// PostgreSQL database: migrations, readiness, the admin guard and the audit log.
import { DataSource } from 'typeorm';
import { adminAuthorization, startTestService, type TestService } from '@settle/platform/testing';
import { serviceDefinition } from './service-definition';

describe('ledger service', () => {
  let test: TestService<typeof serviceDefinition.config>;

  beforeAll(async () => {
    test = await startTestService(serviceDefinition);
  });

  afterAll(async () => {
    await test?.stop();
  });

  it('applies the platform migrations, then its own', async () => {
    const rows: { id: string }[] = await test.service.app.get(DataSource).query('SELECT id FROM schema_migrations ORDER BY applied_at, id');
    expect(rows.map((row) => row.id)).toEqual(['platform/0001-admin-audit-log.sql', 'messaging/0001-outbox-and-inbox.sql', 'ledger/0001-init.sql', 'ledger/0002-accounts-journal-balances.sql']);
  });

  it('is live and ready', async () => {
    expect((await fetch(`${test.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${test.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      checks: [
        { name: 'database', status: 'up' },
        { name: 'kafka', details: { reachable: true } },
      ],
    });
  });

  it('answers /admin/whoami only with valid admin credentials, and audits every attempt', async () => {
    const missing = await fetch(`${test.url}/admin/whoami`);
    const wrong = await fetch(`${test.url}/admin/whoami`, { headers: { authorization: adminAuthorization('test-operator', 'not-it') } });
    const right = await fetch(`${test.url}/admin/whoami`, { headers: { authorization: adminAuthorization() } });
    expect([missing.status, wrong.status, right.status]).toEqual([401, 401, 200]);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await right.json()).toEqual({ operatorId: 'test-operator', service: 'ledger' });

    const audit: unknown[] = await test.service.app.get(DataSource).query(
      'SELECT operator_id, claimed_operator_id, action, path, outcome_status FROM admin_audit_log ORDER BY id',
    );
    expect(audit).toEqual([
      { operator_id: null, claimed_operator_id: null, action: 'ledger.admin.whoami', path: '/admin/whoami', outcome_status: 401 },
      { operator_id: null, claimed_operator_id: 'test-operator', action: 'ledger.admin.whoami', path: '/admin/whoami', outcome_status: 401 },
      { operator_id: 'test-operator', claimed_operator_id: null, action: 'ledger.admin.whoami', path: '/admin/whoami', outcome_status: 200 },
    ]);
  });

  it('stays ready while Kafka is unreachable, and reports Kafka down', async () => {
    const withoutKafka = await startTestService(serviceDefinition, { env: { KAFKA_BROKERS: '127.0.0.1:1' } });
    try {
      const ready = await fetch(`${withoutKafka.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ ready: true, checks: [{ name: 'database', status: 'up' }, { name: 'kafka', status: 'down' }] });
    } finally {
      await withoutKafka.stop();
    }
  });
});
