// An iPhone enrols end to end, in-process, the way a real one can (issue 13 §1, docs/attestation.md
// "iOS"): the registry and the verifier on one Kafka topic prefix and the real PostgreSQL. The app's
// App Attest key is attested (its attestation object is the payment key's evidence), and its binding
// key is a Secure Enclave key the App Attest key vouches for by an assertion over the binding key's
// thumbprint and the enrolment challenge. The evidence is made under a TEST App Attest root
// (@settle/attestation/testing) that the verifier's iOS policy pins for this test; everything else —
// HTTP, events, the verifier's checks, the key states — is the production path.
import { randomBytes } from 'node:crypto';
import {
  appAttestKeyVouchClientDataHash,
  encodeAppAttestKeyVouchEvidence,
} from '@settle/attestation';
import {
  type TestKeyPair,
  buildAppAttestAssertion,
  buildAppAttestObject,
  createTestRoot,
  generateTestKeyPair,
  testAppId,
} from '@settle/attestation/testing';
import { base64UrlDecode, base64UrlEncode, calculateJwkThumbprint } from '@settle/crypto';
import { DataSource } from 'typeorm';
import { adminAuthorization, startTestService, type TestService } from '@settle/platform/testing';
/* eslint-disable @nx/enforce-module-boundaries -- applications have no package alias; this test starts them in-process */
import { type serviceDefinition as registryDefinition } from '../../apps/registry/src/service-definition';
import {
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

const hourMs = 3_600_000;

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

describe('iOS enrolment end to end: App Attest attestation + an assertion vouching for a Secure Enclave binding key', () => {
  let registry: TestService<typeof registryDefinition.config>;
  let verifier: TestService<typeof verifierDefinition.config>;
  let root: Awaited<ReturnType<typeof createTestRoot>>;

  beforeAll(async () => {
    root = await createTestRoot('CN=Test App Attestation Root (ios-enrolment e2e)');
    const iosPolicy = {
      trustAnchors: [
        { name: 'Test App Attestation Root', certificate: root.certificate.toString('pem') },
      ],
      appIds: [testAppId],
      environment: 'development',
    };
    const kafka = {
      SETTLE_KAFKA_TOPIC_PREFIX: `e2e${randomBytes(4).toString('hex')}.`,
      SETTLE_KAFKA_CREATE_TOPICS: 'true',
    };
    registry = await startTestService(testRegistryDefinition, {
      env: { ...kafka, SETTLE_KEY_CUSTODY_FILE: writeCredentialCustodyFile() },
    });
    verifier = await startTestService(verifierDefinition, {
      env: {
        ...kafka,
        SETTLE_AUTH_JWKS: JSON.stringify(createTestTokenIssuer().jwks()),
        SETTLE_VERIFIER_ATTESTATION_POLICY: JSON.stringify({ ios: iosPolicy }),
        SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_URL: 'off',
      },
    });
  });

  afterAll(async () => {
    await Promise.allSettled([verifier?.stop(), registry?.stop()]);
  });

  const admin = (method: string, path: string, body?: unknown) =>
    call(registry.url, method, path, body, adminAuthorization());

  /** An operator registers an iPhone and issues its code; the phone gets a challenge. */
  async function iphoneWithChallenge(): Promise<{
    deviceId: string;
    code: string;
    challenge: string;
  }> {
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
      await admin('POST', '/admin/devices', { deviceId, accountId, platform: 'ios' }),
    ).toMatchObject({ status: 200 });
    const issued = await admin('POST', '/admin/enrolment-codes', {
      subject: { kind: 'device', id: deviceId },
    });
    expect(issued.status).toBe(201);
    const challenge = await call(registry.url, 'POST', '/enrolment/challenges', {
      enrolmentCode: issued.body.code,
      deviceId,
    });
    expect(challenge.status).toBe(201);
    return {
      deviceId,
      code: String(issued.body.code),
      challenge: String(challenge.body.challenge),
    };
  }

  /**
   * What the app does: `attestKey(appAttestKeyId, SHA-256(challenge))` once; the payment key's evidence is
   * that attestation object; the binding key (created with kSecAttrTokenIDSecureEnclave) is vouched for by
   * `generateAssertion(appAttestKeyId, appAttestKeyVouchClientDataHash(binding, its thumbprint, challenge))`.
   */
  async function evidenceOf(
    appAttestKey: TestKeyPair,
    bindingKey: TestKeyPair,
    challenge: string,
    vouchedKeyId = calculateJwkThumbprint(bindingKey.publicJwk),
  ) {
    const challengeBytes = base64UrlDecode(challenge)!;
    const now = Date.now();
    const attestationObject = await buildAppAttestObject({
      root,
      key: appAttestKey,
      challenge: challengeBytes,
      validity: { notBefore: new Date(now - hourMs), notAfter: new Date(now + 24 * hourMs) },
    });
    const assertion = await buildAppAttestAssertion({
      key: appAttestKey,
      clientDataHash: appAttestKeyVouchClientDataHash({
        purpose: 'binding',
        keyId: vouchedKeyId,
        challenge: challengeBytes,
      }),
      counter: 1,
    });
    return [
      {
        purpose: 'payment',
        algorithm: 'ES256',
        publicKeyJwk: appAttestKey.publicJwk,
        format: 'apple-app-attest',
        evidence: base64UrlEncode(attestationObject),
      },
      {
        purpose: 'binding',
        algorithm: 'ES256',
        publicKeyJwk: bindingKey.publicJwk,
        format: 'apple-app-attest',
        evidence: base64UrlEncode(
          encodeAppAttestKeyVouchEvidence({ attestationObject, assertion }),
        ),
      },
    ];
  }

  async function statesOf(
    keyIds: readonly string[],
    state: string,
  ): Promise<Array<Record<string, unknown>>> {
    let last: Array<Record<string, unknown>> = [];
    await waitFor(
      async () => {
        last = await Promise.all(
          keyIds.map(async (keyId) => (await admin('GET', `/admin/keys/${keyId}`)).body),
        );
        return last.every((key) => key.state !== 'pending');
      },
      60_000,
      `keys judged (last seen: ${JSON.stringify(last.map((key) => key.state))}; wanted ${state})`,
    );
    return last;
  }

  async function verifierRows(keyIds: readonly string[]): Promise<
    Array<{
      key_id: string;
      verdict: string;
      level: string | null;
      precise_reason_code: string | null;
    }>
  > {
    return verifier.service.app
      .get(DataSource)
      .query(
        'SELECT key_id, verdict, level, precise_reason_code FROM verifier_attestation_results WHERE key_id = ANY($1) ORDER BY key_id',
        [keyIds],
      );
  }

  it('activates the payment (App Attest) key and the Secure Enclave binding key at level secure-enclave', async () => {
    const { code, challenge } = await iphoneWithChallenge();
    const appAttestKey = await generateTestKeyPair();
    const bindingKey = await generateTestKeyPair();
    const registered = await call(registry.url, 'POST', '/enrolment/keys', {
      enrolmentCode: code,
      challenge,
      keys: await evidenceOf(appAttestKey, bindingKey, challenge),
    });
    expect(registered).toMatchObject({
      status: 200,
      body: {
        outcome: 'registered',
        keys: [
          { purpose: 'payment', state: 'pending' },
          { purpose: 'binding', state: 'pending' },
        ],
      },
    });
    const keyIds = (registered.body.keys as Array<{ keyId: string }>).map((key) => key.keyId);
    expect(keyIds).toEqual([
      calculateJwkThumbprint(appAttestKey.publicJwk),
      calculateJwkThumbprint(bindingKey.publicJwk),
    ]);

    const keys = await statesOf(keyIds, 'active');
    expect(keys.map((key) => key.state)).toEqual(['active', 'active']);
    expect(await verifierRows(keyIds)).toEqual(
      [...keyIds].sort().map((keyId) => ({
        key_id: keyId,
        verdict: 'accepted',
        level: 'secure-enclave',
        precise_reason_code: null,
      })),
    );
    const stored = await registry.service.app
      .get(DataSource)
      .query(
        'SELECT key_id, attestation_level FROM registry_keys WHERE key_id = ANY($1) ORDER BY key_id',
        [keyIds],
      );
    expect(stored).toEqual(
      [...keyIds].sort().map((keyId) => ({ key_id: keyId, attestation_level: 'secure-enclave' })),
    );
  });

  it('refuses at once, storing nothing, a binding key whose evidence is the bare attestation object (an App Attest key as the binding key)', async () => {
    const { code, challenge } = await iphoneWithChallenge();
    const appAttestKey = await generateTestKeyPair();
    const [payment] = await evidenceOf(appAttestKey, await generateTestKeyPair(), challenge);
    const bindingKey = await generateTestKeyPair();
    const bareBinding = { ...payment!, purpose: 'binding', publicKeyJwk: bindingKey.publicJwk };
    const refused = await call(registry.url, 'POST', '/enrolment/keys', {
      enrolmentCode: code,
      challenge,
      keys: [payment, bareBinding],
    });
    expect(refused).toMatchObject({
      status: 422,
      body: { code: 'KEYS_INVALID', errors: [{ field: 'keys[1].evidence', code: 'KEYS_INVALID' }] },
    });
    expect(
      await admin('GET', `/admin/keys/${calculateJwkThumbprint(bindingKey.publicJwk)}`),
    ).toMatchObject({ status: 404 });
    expect(
      await admin('GET', `/admin/keys/${calculateJwkThumbprint(appAttestKey.publicJwk)}`),
    ).toMatchObject({ status: 404 });
  });

  it('rejects a binding key the assertion does not vouch for (a key swapped in after the app vouched for its own)', async () => {
    const { code, challenge } = await iphoneWithChallenge();
    const appAttestKey = await generateTestKeyPair();
    const bindingKey = await generateTestKeyPair();
    const vouchedForAnother = calculateJwkThumbprint((await generateTestKeyPair()).publicJwk);
    const registered = await call(registry.url, 'POST', '/enrolment/keys', {
      enrolmentCode: code,
      challenge,
      keys: await evidenceOf(appAttestKey, bindingKey, challenge, vouchedForAnother),
    });
    expect(registered.status).toBe(200);
    const keyIds = (registered.body.keys as Array<{ keyId: string }>).map((key) => key.keyId);

    const keys = await statesOf(keyIds, 'rejected');
    expect(keys.map((key) => key.state)).toEqual(['active', 'rejected']);
    const rows = await verifierRows([keyIds[1]!]);
    expect(rows).toEqual([
      {
        key_id: keyIds[1],
        verdict: 'rejected',
        level: null,
        precise_reason_code: 'SIGNATURE_INVALID',
      },
    ]);
  });
});
