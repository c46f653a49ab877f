// The internal admin listener (SETTLE_ADMIN_PORT) against the real PostgreSQL: one application, two
// servers; /admin/* only on the admin port, 404 on the main one; health on both; both closed on
// shutdown; the admin port over TLS when SETTLE_ADMIN_TLS_* name a certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Module } from '@nestjs/common';
import { adminAuthorization, CapturedLogs, startTestService, type TestService } from '../testing';
import { AdminOnly, AdminOperator } from '../admin/admin-only.decorator';
import { ConfigurationError } from '../config/config-definition';
import { commonConfig } from '../config/service-config';
import { type ServiceDefinition, startService } from './bootstrap-service';

@Controller()
class AdminListenerTestController {
  @Get('orders')
  orders(): { orders: [] } {
    return { orders: [] };
  }

  @Get('admin/accounts/:accountId')
  @AdminOnly()
  account(@AdminOperator() operatorId: string): { operatorId: string } {
    return { operatorId };
  }
}

@Module({ controllers: [AdminListenerTestController] })
class AdminListenerTestModule {}

const definition: ServiceDefinition = {
  name: 'ledger',
  module: AdminListenerTestModule,
  config: commonConfig('ledger'),
  migrationSources: [],
};

describe('admin listener (SETTLE_ADMIN_PORT)', () => {
  let test: TestService<typeof definition.config>;
  let adminUrl: string;

  beforeAll(async () => {
    // 0 picks a free port, as for SETTLE_HTTP_PORT; the service reports the one it bound.
    test = await startTestService(definition, { env: { SETTLE_ADMIN_PORT: '0' } });
    adminUrl = test.service.adminUrl ?? '';
  });

  afterAll(async () => {
    await test?.stop();
  });

  it('listens on a second port, plain HTTP on SETTLE_HTTP_HOST', () => {
    expect(adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(adminUrl).not.toBe(test.url);
    expect(
      test.logs.lines.find(
        (line) => typeof line.msg === 'string' && line.msg.endsWith('listening'),
      ),
    ).toMatchObject({ url: test.url, adminUrl });
  });

  it.each([
    '/admin/whoami',
    '/admin/accounts/a-1',
    '/ADMIN/whoami',
    '//admin/whoami',
    '/%61dmin/whoami',
    '/admin',
  ])(
    'answers 404 problem+json for %s on the main port, even with valid credentials',
    async (path) => {
      const response = await fetch(`${test.url}${path}`, {
        headers: { authorization: adminAuthorization() },
      });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    },
  );

  it('answers /admin/* on the admin port with credentials, 401 without', async () => {
    const missing = await fetch(`${adminUrl}/admin/whoami`);
    const wrong = await fetch(`${adminUrl}/admin/whoami`, {
      headers: { authorization: adminAuthorization('test-operator', 'not-it') },
    });
    const right = await fetch(`${adminUrl}/admin/whoami`, {
      headers: { authorization: adminAuthorization() },
    });
    expect([missing.status, wrong.status, right.status]).toEqual([401, 401, 200]);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await right.json()).toEqual({ operatorId: 'test-operator', service: 'ledger' });

    const account = await fetch(`${adminUrl}/admin/accounts/a-1`, {
      headers: { authorization: adminAuthorization() },
    });
    expect(account.status).toBe(200);
    expect(await account.json()).toEqual({ operatorId: 'test-operator' });
  });

  it('answers the health endpoints on both ports, readiness details only on the admin port', async () => {
    for (const base of [test.url, adminUrl]) {
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    }
    expect(await (await fetch(`${test.url}/health/ready`)).json()).toEqual({ status: 'up' });
    expect(await (await fetch(`${adminUrl}/health/ready`)).json()).toMatchObject({
      ready: true,
      checks: [expect.objectContaining({ name: 'database', status: 'up' })],
    });
  });

  it('serves the Swagger UI and the admin routes’ OpenAPI on the admin port only; the public document leaves them out', async () => {
    expect((await fetch(`${adminUrl}/docs`)).status).toBe(200);
    const onMain = await fetch(`${test.url}/docs`);
    expect(onMain.status).toBe(404);
    expect(onMain.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    for (const path of ['/docs/', '/DOCS', '/docs/swagger-ui-init.js'])
      expect((await fetch(`${test.url}${path}`)).status).toBe(404);

    const full = (await (await fetch(`${adminUrl}/docs-json`)).json()) as {
      paths: Record<string, unknown>;
    };
    const publicDocument = (await (await fetch(`${test.url}/docs-json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(full.paths)).toEqual(
      expect.arrayContaining(['/orders', '/admin/accounts/{accountId}', '/admin/whoami']),
    );
    expect(Object.keys(publicDocument.paths)).toContain('/orders');
    expect(Object.keys(publicDocument.paths).filter((path) => path.startsWith('/admin'))).toEqual(
      [],
    );
    expect(await (await fetch(`${test.url}/docs-yaml`)).text()).not.toContain('/admin/');
  });

  it('serves the public routes on the main port only', async () => {
    expect((await fetch(`${test.url}/orders`)).status).toBe(200);
    const onAdmin = await fetch(`${adminUrl}/orders`);
    expect(onAdmin.status).toBe(404);
    expect(onAdmin.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('without SETTLE_ADMIN_PORT', () => {
  it('serves the admin routes on the main port, as before', async () => {
    const test = await startTestService(definition);
    try {
      expect(test.service.adminUrl).toBeUndefined();
      expect(
        (
          await fetch(`${test.url}/admin/whoami`, {
            headers: { authorization: adminAuthorization() },
          })
        ).status,
      ).toBe(200);
    } finally {
      await test.stop();
    }
  });
});

describe('admin listener shutdown and configuration', () => {
  it('closes both servers on shutdown', async () => {
    const test = await startTestService(definition, { env: { SETTLE_ADMIN_PORT: '0' } });
    const adminUrl = test.service.adminUrl ?? '';
    expect((await fetch(`${adminUrl}/health/live`)).status).toBe(200);
    await test.stop();
    await expect(fetch(`${adminUrl}/health/live`)).rejects.toThrow();
    await expect(fetch(`${test.url}/health/live`)).rejects.toThrow();
  });

  it('refuses an admin port equal to the main port', async () => {
    await expect(
      startService(definition, {
        env: { SETTLE_HTTP_PORT: '3999', SETTLE_ADMIN_PORT: '3999' },
        logDestination: new CapturedLogs(),
      }),
    ).rejects.toBeInstanceOf(ConfigurationError);
  });
});

describe('admin listener over TLS (SETTLE_ADMIN_TLS_CERT_FILE, SETTLE_ADMIN_TLS_KEY_FILE)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'settle-admin-tls-'));
  const certFile = join(directory, 'cert.pem');
  const keyFile = join(directory, 'key.pem');

  beforeAll(() => {
    // A throwaway self-signed certificate for 127.0.0.1, made with the openssl command line.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'pipe' },
    );
  });

  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  /** GET over HTTPS trusting only the test certificate; status and body. */
  const httpsGet = (url: string, headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpsRequest(url, { ca: readFileSync(certFile), headers }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.end();
    });

  it('speaks HTTPS (TLS 1.3) on the admin port only: admin routes answer there, plain HTTP does not, the main port is unchanged', async () => {
    const test = await startTestService(definition, {
      env: {
        SETTLE_ADMIN_PORT: '0',
        SETTLE_ADMIN_TLS_CERT_FILE: certFile,
        SETTLE_ADMIN_TLS_KEY_FILE: keyFile,
      },
    });
    try {
      const adminUrl = test.service.adminUrl ?? '';
      expect(adminUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      // The connection is tagged after the handshake: admin routes answer, public ones do not.
      expect(
        await httpsGet(`${adminUrl}/admin/accounts/a-1`, { authorization: adminAuthorization() }),
      ).toEqual({ status: 200, body: JSON.stringify({ operatorId: 'test-operator' }) });
      expect((await httpsGet(`${adminUrl}/orders`, {})).status).toBe(404);
      await expect(fetch(`${adminUrl.replace('https:', 'http:')}/health/live`)).rejects.toThrow();
      expect(test.url).toMatch(/^http:/);
      expect(
        (
          await fetch(`${test.url}/admin/whoami`, {
            headers: { authorization: adminAuthorization() },
          })
        ).status,
      ).toBe(404);
    } finally {
      await test.stop();
    }
  });

  it('refuses half a setting, and a certificate without an admin port', async () => {
    const start = (env: Record<string, string>) =>
      startService(definition, {
        env: { SETTLE_HTTP_PORT: '0', ...env },
        logDestination: new CapturedLogs(),
      });
    await expect(
      start({ SETTLE_ADMIN_PORT: '0', SETTLE_ADMIN_TLS_CERT_FILE: certFile }),
    ).rejects.toThrow(
      /SETTLE_ADMIN_TLS_CERT_FILE and SETTLE_ADMIN_TLS_KEY_FILE must be set together/,
    );
    await expect(
      start({ SETTLE_ADMIN_TLS_CERT_FILE: certFile, SETTLE_ADMIN_TLS_KEY_FILE: keyFile }),
    ).rejects.toThrow(/needs SETTLE_ADMIN_PORT/);
  });
});
