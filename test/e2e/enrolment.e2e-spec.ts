// Enrolment end to end, in-process: the registry and the verifier on one Kafka topic prefix. An
// operator creates an account and a device and issues an enrolment code; the device gets a challenge
// and registers its payment and binding keys (software keys, format `none`); the registry publishes
// attestation.requested, the verifier judges it and publishes attestation.completed, and the registry
// activates the keys — or rejects them when the verifier's policy refuses `none` (the default). With
// its payment key active, the device checks in and gets a device credential that verifies with the
// registry's published credential keys (the registry runs with the test device authenticator, since
// the bound-token guard is not bound yet).
import { randomBytes } from 'node:crypto';
import { protocolPublicKey, verifyDeviceCredential } from '@settle/protocol';
import { generateKeyPair } from '@settle/crypto';
import { DataSource } from 'typeorm';
import { adminAuthorization, startTestService, type TestService } from '@settle/platform/testing';
/* eslint-disable @nx/enforce-module-boundaries -- applications have no package alias; this test starts them in-process */
import { type serviceDefinition as registryDefinition } from '../../apps/registry/src/service-definition';
import {
  deviceAuthorization,
  testRegistryDefinition,
  writeCredentialCustodyFile,
} from '../../apps/registry/src/testing/registry-test-kit';
import { serviceDefinition as verifierDefinition } from '../../apps/verifier/src/service-definition';
import { createTestTokenIssuer } from '@settle/resource-guard/testing';
/* eslint-enable @nx/enforce-module-boundaries */

interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

interface Services {
  readonly registry: TestService<typeof registryDefinition.config>;
  readonly verifier: TestService<typeof verifierDefinition.config>;
  stop(): Promise<void>;
}

/** A development policy: Android devices may register software keys with format `none`. */
const developmentPolicy = JSON.stringify({
  development: true,
  android: { formats: ['android-key', 'none'], acceptedLevels: ['strongbox', 'tee', 'software'] },
  terminal: { formats: ['android-key', 'none'], acceptedLevels: ['strongbox', 'tee', 'software'] },
});

async function startServices(verifierEnv: NodeJS.ProcessEnv): Promise<Services> {
  const kafka = {
    SETTLE_KAFKA_TOPIC_PREFIX: `e2e${randomBytes(4).toString('hex')}.`,
    SETTLE_KAFKA_CREATE_TOPICS: 'true',
  };
  // The devices here enrol software keys (format none): they check in only where software may pay offline.
  const registry = await startTestService(testRegistryDefinition, {
    env: {
      ...kafka,
      SETTLE_KEY_CUSTODY_FILE: writeCredentialCustodyFile(),
      SETTLE_REGISTRY_OFFLINE_ATTESTATION_LEVELS: 'strongbox,tee,secure-enclave,software',
    },
  });
  try {
    // The verifier's device routes are not used here: its guard trusts a throwaway issuer.
    const verifier = await startTestService(verifierDefinition, {
      env: {
        ...kafka,
        SETTLE_AUTH_JWKS: JSON.stringify(createTestTokenIssuer().jwks()),
        ...verifierEnv,
      },
    });
    return {
      registry,
      verifier,
      stop: async () => void (await Promise.allSettled([verifier.stop(), registry.stop()])),
    };
  } catch (error) {
    await registry.stop();
    throw error;
  }
}

