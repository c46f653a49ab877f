// DPoP mode as deployed behind an ingress: two replicas of a tiny Nest service (plain HTTP, TLS ends
// in front of them) sharing one real PostgreSQL database for the replay cache and the key states.
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { type TestDatabase, createTestDatabase } from '@settle/test-support';
import { waitFor } from '@settle/messaging/testing';
import { runMigrations } from '@settle/platform';
import { resourceGuardMigrations } from '../migrations';
import { upsertBindingKeyState } from '../key-status/binding-key-table';
import { BindingKeySnapshot, bindingKeyTableSource } from '../key-status/binding-key-snapshot';
import {
  createDpopProof,
  createTestBindingKey,
  createTestTokenIssuer,
  keyLifecycleEvent,
} from '../testing';
import { type GuardedTestApp, startGuardedTestApp } from '../testing/guarded-test-app';
import { PostgresDpopReplayCache } from './dpop-replay-cache';

const externalBaseUrl = 'https://api.settle.test/verifier';

describe('DPoP mode: two replicas sharing PostgreSQL', () => {
  const issuer = createTestTokenIssuer();
  const device = createTestBindingKey();
  let database: TestDatabase;
  let pool: Pool;
  let replicas: GuardedTestApp[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('resource_guard_dpop');
    const env = {
      SETTLE_AUTH_MODE: 'dpop',
      SETTLE_AUTH_ISSUER: issuer.issuer,
      SETTLE_AUTH_JWKS: JSON.stringify(issuer.jwks()),
      SETTLE_AUTH_EXTERNAL_BASE_URL: externalBaseUrl,
      SETTLE_AUTH_DPOP_NONCE_SECRET: 'dpop-nonce-secret-for-the-integration-test-0001',
    };
    replicas = [
      await startGuardedTestApp({ databaseUrl: database.url, env }),
      await startGuardedTestApp({ databaseUrl: database.url, env }),
    ];
    pool = new Pool({ connectionString: database.url, max: 2 });
    pool.on('error', () => undefined);
    await upsertBindingKeyState(pool, keyLifecycleEvent(device, ['active']));
  });

  afterAll(async () => {
    await Promise.allSettled(replicas.map((replica) => replica.close()));
    await pool?.end();
    await database?.drop();
  });

  async function call(
    replica: GuardedTestApp,
    headers: Record<string, string>,
    path = '/v1/me',
    method = 'GET',
  ) {
    const response = await fetch(`${replica.url}${path}`, { method, headers });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as { code?: string; keyId?: string },
    };
  }

  async function signedHeaders(
    options: {
      nonce?: string;
      jti?: string;
      url?: string;
      method?: string;
      iat?: number;
      token?: string;
      key?: typeof device;
      claims?: Record<string, unknown>;
    } = {},
  ) {
    const token = options.token ?? (await issuer.tokenFor(device, { cnf: { jkt: device.keyId } }));
    const proof = await createDpopProof({
      bindingKey: options.key ?? device,
      method: options.method ?? 'GET',
      url: options.url ?? `${externalBaseUrl}/v1/me`,
      accessToken: token,
      ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
      ...(options.jti !== undefined ? { jti: options.jti } : {}),
      ...(options.iat !== undefined ? { iat: options.iat } : {}),
      ...(options.claims ? { claims: options.claims } : {}),
    });
    return { authorization: `DPoP ${token}`, dpop: proof };
  }

  /** The nonce dance of RFC 9449 §8: the first request is refused with a nonce to use. */
  async function nonceFrom(replica: GuardedTestApp): Promise<string> {
    const first = await call(replica, await signedHeaders());
    expect(first.status).toBe(401);
    expect(first.body.code).toBe('DPOP_NONCE_REQUIRED');
    expect(first.headers.get('www-authenticate')).toMatch(
      /^DPoP realm="settle", algs="ES256", error="use_dpop_nonce"/,
    );
    expect(first.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    return first.headers.get('dpop-nonce')!;
  }

  it('accepts a proof with a server nonce (issued by either replica) once the key is active', async () => {
    const [first, second] = replicas as [GuardedTestApp, GuardedTestApp];
    const nonce = await nonceFrom(first);
    await waitFor(
      async () => (await call(second, await signedHeaders({ nonce }))).status === 200,
      5_000,
      'the key state to reach the snapshot',
    );
    const response = await call(second, await signedHeaders({ nonce }));
    expect([response.status, response.body.keyId]).toEqual([200, device.keyId]);
  });

  it('rejects a replayed jti on the same replica and on the other one', async () => {
    const [first, second] = replicas as [GuardedTestApp, GuardedTestApp];
    const headers = await signedHeaders({ nonce: await nonceFrom(first), jti: randomUUID() });
    expect((await call(first, headers)).status).toBe(200);
    const again = await call(first, headers);
    expect([again.status, again.body.code]).toEqual([401, 'DPOP_PROOF_REPLAYED']);
    expect(again.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"');
    const elsewhere = await call(second, headers);
    expect([elsewhere.status, elsewhere.body.code]).toEqual([401, 'DPOP_PROOF_REPLAYED']);
    const fresh = await signedHeaders({ nonce: await nonceFrom(second), jti: randomUUID() });
    const results = await Promise.all([
      call(first, fresh),
      call(second, fresh),
      call(first, fresh),
      call(second, fresh),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual([200, 401, 401, 401]);
  });

  it('rejects a wrong htu, a wrong htm, a stale iat, a wrong ath, a cnf.jkt mismatch and another subject’s token', async () => {
    const [replica] = replicas as [GuardedTestApp];
    const nonce = await nonceFrom(replica);
    const cases: Array<[Record<string, string>, string]> = [
      [await signedHeaders({ nonce, url: `${externalBaseUrl}/v1/other` }), 'DPOP_PROOF_INVALID'],
      [await signedHeaders({ nonce, url: `https://api.settle.test/v1/me` }), 'DPOP_PROOF_INVALID'],
      [await signedHeaders({ nonce, method: 'POST' }), 'DPOP_PROOF_INVALID'],
      [
        await signedHeaders({ nonce, iat: Math.floor(Date.now() / 1000) - 300 }),
        'DPOP_PROOF_INVALID',
      ],
      [
        await signedHeaders({ nonce, claims: { ath: 'bm90LXRoZS1oYXNoLW9mLXRoZS10b2tlbg' } }),
        'DPOP_PROOF_INVALID',
      ],
      [await signedHeaders({ nonce, key: createTestBindingKey() }), 'DPOP_KEY_MISMATCH'],
      // The key's owner comes from the key event (resource_guard_binding_keys.owner_id): another device's token is refused.
      [
        await signedHeaders({
          nonce,
          token: await issuer.tokenFor(device, {
            cnf: { jkt: device.keyId },
            sub: 'dev_another_device',
          }),
        }),
        'BINDING_KEY_NOT_SUBJECTS',
      ],
    ];
    for (const [headers, code] of cases) {
      const response = await call(replica, headers);
      expect([response.status, response.body.code]).toEqual([401, code]);
    }
    const madeUp = await call(
      replica,
      await signedHeaders({ nonce: 'AQAAAAAAAAAA' + 'A'.repeat(22) }),
    );
    expect([madeUp.status, madeUp.body.code]).toEqual([401, 'DPOP_NONCE_REQUIRED']);
    expect(madeUp.headers.get('dpop-nonce')).toBeTruthy();
    const missing = await call(replica, {});
    expect([missing.status, missing.body.code, missing.headers.get('www-authenticate')]).toEqual([
      401,
      'ACCESS_TOKEN_MISSING',
      'DPoP realm="settle", algs="ES256"',
    ]);
  });

  it('prunes expired proof ids', async () => {
    // A clock at 0 keeps the automatic prune from running first.
    const cache = new PostgresDpopReplayCache(pool, () => 0);
    expect(await cache.remember('prune-key', 'old', new Date(Date.now() - 1_000))).toBe(true);
    expect(await cache.remember('prune-key', 'new', new Date(Date.now() + 60_000))).toBe(true);
    expect(await cache.prune()).toBeGreaterThanOrEqual(1);
    const { rows } = await pool.query<{ jti: string }>(
      "SELECT jti FROM resource_guard_dpop_proofs WHERE key_thumbprint = 'prune-key'",
    );
    expect(rows.map((row) => row.jti)).toEqual(['new']);
  });
});

describe('binding-key states in PostgreSQL', () => {
  let database: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase('resource_guard_keys');
    pool = new Pool({ connectionString: database.url, max: 2 });
    pool.on('error', () => undefined);
    await runMigrations(pool, [resourceGuardMigrations]);
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('applies each key event once and never lets an older one overwrite a newer one', async () => {
    const key = createTestBindingKey();
    const active = keyLifecycleEvent(key, ['active']);
    const revoked = keyLifecycleEvent(key, ['active', 'revoked']);
    expect(await upsertBindingKeyState(pool, active)).toBe('created');
    expect(await upsertBindingKeyState(pool, revoked)).toBe('updated');
    expect(await upsertBindingKeyState(pool, active)).toBe('ignored-older');
    expect(await upsertBindingKeyState(pool, revoked)).toBe('ignored-older');
    const payment = { ...active, payload: { ...active.payload, purpose: 'payment' as const } };
    expect(await upsertBindingKeyState(pool, payment)).toBe('ignored-not-binding');
    const { rows } = await pool.query<{ state: string }>(
      'SELECT state FROM resource_guard_binding_keys WHERE key_id = $1',
      [key.keyId],
    );
    expect(rows).toEqual([{ state: 'revoked' }]);
  });

  it('converges every snapshot on the table: loads, then follows changes incrementally', async () => {
    const [first, second] = [createTestBindingKey(), createTestBindingKey()];
    await upsertBindingKeyState(pool, keyLifecycleEvent(first, ['active']));
    const snapshot = new BindingKeySnapshot(bindingKeyTableSource(pool), { refreshIntervalMs: 50 });
    expect(snapshot.isActive(first.keyId)).toBe(false);
    await snapshot.start();
    try {
      expect([
        snapshot.loaded,
        snapshot.isActive(first.keyId),
        snapshot.isActive(second.keyId),
      ]).toEqual([true, true, false]);
      await upsertBindingKeyState(pool, keyLifecycleEvent(second, ['active']));
      await upsertBindingKeyState(pool, keyLifecycleEvent(first, ['active', 'suspended']));
      await waitFor(
        () => snapshot.isActive(second.keyId) && !snapshot.isActive(first.keyId),
        2_000,
        'the snapshot to follow',
      );
    } finally {
      snapshot.stop();
    }
  });
});
