// The guard in a tiny Nest service over real TLS 1.3 connections (self-signed certificate made with
// openssl), with binding-key states fed by a real key.lifecycle-changed event through the test run's
// Kafka into a real PostgreSQL database.
import { createHmac, randomUUID } from 'node:crypto';
import { createTokenBindingMessage } from '@settle/token-binding';
import { type TopicTap, startTopicTap, waitFor } from '@settle/messaging/testing';
import { CapturedLogs } from '@settle/platform/testing';
import { type TestDatabase, createTestDatabase } from '@settle/test-support';
import {
  type BoundResponse,
  createTestBindingKey,
  createTestTokenIssuer,
  keptAliveAgent,
  keyLifecycleEvent,
  makeSelfSignedCertificate,
  sendBoundRequest,
} from './testing';
import { jwksRefetchIntervalMsMin } from './access-token/jwks-key-store';
import {
  bindingKeyRefreshIntervalMs,
  revocationDelayMsStated,
} from './key-status/binding-key-snapshot';
import { type GuardedTestApp, startGuardedTestApp } from './testing/guarded-test-app';

const problem = (response: BoundResponse) =>
  JSON.parse(response.body) as { code: string; status: number };

describe('resource guard over real TLS 1.3, fed by Kafka and PostgreSQL', () => {
  const issuer = createTestTokenIssuer();
  const device = createTestBindingKey();
  const terminal = createTestBindingKey();
  const certificate = makeSelfSignedCertificate();
  const server = { port: 0, cert: certificate.cert };
  let jwksFetches = 0;
  // The guard's clock: moved ahead to get past the JWKS refetch interval without waiting for it.
  let clockOffsetMs = 0;
  let database: TestDatabase;
  let service: GuardedTestApp;
  let tap: TopicTap;
  const logs = new CapturedLogs();

  const get = (
    input: Omit<Parameters<typeof sendBoundRequest>[0], 'server' | 'path'> & { path?: string },
  ) => sendBoundRequest({ server, path: '/v1/me', ...input });

  beforeAll(async () => {
    database = await createTestDatabase('resource_guard');
    const prefix = `rg${Date.now().toString(36)}${randomUUID().slice(0, 4)}.`;
    service = await startGuardedTestApp({
      databaseUrl: database.url,
      https: certificate,
      messaging: true,
      logDestination: logs,
      env: {
        SETTLE_KAFKA_TOPIC_PREFIX: prefix,
        SETTLE_KAFKA_CREATE_TOPICS: 'true',
        SETTLE_AUTH_ISSUER: issuer.issuer,
        SETTLE_AUTH_AUDIENCE: issuer.audience,
        SETTLE_AUTH_JWKS_URL: 'https://tokens.settle.test/.well-known/jwks.json',
      },
      clock: () => new Date(Date.now() + clockOffsetMs),
      jwksFetcher: async () => {
        jwksFetches += 1;
        return issuer.jwks();
      },
    });
    server.port = service.port;
    tap = await startTopicTap({ service: 'verifier', prefix, outputTopics: [] });
    await tap.publish(keyLifecycleEvent(device, ['active']));
    await tap.publish(keyLifecycleEvent(terminal, ['active'], { ownerId: 'term_test' }));
    const token = await issuer.tokenFor(device);
    await waitFor(
      async () => (await get({ accessToken: token, binding: device })).status === 200,
      60_000,
      'the device key to become active',
    );
  });

  afterAll(async () => {
    await tap?.stop();
    await service?.close();
    await database?.drop();
  });

  it('accepts a token with a binding over a new connection and hands the principal to the handler', async () => {
    const response = await get({ accessToken: await issuer.tokenFor(device), binding: device });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      subject: 'dev_test_device',
      owner: 'acc_test_owner',
      role: 'consumer-device',
      sessionId: expect.any(String),
      keyId: device.keyId,
      attestation: { level: 'tee', kind: 'registration' },
    });
  });

  it('rejects a binding message copied from another connection', async () => {
    const token = await issuer.tokenFor(device);
    const first = await get({ accessToken: token, binding: device });
    const copied = createTokenBindingMessage({
      privateJwk: device.privateJwk,
      ekm: first.ekm,
      backend: 'native',
    }).header;
    const replayed = await get({ accessToken: token, binding: () => copied });
    expect(replayed.clientPort).not.toBe(first.clientPort);
    expect(replayed.status).toBe(401);
    expect(replayed.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(problem(replayed).code).toBe('TOKEN_BINDING_INVALID');
    expect(replayed.headers['www-authenticate']).toMatch(
      /^Bearer realm="settle", error="invalid_token"/,
    );
  });

  it('rejects a token without a binding, and a token and binding of different keys', async () => {
    const token = await issuer.tokenFor(device);
    const unbound = await get({ accessToken: token });
    expect([unbound.status, problem(unbound).code]).toEqual([401, 'TOKEN_BINDING_MISSING']);
    const otherKey = await get({ accessToken: token, binding: terminal });
    expect([otherKey.status, problem(otherKey).code]).toEqual([401, 'TOKEN_BINDING_KEY_MISMATCH']);
    const noToken = await get({ binding: device });
    expect([noToken.status, problem(noToken).code, noToken.headers['www-authenticate']]).toEqual([
      401,
      'ACCESS_TOKEN_MISSING',
      'Bearer realm="settle"',
    ]);
  });

  it('verifies the binding of a kept-alive connection once, and the token on every request', async () => {
    const agent = keptAliveAgent();
    try {
      const before = service.authenticator.bindingCache.verifications;
      const responses: BoundResponse[] = [];
      for (let index = 0; index < 5; index++)
        responses.push(
          await get({ agent, accessToken: await issuer.tokenFor(device), binding: device }),
        );
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
      expect(new Set(responses.map((response) => response.clientPort)).size).toBe(1);
      expect(service.authenticator.bindingCache.verifications - before).toBe(1);
      const expired = await get({
        agent,
        accessToken: await issuer.tokenFor(device, { exp: Math.floor(Date.now() / 1000) - 120 }),
        binding: device,
      });
      expect([expired.status, problem(expired).code, expired.clientPort]).toEqual([
        401,
        'ACCESS_TOKEN_EXPIRED',
        responses[0]!.clientPort,
      ]);
    } finally {
      agent.destroy();
    }
  });

  it('rejects expired, not-yet-valid, wrong-audience, wrong-issuer, alg none and HMAC-confused tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, string]> = [
      [await issuer.tokenFor(device, { exp: now - 120 }), 'ACCESS_TOKEN_EXPIRED'],
      [await issuer.tokenFor(device, { nbf: now + 120 }), 'ACCESS_TOKEN_NOT_YET_VALID'],
      [await issuer.tokenFor(device, { aud: ['ledger-only'] }), 'ACCESS_TOKEN_INVALID'],
      [
        await issuer.tokenFor(device, { iss: 'https://tokens.evil.example' }),
        'ACCESS_TOKEN_INVALID',
      ],
      [unsignedToken(issuer.claims(device), issuer.kid), 'ACCESS_TOKEN_INVALID'],
      [
        hmacToken(issuer.claims(device), issuer.kid, JSON.stringify(issuer.publicJwk)),
        'ACCESS_TOKEN_INVALID',
      ],
    ];
    for (const [token, code] of cases) {
      const response = await get({ accessToken: token, binding: device });
      expect([response.status, problem(response).code]).toEqual([401, code]);
    }
  });

  it('refetches the JWKS once for a token signed with a new kid, and not for random kids', async () => {
    const before = jwksFetches;
    issuer.rotate();
    // Within the refetch interval the new kid is not fetched: an issuer publishes a key ahead of use.
    const early = await get({ accessToken: await issuer.tokenFor(device), binding: device });
    expect([early.status, problem(early).code, jwksFetches - before]).toEqual([
      401,
      'ACCESS_TOKEN_KEY_UNKNOWN',
      0,
    ]);
    clockOffsetMs += jwksRefetchIntervalMsMin;
    const rotated = await get({ accessToken: await issuer.tokenFor(device), binding: device });
    expect(rotated.status).toBe(200);
    expect(jwksFetches - before).toBe(1);
    for (let index = 0; index < 3; index++) {
      const forged = await issuer.sign(issuer.claims(device), { kid: `attacker-${index}` });
      const response = await get({ accessToken: forged, binding: device });
      expect([response.status, problem(response).code]).toEqual([401, 'ACCESS_TOKEN_KEY_UNKNOWN']);
    }
    expect(jwksFetches - before).toBe(1);
  });

  it('answers 403 with problem+json for a role the route does not accept', async () => {
    const response = await get({
      method: 'POST',
      path: '/v1/uploads',
      accessToken: await issuer.tokenFor(device),
      binding: device,
    });
    expect([response.status, problem(response).code]).toEqual([403, 'ROLE_FORBIDDEN']);
    expect(response.headers['www-authenticate']).toContain('error="insufficient_scope"');
    const terminalToken = await issuer.tokenFor(terminal, {
      role: 'pos-terminal',
      sub: 'term_test',
      owner: 'mer_test',
    });
    const allowed = await get({
      method: 'POST',
      path: '/v1/uploads',
      accessToken: terminalToken,
      binding: terminal,
    });
    expect([allowed.status, JSON.parse(allowed.body)]).toEqual([201, { accepted: 'term_test' }]);
  });

  it(`rejects a revoked key's tokens within ${revocationDelayMsStated} ms of the key event, on a kept-alive connection too`, async () => {
    const agent = keptAliveAgent();
    try {
      const token = await issuer.tokenFor(terminal, { role: 'pos-terminal', sub: 'term_test' });
      expect((await get({ agent, accessToken: token, binding: terminal })).status).toBe(200);
      const published = Date.now();
      await tap.publish(
        keyLifecycleEvent(terminal, ['active', 'revoked'], { ownerId: 'term_test' }),
      );
      let rejectedAfterMs = -1;
      await waitFor(
        async () => {
          const response = await get({ agent, accessToken: token, binding: terminal });
          if (response.status !== 401) return false;
          expect(problem(response).code).toBe('BINDING_KEY_INACTIVE');
          rejectedAfterMs = Date.now() - published;
          return true;
        },
        30_000,
        'the revoked key to be rejected',
      );
      expect(rejectedAfterMs).toBeGreaterThanOrEqual(0);
      expect(rejectedAfterMs).toBeLessThanOrEqual(revocationDelayMsStated);
      // A replayed older event (active) does not bring the key back.
      await tap.publish(keyLifecycleEvent(terminal, ['active'], { ownerId: 'term_test' }));
      await new Promise((resolve) => setTimeout(resolve, 3 * bindingKeyRefreshIntervalMs));
      expect(problem(await get({ agent, accessToken: token, binding: terminal })).code).toBe(
        'BINDING_KEY_INACTIVE',
      );
    } finally {
      agent.destroy();
    }
  });

  it('logs the codes of refusals, never a token or a binding message', () => {
    const refusals = logs.lines.filter((line) => line['msg'] === 'request not authenticated');
    expect(refusals.length).toBeGreaterThan(5);
    expect(refusals.every((line) => typeof line['code'] === 'string')).toBe(true);
    const text = JSON.stringify(logs.lines);
    expect(text).not.toContain('eyJ');
    expect(text).not.toContain(device.tokenBindingIdHash);
  });

  it('rejects the token of a key it never heard of (fail closed)', async () => {
    const stranger = createTestBindingKey();
    const response = await get({ accessToken: await issuer.tokenFor(stranger), binding: stranger });
    expect([response.status, problem(response).code]).toEqual([401, 'BINDING_KEY_INACTIVE']);
  });
});

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function unsignedToken(claims: object, kid: string): string {
  return `${base64UrlJson({ alg: 'none', typ: 'at+jwt', kid })}.${base64UrlJson(claims)}.`;
}

function hmacToken(claims: object, kid: string, secret: string): string {
  const input = `${base64UrlJson({ alg: 'HS256', typ: 'at+jwt', kid })}.${base64UrlJson(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
