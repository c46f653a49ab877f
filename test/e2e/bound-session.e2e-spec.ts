// The bound-token path end to end, in-process: the token issuer, the registry (its production
// composition with the real resource guard) and the verifier on one Kafka topic prefix, real
// PostgreSQL, real TLS 1.3 (a throwaway development PKI from scripts/dev-pki.mjs: one CA, the issuer's
// and the registry's server certificates). The registry's guard fetches the issuer's JWKS from its
// HTTPS URL (SETTLE_AUTH_JWKS_URL); the only test-only piece is how that fetch trusts the throwaway CA
// (the guard module's `jwksFetcher` option: an HTTPS fetch with that CA, standing in for the
// NODE_EXTRA_CA_CERTS that scripts/dev-pki.mjs sets for a registry process, which an in-process test
// cannot set after start).
//
// 1. An operator creates an account and a device, sets its offline limits and issues an enrolment code;
//    the device gets a challenge and registers a payment and a binding key (software keys, format
//    `none`); the verifier (development policy) accepts them and the registry activates both.
// 2. The issuer's projection learns the device, the key's level and its active binding key from Kafka:
//    the device's session start (libs/device-session: TLS 1.3, a TokenBindingMessage over that
//    connection's EKM) is retried until it succeeds, and yields a token bound to the binding key.
// 3. With the same client the device checks in at the registry over a new TLS connection with a fresh
//    binding (a binding made for another connection is refused): 201 and a device credential that
//    verifies with the registry's published credential keys.
// 4. The operator revokes the binding key: within the guard's stated delay (5 s) the registry refuses
//    the device (401); the issuer ends the session (session.ended, reason key-revoked) and refuses its
//    refresh (401 SESSION_ENDED).
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { type DynamicModule, Module } from '@nestjs/common';
import { type EventEnvelope } from '@settle/contracts';
import { protocolPublicKey, verifyDeviceCredential } from '@settle/protocol';
import { calculateJwkThumbprint, generateKeyPair } from '@settle/crypto';
import {
  DeviceSession,
  type DeviceSessionError,
  isDeviceSessionError,
  type TlsEndpoint,
} from '@settle/device-session';
import { startTopicTap, type TopicTap } from '@settle/messaging/testing';
import { adminAuthorization, startTestService, type TestService } from '@settle/platform/testing';
import {
  type JwksFetcher,
  JwksUnavailableError,
  jwksFetchTimeoutMs,
  ResourceGuardModule,
  revocationDelayMsStated,
} from '@settle/resource-guard';
import { createTestTokenIssuer, sendBoundRequest } from '@settle/resource-guard/testing';
import { type JWK } from 'jose';
import { DataSource } from 'typeorm';
/* eslint-disable @nx/enforce-module-boundaries -- applications have no package alias; this test starts them in-process */
import {
  RegistryBindingKeys,
  RegistryBindingKeysModule,
} from '../../apps/registry/src/device-authentication/registry-binding-keys';
import { registryModuleMetadata } from '../../apps/registry/src/registry.module';
import { serviceDefinition as registryDefinition } from '../../apps/registry/src/service-definition';
import { serviceDefinition as tokenIssuerDefinition } from '../../apps/token-issuer/src/service-definition';
import { makeTestPki } from '../../apps/token-issuer/src/testing/token-issuer-test-kit';
import { serviceDefinition as verifierDefinition } from '../../apps/verifier/src/service-definition';
/* eslint-enable @nx/enforce-module-boundaries */

/** A development policy: Android devices may register software keys with format `none`. */
const developmentPolicy = JSON.stringify({
  development: true,
  android: { formats: ['android-key', 'none'], acceptedLevels: ['strongbox', 'tee', 'software'] },
  terminal: { formats: ['android-key', 'none'], acceptedLevels: ['strongbox', 'tee', 'software'] },
});
const limits = [{ currency: 'EUR', perTransactionMax: '2500', cumulativeMax: '10000' }];
/** Bounds of the waits on Kafka (consumer group joins can take seconds on a cold broker). */
const kafkaWaitMs = 30_000;

/**
 * The guard's JWKS fetch over HTTPS trusting `ca` (TLS 1.3, the default fetcher's timeout and status
 * handling). Records the URLs fetched, so the test can tell the guard really went to the issuer.
 */
