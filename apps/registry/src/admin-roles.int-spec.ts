// Operator roles on the registry's admin API against a running registry on the real PostgreSQL and
// Kafka (docs/security.md, maker–checker): every route that changes something needs `maker` (approving
// a limit change: `checker`), reads need any role. Read from the service's own OpenAPI document, so a
// new mutating route without a role fails here. A viewer's refusal stores and publishes nothing and is
// audited as refused.
import { randomUUID } from 'node:crypto';
import { adminAuthorization, testViewer } from '@settle/platform/testing';
import {
  type RegistryTestKit,
  startRegistry,
  uniqueId,
  waitFor,
} from './testing/registry-test-kit';

interface AdminRoute {
  readonly method: string;
  readonly path: string;
  /** What the OpenAPI 403 says, e.g. "The credential lacks the maker role (ADMIN_ROLE_REQUIRED)."; null for none. */
  readonly forbidden: string | null;
}

const viewer = adminAuthorization(testViewer.operatorId, testViewer.secret);

describe('registry admin: operator roles', () => {
  let kit: RegistryTestKit;

  beforeAll(async () => {
    kit = await startRegistry();
  });

  afterAll(async () => {
    await kit?.stop();
  });

  async function adminRoutes(): Promise<AdminRoute[]> {
    const document = (await (await fetch(`${kit.test.url}/docs-json`)).json()) as {
      paths: Record<
        string,
        Record<string, { responses?: Record<string, { description?: string }> }>
      >;
    };
    return Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/admin/'))
      .flatMap(([path, operations]) =>
        Object.entries(operations).map(([method, operation]) => ({
          method: method.toUpperCase(),
          path,
          forbidden: operation.responses?.['403']?.description ?? null,
        })),
      );
  }

  it('names maker on every route that changes something, checker on approval, and no role on reads', async () => {
    const routes = await adminRoutes();
    const role = (route: AdminRoute) =>
      /lacks the (\w+) role \(ADMIN_ROLE_REQUIRED\)/.exec(route.forbidden ?? '')?.[1] ?? null;
    expect(routes.length).toBeGreaterThanOrEqual(14);
    for (const route of routes) {
      const expected =
        route.method === 'GET' ? null : route.path.endsWith('/approve') ? 'checker' : 'maker';
      expect({ route: `${route.method} ${route.path}`, role: role(route) }).toEqual({
        route: `${route.method} ${route.path}`,
        role: expected,
      });
    }
  });

  it('refuses a viewer on every mutating route (403 ADMIN_ROLE_REQUIRED, problem+json) and audits each refusal', async () => {
    const mutating = (await adminRoutes()).filter(
      (route) => route.method !== 'GET' && !route.path.startsWith('/admin/whoami'),
    );
    expect(mutating.length).toBeGreaterThanOrEqual(12);
    for (const route of mutating) {
      // The guard answers before any pipe: the parameters and body need not be valid.
      const path = route.path.replace(/\{[^}]+\}/g, () => randomUUID());
      const response = await fetch(`${kit.test.url}${path}`, {
        method: route.method,
        headers: { authorization: viewer, 'content-type': 'application/json' },
        body: '{}',
      });
      const body = (await response.json()) as { code?: string; detail?: string };
      expect({
        route: `${route.method} ${route.path}`,
        status: response.status,
        type: response.headers.get('content-type'),
        code: body.code,
      }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 403,
        type: expect.stringContaining('application/problem+json'),
        code: 'ADMIN_ROLE_REQUIRED',
      });
    }
    const audited = await kit.query<{ outcome_status: number; outcome_code: string }>(
      'SELECT outcome_status, outcome_code FROM admin_audit_log WHERE operator_id = $1',
      [testViewer.operatorId],
    );
    expect(audited.length).toBeGreaterThanOrEqual(mutating.length);
    expect(new Set(audited.map((row) => `${row.outcome_status} ${row.outcome_code}`))).toEqual(
      new Set(['403 ADMIN_ROLE_REQUIRED']),
    );
  });

  it('stores nothing for a viewer’s create, lets a maker create the same account, and lets the viewer read', async () => {
    const accountId = uniqueId('acc');
    const deviceId = uniqueId('dev');
    const account = { accountId, holderDisplayName: 'Ada', currency: 'EUR' };
    expect(await kit.admin('POST', '/admin/accounts', account, viewer)).toMatchObject({
      status: 403,
      body: { code: 'ADMIN_ROLE_REQUIRED' },
    });
    expect(
      await kit.query('SELECT 1 FROM registry_accounts WHERE account_id = $1', [accountId]),
    ).toEqual([]);

    expect(await kit.admin('POST', '/admin/accounts', account)).toMatchObject({
      status: 200,
      body: { outcome: 'created' },
    });
    expect(
      await kit.admin('POST', '/admin/devices', { deviceId, accountId, platform: 'ios' }),
    ).toMatchObject({ status: 200, body: { outcome: 'created' } });
    expect(
      await kit.query('SELECT created_by FROM registry_accounts WHERE account_id = $1', [
        accountId,
      ]),
    ).toEqual([{ created_by: 'test-operator' }]);
    expect(
      await kit.admin(
        'PUT',
        `/admin/devices/${deviceId}/offline-capability`,
        { capability: 'suspended' },
        viewer,
      ),
    ).toMatchObject({ status: 403, body: { code: 'ADMIN_ROLE_REQUIRED' } });
    expect(
      await kit.admin('GET', `/admin/devices/${deviceId}/offline`, undefined, viewer),
    ).toMatchObject({ status: 200, body: { deviceId, capability: 'enabled' } });
    expect(
      await kit.admin('GET', `/admin/keys/${'A'.repeat(43)}`, undefined, viewer),
    ).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });

    await waitFor(
      () =>
        kit.published.some(
          (event) => event.type === 'device.offline-capability-changed' && event.key === deviceId,
        ),
      30_000,
      'device events',
    );
    expect(
      kit.published.filter((event) => event.type === 'account.opened' && event.key === accountId),
    ).toHaveLength(1);
    const audit = await kit.query<{ operator_id: string; outcome_status: number }>(
      `SELECT DISTINCT operator_id, outcome_status FROM admin_audit_log WHERE action IN ('registry.admin.account.create', 'registry.admin.offline-capability.set') ORDER BY operator_id`,
    );
    expect(audit).toEqual([
      { operator_id: 'test-operator', outcome_status: 200 },
      { operator_id: testViewer.operatorId, outcome_status: 403 },
    ]);
  });
});