async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  authorization?: string,
): Promise<HttpAnswer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(authorization ? { authorization } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function waitFor(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const uniqueId = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

/** Operator and device steps through the registry's APIs; returns the two registered key ids (payment first) and the device. */
async function enrolDevice(
  registryUrl: string,
): Promise<string[] & { deviceId: string; accountId: string }> {
  const admin = (method: string, path: string, body?: unknown) =>
    call(registryUrl, method, path, body, adminAuthorization());
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
  const issued = await admin('POST', '/admin/enrolment-codes', {
    subject: { kind: 'device', id: deviceId },
  });
  expect(issued.status).toBe(201);
  const challenge = await call(registryUrl, 'POST', '/enrolment/challenges', {
    enrolmentCode: issued.body.code,
    deviceId,
  });
  expect(challenge.status).toBe(201);
  const keys = (['payment', 'binding'] as const).map((purpose) => ({
    purpose,
    algorithm: 'ES256',
    publicKeyJwk: generateKeyPair('ES256').publicJwk,
    format: 'none',
    evidence: '',
  }));
  const registered = await call(registryUrl, 'POST', '/enrolment/keys', {
    enrolmentCode: issued.body.code,
    challenge: challenge.body.challenge,
    keys,
  });
  expect(registered).toMatchObject({
    status: 200,
    body: { outcome: 'registered', keys: [{ state: 'pending' }, { state: 'pending' }] },
  });
  return Object.assign(
    (registered.body.keys as Array<{ keyId: string }>).map((key) => key.keyId),
    { deviceId, accountId },
  );
}

async function keyStates(
  registryUrl: string,
  keyIds: readonly string[],
): Promise<Array<Record<string, unknown>>> {
  return Promise.all(
    keyIds.map(
      async (keyId) =>
        (await call(registryUrl, 'GET', `/admin/keys/${keyId}`, undefined, adminAuthorization()))
          .body,
    ),
  );
}

async function waitForStates(
  registryUrl: string,
  keyIds: readonly string[],
  state: string,
): Promise<Array<Record<string, unknown>>> {
  let last: Array<Record<string, unknown>> = [];
  await waitFor(
    async () => {
      last = await keyStates(registryUrl, keyIds);
      return last.every((key) => key.state === state);
    },
    60_000,
    `keys ${state} (last seen: ${JSON.stringify(last.map((key) => key.state))})`,
  );
  return last;
}

describe('enrolment end to end: registry and verifier', () => {
  describe('with a verifier whose development policy accepts format none', () => {
    let services: Services;

    beforeAll(async () => {
      services = await startServices({
        SETTLE_VERIFIER_ATTESTATION_POLICY: developmentPolicy,
        SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_URL: 'off',
      });
    });

    afterAll(async () => {
      await services?.stop();
    });

    it('activates both software keys', async () => {
      const keyIds = await enrolDevice(services.registry.url);
      const keys = await waitForStates(services.registry.url, keyIds, 'active');
      for (const key of keys)
        expect(key).toMatchObject({
          state: 'active',
          history: [{ state: 'pending' }, { state: 'active', validTo: null }],
        });
      const rows = await services.verifier.service.app
        .get(DataSource)
        .query('SELECT key_id, verdict, level FROM verifier_attestation_results ORDER BY key_id');
      expect(rows).toEqual(
        [...keyIds]
          .sort()
          .map((keyId) => ({ key_id: keyId, verdict: 'accepted', level: 'software' })),
      );

      // The attested payment key is certified at the device's first check-in.
      const { deviceId, accountId } = keyIds;
      const limits = [{ currency: 'EUR', perTransactionMax: '2500', cumulativeMax: '10000' }];
      expect(
        await call(
          services.registry.url,
          'PUT',
          `/admin/devices/${deviceId}/offline-limits`,
          { limits },
          adminAuthorization(),
        ),
      ).toMatchObject({ status: 200 });
      const checkIn = await call(
        services.registry.url,
        'POST',
        `/v1/devices/${deviceId}/check-ins`,
        undefined,
        deviceAuthorization({ role: 'consumer-device', subject: deviceId, owner: accountId }),
      );
      expect(checkIn).toMatchObject({
        status: 201,
        body: { paymentKeyId: keyIds[0], offlineCaps: limits },
      });
      const published = await call(services.registry.url, 'GET', '/v1/credential-keys');
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
    });
  });

  describe('with a verifier on the default (production) policy', () => {
    let services: Services;

    beforeAll(async () => {
      services = await startServices({});
    });

    afterAll(async () => {
      await services?.stop();
    });

    it('rejects both software keys (format none is not allowed)', async () => {
      const keyIds = await enrolDevice(services.registry.url);
      const keys = await waitForStates(services.registry.url, keyIds, 'rejected');
      for (const key of keys)
        expect(key).toMatchObject({
          state: 'rejected',
          history: [{ state: 'pending' }, { state: 'rejected', reason: 'attestation-rejected' }],
        });
      const rows = await services.verifier.service.app
        .get(DataSource)
        .query('SELECT reason_code FROM verifier_attestation_results');
      expect(rows).toEqual([
        { reason_code: 'FORMAT_NOT_ALLOWED' },
        { reason_code: 'FORMAT_NOT_ALLOWED' },
      ]);
    });
  });
});
