// An iPhone enrols and starts a session with fresh App Attest evidence, end to end, in-process (issue 13
// §1; docs/attestation.md "iOS", docs/token-issuer.md "Fresh attestation"): the registry, the verifier
// and the token issuer on one Kafka topic prefix and the real PostgreSQL, the issuer over real TLS 1.3
// (certificates from scripts/dev-pki.mjs). The App Attest key is the payment key; the binding key is a
// Secure Enclave key it vouched for at enrolment. At session start the App Attest key makes an assertion
// over the binding key's thumbprint and the connection's EKM; the issuer finds that key through its own
// projection of the registry's and the verifier's events. The App Attest evidence is made under a TEST
// root the verifier's policy pins; everything else is the production path.
import { randomBytes, webcrypto } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import {
  appAttestKeyVouchClientDataHash,
  appAttestSessionStartClientDataHash,
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
import { BoundConnection, type TlsEndpoint } from '@settle/device-session';
import { adminAuthorization, startTestService, type TestService } from '@settle/platform/testing';
import { createTestTokenIssuer } from '@settle/resource-guard/testing';
import { type JWK } from 'jose';
import { DataSource } from 'typeorm';
/* eslint-disable @nx/enforce-module-boundaries -- applications have no package alias; this test starts them in-process */
import { type serviceDefinition as registryDefinition } from '../../apps/registry/src/service-definition';
import {
  testRegistryDefinition,
  writeCredentialCustodyFile,
} from '../../apps/registry/src/testing/registry-test-kit';
import { serviceDefinition as tokenIssuerDefinition } from '../../apps/token-issuer/src/service-definition';
import { makeTestPki } from '../../apps/token-issuer/src/testing/token-issuer-test-kit';
import { serviceDefinition as verifierDefinition } from '../../apps/verifier/src/service-definition';
/* eslint-enable @nx/enforce-module-boundaries */

interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

const hourMs = 3_600_000;
/** Bounds of the waits on Kafka (consumer group joins can take seconds on a cold broker). */
const kafkaWaitMs = 60_000;

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
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const uniqueId = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;
const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;

describe('iOS session end to end: enrolment through the registry and verifier, session start with an App Attest assertion at the token issuer', () => {
  let registry: TestService<typeof registryDefinition.config>;
  let verifier: TestService<typeof verifierDefinition.config>;
  let issuer: TestService<typeof tokenIssuerDefinition.config>;
  let issuerEndpoint: TlsEndpoint;
  let root: Awaited<ReturnType<typeof createTestRoot>>;
  let pkiDirectory: string;
  const connections: BoundConnection[] = [];

  beforeAll(async () => {
    root = await createTestRoot('CN=Test App Attestation Root (ios-session e2e)');
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
    const pki = makeTestPki();
    pkiDirectory = pki.directory;
    [registry, verifier, issuer] = await Promise.all([
      startTestService(testRegistryDefinition, {
        env: { ...kafka, SETTLE_KEY_CUSTODY_FILE: writeCredentialCustodyFile() },
      }),
      startTestService(verifierDefinition, {
        env: {
          ...kafka,
          SETTLE_AUTH_JWKS: JSON.stringify(createTestTokenIssuer().jwks()),
          SETTLE_VERIFIER_ATTESTATION_POLICY: JSON.stringify({ ios: iosPolicy }),
          SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_URL: 'off',
        },
      }),
      startTestService(tokenIssuerDefinition, {
        env: {
          ...kafka,
          SETTLE_HTTP_TLS_CERT_FILE: pki.serverCert,
          SETTLE_HTTP_TLS_KEY_FILE: pki.serverKey,
          SETTLE_KEY_CUSTODY_FILE: pki.keyCustody,
          SETTLE_TOKEN_ISSUER_APPLE_APP_ID: testAppId,
        },
      }),
    ]);
    issuerEndpoint = {
      host: '127.0.0.1',
      port: Number(new URL(issuer.url).port),
      servername: 'localhost',
      ca: readFileSync(pki.caCert),
    };
  });

  afterAll(async () => {
    for (const connection of connections) connection.close();
    await Promise.allSettled([issuer?.stop(), verifier?.stop(), registry?.stop()]);
    if (pkiDirectory !== undefined) rmSync(pkiDirectory, { recursive: true, force: true });
  });

  const admin = (method: string, path: string, body?: unknown) =>
    call(registry.url, method, path, body, adminAuthorization());

  /** The app: attestKey over the challenge (the payment key's evidence) and an assertion vouching for the Secure Enclave binding key. */
  async function enrolIphone(
    appAttestKey: TestKeyPair,
    bindingKey: TestKeyPair,
  ): Promise<{ paymentKeyId: string; bindingKeyId: string }> {
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
    const challenge = await call(registry.url, 'POST', '/enrolment/challenges', {
      enrolmentCode: issued.body.code,
      deviceId,
    });
    expect([issued.status, challenge.status]).toEqual([201, 201]);
    const challengeBytes = base64UrlDecode(String(challenge.body.challenge))!;
    const now = Date.now();
    const attestationObject = await buildAppAttestObject({
      root,
      key: appAttestKey,
      challenge: challengeBytes,
      validity: { notBefore: new Date(now - hourMs), notAfter: new Date(now + 24 * hourMs) },
    });
    const vouch = await buildAppAttestAssertion({
      key: appAttestKey,
      clientDataHash: appAttestKeyVouchClientDataHash({
        purpose: 'binding',
        keyId: calculateJwkThumbprint(bindingKey.publicJwk),
        challenge: challengeBytes,
      }),
      counter: 1,
    });
    const keys = [
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
          encodeAppAttestKeyVouchEvidence({ attestationObject, assertion: vouch }),
        ),
      },
    ];
    const registered = await call(registry.url, 'POST', '/enrolment/keys', {
      enrolmentCode: issued.body.code,
      challenge: challenge.body.challenge,
      keys,
    });
    expect(registered.status).toBe(200);
    const [paymentKeyId, bindingKeyId] = (registered.body.keys as Array<{ keyId: string }>).map(
      (key) => key.keyId,
    ) as [string, string];
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
      () => `both keys active at the registry (last seen ${JSON.stringify(states)})`,
    );
    return { paymentKeyId, bindingKeyId };
  }

  it('starts a session with att { secure-enclave, fresh } from the App Attest key’s assertion; the binding key’s own signature and a reused counter are refused', async () => {
    const [appAttestKey, bindingKey] = await Promise.all([
      generateTestKeyPair(),
      generateTestKeyPair(),
    ]);
    const { kty, crv, x, y, d } = await webcrypto.subtle.exportKey(
      'jwk',
      bindingKey.keys.privateKey,
    );
    const bindingPrivateJwk: JWK = { kty, crv, x, y, d };
    const { paymentKeyId, bindingKeyId } = await enrolIphone(appAttestKey, bindingKey);

    // The issuer learns both keys (registry topic), both verdicts' formats (verifier topic) and the device.
    const issuerDatabase = issuer.service.app.get(DataSource);
    let projected: unknown[] = [];
    await waitFor(
      async () => {
        projected = await issuerDatabase.query(
          `SELECT k.key_id, k.purpose, k.state, l.format FROM token_issuer_keys k JOIN token_issuer_attestation_levels l USING (key_id)
           JOIN token_issuer_devices d ON d.device_id = k.owner_id WHERE k.key_id = ANY($1) ORDER BY k.purpose`,
          [[paymentKeyId, bindingKeyId]],
        );
        return (
          projected.length === 2 &&
          (projected as Array<{ state: string }>).every((row) => row.state === 'active')
        );
      },
      kafkaWaitMs,
      () => `the issuer's projection of both keys (last seen ${JSON.stringify(projected)})`,
    );
    expect(projected).toEqual([
      { key_id: bindingKeyId, purpose: 'binding', state: 'active', format: 'apple-app-attest' },
      { key_id: paymentKeyId, purpose: 'payment', state: 'active', format: 'apple-app-attest' },
    ]);

    const start = async (signer: TestKeyPair, counter: number) => {
      const connection = await BoundConnection.open(issuerEndpoint, bindingPrivateJwk);
      connections.push(connection);
      const assertion = await buildAppAttestAssertion({
        key: signer,
        clientDataHash: appAttestSessionStartClientDataHash({ bindingKeyId, ekm: connection.ekm }),
        counter,
      });
      const answer = await connection.request({
        method: 'POST',
        path: '/v1/sessions',
        headers: { 'sec-token-binding': connection.tokenBindingHeader },
        json: {
          bindingKeyId,
          attestation: {
            format: 'apple-appattest-assertion',
            assertion: base64UrlEncode(assertion),
          },
        },
      });
      return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
    };
    const refusalOf = (answer: HttpAnswer) => [
      answer.status,
      answer.body['code'],
      (answer.body['errors'] as Array<{ message: string }> | undefined)?.[0]?.message,
    ];

    // A stolen binding key can sign the assertion bytes, but it is not the App Attest key.
    expect(refusalOf(await start(bindingKey, 2))).toEqual([
      422,
      'FRESH_ATTESTATION_INVALID',
      'SIGNATURE_INVALID',
    ]);
    // The enrolment's vouch used counter 1; the session start's assertion counts on.
    const started = await start(appAttestKey, 2);
    expect(started.status).toBe(201);
    expect(claimsOf(started.body['accessToken'] as string)).toMatchObject({
      att: { level: 'secure-enclave', kind: 'fresh' },
    });
    expect(
      await issuerDatabase.query(
        'SELECT key_id, counter FROM token_issuer_app_attest_counters WHERE key_id = ANY($1)',
        [[paymentKeyId, bindingKeyId]],
      ),
    ).toEqual([{ key_id: paymentKeyId, counter: '2' }]);
    expect(refusalOf(await start(appAttestKey, 2))).toEqual([
      422,
      'FRESH_ATTESTATION_INVALID',
      'COUNTER_NOT_INCREASING',
    ]);
  });
});