function jwksFetcherTrusting(ca: Buffer, fetched: string[]): JwksFetcher {
  return (url) =>
    new Promise<unknown>((resolve, reject) => {
      fetched.push(url);
      const request = httpsRequest(
        url,
        {
          ca,
          minVersion: 'TLSv1.3',
          agent: false,
          headers: { accept: 'application/json' },
          timeout: jwksFetchTimeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            if (response.statusCode !== 200)
              return reject(new JwksUnavailableError(`JWKS answered HTTP ${response.statusCode}`));
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      request.on('timeout', () =>
        request.destroy(
          new JwksUnavailableError(`JWKS fetch took longer than ${jwksFetchTimeoutMs} ms`),
        ),
      );
      request.on('error', reject);
      request.end();
    });
}

/**
 * The registry's production composition (registryModuleMetadata() without a test authenticator) with
 * one change: its ResourceGuardModule gets `jwksFetcher` (same key status as in production).
 */
function registryDefinitionWithFetcher(jwksFetcher: JwksFetcher): typeof registryDefinition {
  const production = registryModuleMetadata();
  let replaced = 0;
  const imports = (production.imports ?? []).map((entry) => {
    if ((entry as DynamicModule).module !== ResourceGuardModule) return entry;
    replaced += 1;
    return ResourceGuardModule.forService({
      imports: [RegistryBindingKeysModule],
      keyStatus: { useFactory: (keys: RegistryBindingKeys) => keys, inject: [RegistryBindingKeys] },
      jwksFetcher,
    });
  });
  if (replaced !== 1)
    throw new Error(`expected the registry to compose ResourceGuardModule once, found ${replaced}`);
  @Module({ ...production, imports })
  class E2eRegistryModule {}
  return { ...registryDefinition, module: E2eRegistryModule };
}

interface Services {
  readonly issuer: TestService<typeof tokenIssuerDefinition.config>;
  readonly registry: TestService<typeof registryDefinition.config>;
  readonly verifier: TestService<typeof verifierDefinition.config>;
  readonly sessions: TopicTap;
  readonly issuerEndpoint: TlsEndpoint;
  readonly registryEndpoint: TlsEndpoint;
  readonly jwksUrl: string;
  readonly jwksFetches: string[];
  readonly caPem: string;
}

interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Polls `condition` every 100 ms until it holds; after `timeoutMs` fails with `what()` (evaluated then). */
async function waitFor(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string | (() => string),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const uniqueId = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;
const portOf = (service: { url: string }) => Number(new URL(service.url).port);

/** Decodes a JWT's claims (the signature is the registry guard's business; this reads what it says). */
const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;

describe('bound session end to end: token issuer, registry (resource guard) and verifier over TLS 1.3', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  let services: Services;

  beforeAll(async () => {
    const prefix = `e2e${randomBytes(4).toString('hex')}.`;
    const kafka = { SETTLE_KAFKA_TOPIC_PREFIX: prefix, SETTLE_KAFKA_CREATE_TOPICS: 'true' };
    const pki = makeTestPki();
    cleanups.push(() => rmSync(pki.directory, { recursive: true, force: true }));
    const ca = readFileSync(pki.caCert);

    const issuer = await startTestService(tokenIssuerDefinition, {
      env: {
        ...kafka,
        SETTLE_HTTP_TLS_CERT_FILE: pki.serverCert,
        SETTLE_HTTP_TLS_KEY_FILE: pki.serverKey,
        SETTLE_KEY_CUSTODY_FILE: pki.keyCustody,
        // Polling session start until the projection caught up must not run into the per-key bucket.
        SETTLE_TOKEN_ISSUER_RATE_LIMIT_KEY_PER_MINUTE: '1000',
      },
    });
    cleanups.unshift(() => issuer.stop());
    const sessions = await startTopicTap({
      service: 'token-issuer',
      prefix,
      outputTopics: ['token-issuer.sessions.v1'],
    });
    cleanups.unshift(() => sessions.stop());

    const jwksUrl = `https://127.0.0.1:${portOf(issuer)}/.well-known/jwks.json`;
    const jwksFetches: string[] = [];
    const registry = await startTestService(
      registryDefinitionWithFetcher(jwksFetcherTrusting(ca, jwksFetches)),
      {
        env: {
          ...kafka,
          SETTLE_HTTP_TLS_CERT_FILE: join(pki.directory, 'registry.crt'),
          SETTLE_HTTP_TLS_KEY_FILE: join(pki.directory, 'registry.key'),
          SETTLE_KEY_CUSTODY_FILE: join(pki.directory, 'registry-key-custody.json'),
          SETTLE_AUTH_MODE: 'token-binding',
          SETTLE_AUTH_JWKS_URL: jwksUrl,
          // The device enrols software keys (format none): let it check in.
          SETTLE_REGISTRY_OFFLINE_ATTESTATION_LEVELS: 'strongbox,tee,secure-enclave,software',
        },
      },
    );
    cleanups.unshift(() => registry.stop());
    // The verifier's device routes are not used here: its guard trusts a throwaway issuer.
    const verifier = await startTestService(verifierDefinition, {
      env: {
        ...kafka,
        SETTLE_VERIFIER_ATTESTATION_POLICY: developmentPolicy,
        SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_URL: 'off',
        SETTLE_AUTH_JWKS: JSON.stringify(createTestTokenIssuer().jwks()),
      },
    });
    cleanups.unshift(() => verifier.stop());

    services = {
      issuer,
      registry,
      verifier,
      sessions,
      issuerEndpoint: { host: '127.0.0.1', port: portOf(issuer), servername: 'localhost', ca },
      registryEndpoint: { host: '127.0.0.1', port: portOf(registry), servername: 'localhost', ca },
      jwksUrl,
      jwksFetches,
      caPem: ca.toString('utf8'),
    };
  });

  afterAll(async () => {
    // Every service is stopped even when one fails to; the first failure is reported afterwards.
    const failures: unknown[] = [];
    for (const cleanup of cleanups)
      await Promise.resolve()
        .then(cleanup)
        .catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  });

  /** An operator's or an unauthenticated call to the registry, over HTTPS (TLS 1.3, the test CA). */
  async function registryCall(
    method: string,
    path: string,
    body?: unknown,
    authorization?: string,
  ): Promise<HttpAnswer> {
    const answer = await sendBoundRequest({
      server: { port: services.registryEndpoint.port, cert: services.caPem },
      method,
      path,
      ...(authorization ? { headers: { authorization } } : {}),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
  }
  const admin = (method: string, path: string, body?: unknown) =>
    registryCall(method, path, body, adminAuthorization());

  it('enrols a device, starts a bound session, checks in with it, and loses both when the binding key is revoked', async () => {
    const startedAt = Date.now();
    const { registryEndpoint } = services;
    expect(services.registry.url).toMatch(/^https:/);
    expect(services.issuer.url).toMatch(/^https:/);

    // 1. Enrolment: operator steps, then the device's challenge and keys; the verifier activates them.
    const accountId = uniqueId('acc');
    const deviceId = uniqueId('dev');
    expect(
      await admin('POST', '/admin/accounts', {
        accountId,
        holderDisplayName: 'Holder',
        currency: 'EUR',
      }),
    ).toMatchObject({ status: 200 });
    expect(
      await admin('POST', '/admin/devices', { deviceId, accountId, platform: 'android' }),
    ).toMatchObject({ status: 200 });
    expect(
      await admin('PUT', `/admin/devices/${deviceId}/offline-limits`, { limits }),
    ).toMatchObject({ status: 200 });
    const issued = await admin('POST', '/admin/enrolment-codes', {
      subject: { kind: 'device', id: deviceId },
    });
    expect(issued.status).toBe(201);
    const challenge = await registryCall('POST', '/enrolment/challenges', {
      enrolmentCode: issued.body.code,
      deviceId,
    });
    expect(challenge.status).toBe(201);
    const paymentKey = generateKeyPair('ES256');
    const bindingKey = generateKeyPair('ES256');
    const keys = [
      {
        purpose: 'payment',
        algorithm: 'ES256',
        publicKeyJwk: paymentKey.publicJwk,
        format: 'none',
        evidence: '',
      },
      {
        purpose: 'binding',
        algorithm: 'ES256',
        publicKeyJwk: bindingKey.publicJwk,
        format: 'none',
        evidence: '',
      },
    ];
    const registered = await registryCall('POST', '/enrolment/keys', {
      enrolmentCode: issued.body.code,
      challenge: challenge.body.challenge,
      keys,
    });
    expect(registered).toMatchObject({
      status: 200,
      body: { outcome: 'registered', keys: [{ state: 'pending' }, { state: 'pending' }] },
    });
    const [paymentKeyId, bindingKeyId] = (registered.body.keys as Array<{ keyId: string }>).map(
      (key) => key.keyId,
    ) as [string, string];
    // The registry's key id is the RFC 7638 thumbprint the session client and the issuer name it by.
    expect(bindingKeyId).toBe(calculateJwkThumbprint(bindingKey.publicJwk));
    let states: unknown[] = [];
    await waitFor(
      async () => {
        states = await Promise.all(
          [paymentKeyId, bindingKeyId].map(
            async (keyId) => (await admin('GET', `/admin/keys/${keyId}`)).body.state,
          ),
        );
        return states.every((state) => state === 'active');
      },
      kafkaWaitMs,
      () => `keys active (last seen ${JSON.stringify(states)})`,
    );

    // 2. Session start through the issuer's projection, polled until it has caught up (bounded). The
    //    key's level comes from another consumer (the verifier's topic) than its state; until it is
    //    projected a session would get the default level `tee` (docs/token-issuer.md), so wait for it.
    const issuerDatabase = services.issuer.service.app.get(DataSource);
    await waitFor(
      async () =>
        (
          (await issuerDatabase.query(
            'SELECT level FROM token_issuer_attestation_levels WHERE key_id = $1',
            [bindingKeyId],
          )) as unknown[]
        ).length === 1,
      kafkaWaitMs,
      "the binding key's attestation level projected by the issuer",
    );
    const session = new DeviceSession({
      issuer: services.issuerEndpoint,
      bindingKeyId,
      bindingPrivateJwk: bindingKey.privateJwk as JWK,
      mode: 'token-binding',
    });
    const notYetProjected = new Set(['KEY_UNKNOWN', 'KEY_NOT_ACTIVE', 'SUBJECT_UNKNOWN']);
    let lastRefusal: DeviceSessionError | undefined;
    await waitFor(
      async () => {
        try {
          await session.start();
          return true;
        } catch (error) {
          if (!isDeviceSessionError(error) || !notYetProjected.has(error.problemCode ?? ''))
            throw error;
          lastRefusal = error;
          return false;
        }
      },
      kafkaWaitMs,
      () => `session start (last refusal: ${lastRefusal?.message ?? 'none'})`,
    );
    const token = session.current!;
    expect(token.tokenType).toBe('Bearer');
    expect(claimsOf(token.accessToken)).toMatchObject({
      sub: deviceId,
      owner: accountId,
      role: 'consumer-device',
      sid: token.sessionId,
      cnf: { jkt: bindingKeyId, tbh: expect.any(String) },
      att: { level: 'software', kind: 'registration' },
    });
    await waitFor(
      () =>
        services.sessions.published.some(
          (event) => event.type === 'session.started' && sessionIdOf(event) === token.sessionId,
        ),
      kafkaWaitMs,
      'session.started published',
    );

    // 3. Check-in over a new TLS connection to the registry, with the same client: the binding is made
    //    for that connection's EKM. The registry's guard reads binding-key states from its own table
    //    about once a second, so right after the activation it may still refuse the key (401): each
    //    attempt is a new connection, bounded by the guard's stated delay.
    const checkInPath = `/v1/devices/${deviceId}/check-ins`;
    const checkInUrl = `https://localhost:${registryEndpoint.port}${checkInPath}`;
    const checkInOnNewConnection = async (): Promise<HttpAnswer> => {
      const connection = await session.connect(registryEndpoint);
      try {
        const answer = await session.send(connection, {
          method: 'POST',
          path: checkInPath,
          url: checkInUrl,
        });
        return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
      } finally {
        connection.close();
      }
    };
    const sessionStartedAt = Date.now();
    let checkIn = await checkInOnNewConnection();
    await waitFor(
      async () => {
        if (checkIn.status !== 401) return true;
        checkIn = await checkInOnNewConnection();
        return false;
      },
      revocationDelayMsStated,
      () =>
        `check-in accepted once the registry's guard sees the key active (last: ${checkIn.status} ${String(checkIn.body.detail)})`,
    );
    const registryAcceptedMs = Date.now() - sessionStartedAt;
    expect(checkIn.status).toBe(201);
    expect(checkIn.body).toMatchObject({
      paymentKeyId,
      offlineCaps: limits,
      deviceCredential: expect.any(String),
    });
    // The guard verified the issuer's signature with the key set it fetched from the issuer's HTTPS JWKS.
    expect(services.jwksFetches).toContain(services.jwksUrl);
    const published = await registryCall('GET', '/v1/credential-keys');
    const processorKeys = (
      published.body.keys as Array<{ kty: 'EC'; crv: 'P-256'; x: string; y: string }>
    ).map(({ kty, crv, x, y }) => protocolPublicKey({ kty, crv, x, y }));
    const verified = verifyDeviceCredential(
      new Uint8Array(Buffer.from(String(checkIn.body.deviceCredential), 'base64url')),
      { processorKeys, algorithms: ['ES256'], backend: 'native' },
    );
    expect(verified).toMatchObject({
      ok: true,
      value: {
        credential: {
          deviceId,
          offlineCaps: [{ currency: 'EUR', perTransactionMax: 2500n, cumulativeMax: 10000n }],
        },
      },
    });

    // A fresh binding per connection: two connections have different EKMs and bindings, and the
    // binding made for one is refused on the other while the token and key are good.
    const [first, second] = [
      await session.connect(registryEndpoint),
      await session.connect(registryEndpoint),
    ];
    try {
      expect(Buffer.from(first.ekm).equals(Buffer.from(second.ekm))).toBe(false);
      expect(first.tokenBindingHeader).not.toBe(second.tokenBindingHeader);
      const replayed = await second.request({
        method: 'POST',
        path: checkInPath,
        headers: {
          authorization: `Bearer ${token.accessToken}`,
          'sec-token-binding': first.tokenBindingHeader,
        },
      });
      expect(replayed.status).toBe(401);
      expect(
        (await session.send(first, { method: 'POST', path: checkInPath, url: checkInUrl })).status,
      ).toBe(201);
    } finally {
      first.close();
      second.close();
    }

    // 4. Revocation of the binding key by the operator.
    const revokedAt = Date.now();
    expect(
      await admin('POST', `/admin/keys/${bindingKeyId}/revoke`, { reason: 'compromised' }),
    ).toMatchObject({ status: 200, body: { key: { state: 'revoked' } } });
    let afterRevocation: HttpAnswer = { status: 0, body: {} };
    await waitFor(
      async () => (afterRevocation = await checkInOnNewConnection()).status === 401,
      revocationDelayMsStated,
      () => `check-in refused after the revocation (last status ${afterRevocation.status})`,
    );
    const registryRefusedMs = Date.now() - revokedAt;
    expect(registryRefusedMs).toBeLessThan(revocationDelayMsStated);
    expect(afterRevocation.body).toMatchObject({
      status: 401,
      code: 'UNAUTHORIZED',
      detail: expect.stringMatching(/not active/),
    });

    // The issuer learns of the revocation through Kafka (registry outbox → key.lifecycle-changed → its
    // projection, which ends the session and publishes session.ended in the same transaction).
    await waitFor(
      () =>
        services.sessions.published.some(
          (event) => event.type === 'session.ended' && sessionIdOf(event) === token.sessionId,
        ),
      revocationDelayMsStated - (Date.now() - revokedAt),
      'session.ended published within the stated delay',
    );
    const issuerEndedMs = Date.now() - revokedAt;
    expect(issuerEndedMs).toBeLessThan(revocationDelayMsStated);
    const ended = services.sessions.published.find(
      (event) => event.type === 'session.ended' && sessionIdOf(event) === token.sessionId,
    )!;
    expect(ended.payload).toMatchObject({ sessionId: token.sessionId, reason: 'key-revoked' });
    await expect(session.refresh()).rejects.toMatchObject({
      code: 'ERR_SESSION_REFUSED',
      status: 401,
      problemCode: 'SESSION_ENDED',
    });
    process.stdout.write(
      `bound-session e2e: registry accepted the session's token ${registryAcceptedMs} ms after session start, refused it ${registryRefusedMs} ms and session.ended seen ${issuerEndedMs} ms after the revocation; flow ${Date.now() - startedAt} ms\n`,
    );
  });
});

function sessionIdOf(event: EventEnvelope): unknown {
  return (event.payload as { sessionId?: unknown }).sessionId;
}
