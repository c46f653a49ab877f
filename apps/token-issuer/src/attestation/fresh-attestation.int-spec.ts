// Fresh attestation evidence at session start: a new Android key-attestation chain for the binding key
// whose challenge is the EKM of the very connection the session starts on, and an App Attest assertion by
// the device's App Attest key (its payment key; the binding key is a Secure Enclave key it vouched for)
// over client data naming the binding key and that EKM, with an increasing counter.
import { createHash, createPrivateKey, sign, webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { appAttestSessionStartClientDataHash } from '@settle/attestation';
import { type AccessTokenClaims, type SessionStartedV1 } from '@settle/contracts';
import { encodeCborDeterministic } from '@settle/crypto';
import { BoundConnection } from '@settle/device-session';
import { waitFor } from '@settle/messaging/testing';
import { createTlsTestServer, type TlsTestServer } from '@settle/resource-guard/testing';
/* eslint-disable @nx/enforce-module-boundaries -- the attestation library's synthetic Android chains are test support it does not export */
import {
  buildAndroidChain,
  buildKeyDescription,
  testPackageName,
  testSigningCertificateSha256,
} from '../../../../libs/attestation/src/testing/android-evidence';
import { createTestRoot } from '../../../../libs/attestation/src/testing/test-pki';
/* eslint-enable @nx/enforce-module-boundaries */
import { AndroidRevocationStatus } from './android-revocation-status';
import {
  makeTestPki,
  startTokenIssuer,
  type TestDevice,
  type TokenIssuerTestKit,
  unregisteredDevice,
} from '../testing/token-issuer-test-kit';

type TestRoot = Awaited<ReturnType<typeof createTestRoot>>;

const appleAppId = 'ABCDE12345.com.example.wallet';

/**
 * An App Attest assertion as the Secure Enclave makes it for `generateAssertion(keyId, clientDataHash)`
 * at session start, clientDataHash = `appAttestSessionStartClientDataHash(binding key id, EKM)`:
 * authenticatorData = SHA-256(app id) ‖ flags ‖ big-endian counter; DER ECDSA (SHA-256) over
 * SHA-256(authenticatorData ‖ clientDataHash); the CBOR map { signature, authenticatorData }.
 */
function appAttestAssertion(
  signer: TestDevice,
  bindingKeyId: string,
  ekm: Uint8Array,
  counter: number,
): string {
  const counterBytes = Buffer.alloc(4);
  counterBytes.writeUInt32BE(counter);
  const authenticatorData = Buffer.concat([
    createHash('sha256').update(appleAppId).digest(),
    Buffer.from([0x40]),
    counterBytes,
  ]);
  const nonce = createHash('sha256')
    .update(authenticatorData)
    .update(appAttestSessionStartClientDataHash({ bindingKeyId, ekm }))
    .digest();
  const signature = sign(
    'sha256',
    nonce,
    createPrivateKey({ key: { ...signer.privateJwk }, format: 'jwk' }),
  );
  const assertion = encodeCborDeterministic(
    new Map<string, unknown>([
      ['signature', new Uint8Array(signature)],
      ['authenticatorData', new Uint8Array(authenticatorData)],
    ]),
  );
  return Buffer.from(assertion).toString('base64url');
}

function pemOf(der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

async function keyPairOf(device: TestDevice): Promise<webcrypto.CryptoKeyPair> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const privateKey = await webcrypto.subtle.importKey(
    'jwk',
    { ...device.privateJwk, key_ops: ['sign'] } as webcrypto.JsonWebKey,
    algorithm,
    true,
    ['sign'],
  );
  const publicKey = await webcrypto.subtle.importKey(
    'jwk',
    { ...device.publicJwk, key_ops: ['verify'] } as webcrypto.JsonWebKey,
    algorithm,
    true,
    ['verify'],
  );
  return { privateKey, publicKey } as webcrypto.CryptoKeyPair;
}

/** An intermediate serial on the status list the test's HTTPS server serves (as Google writes it: no leading zero). */
const revokedSerial = 'c0ffee1';

describe('fresh attestation at session start', () => {
  let kit: TokenIssuerTestKit;
  let root: TestRoot;
  let statusServer: TlsTestServer;
  const connections: BoundConnection[] = [];

  const evidenceFor = async (
    device: TestDevice,
    challenge: Uint8Array,
    intermediateSerialNumber?: string,
  ) =>
    Buffer.from(
      (
        await buildAndroidChain({
          root,
          leafKeys: await keyPairOf(device),
          keyDescription: buildKeyDescription(challenge),
          ...(intermediateSerialNumber === undefined ? {} : { intermediateSerialNumber }),
        })
      ).evidence,
    ).toString('base64url');
  const startWith = async (
    device: TestDevice,
    evidence: (connection: BoundConnection) => Promise<string>,
  ) => {
    const connection = await BoundConnection.open(kit.endpoint, device.privateJwk);
    connections.push(connection);
    const answer = await connection.request({
      method: 'POST',
      path: '/v1/sessions',
      headers: { 'sec-token-binding': connection.tokenBindingHeader },
      json: {
        bindingKeyId: device.keyId,
        attestation: { format: 'android-key', evidence: await evidence(connection) },
      },
    });
    return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
  };

  beforeAll(async () => {
    root = await createTestRoot();
    const pki = makeTestPki();
    const policyFile = path.join(pki.directory, 'android-policy.json');
    writeFileSync(
      policyFile,
      JSON.stringify({
        trustAnchors: [{ name: 'Test Attestation Root', certificate: pemOf(root.der) }],
        applications: [
          {
            packageName: testPackageName,
            signingCertificateSha256: [testSigningCertificateSha256],
          },
        ],
      }),
    );
    // Google's status list, served from 127.0.0.1 over HTTPS: the issuer fetches and stores it as the verifier does.
    statusServer = await createTlsTestServer((_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          entries: { [revokedSerial]: { status: 'REVOKED', reason: 'KEY_COMPROMISE' } },
        }),
      ),
    );
    const caFile = path.join(pki.directory, 'status-list-ca.pem');
    writeFileSync(caFile, statusServer.cert);
    kit = await startTokenIssuer({
      SETTLE_TOKEN_ISSUER_ANDROID_ATTESTATION_POLICY_FILE: policyFile,
      SETTLE_TOKEN_ISSUER_APPLE_APP_ID: appleAppId,
      SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_URL: `https://127.0.0.1:${statusServer.port}/attestation/status`,
      SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_CA_FILE: caFile,
    });
    await waitFor(
      async () =>
        (await kit.query('SELECT 1 FROM token_issuer_android_revocation_status')).length === 1,
      30_000,
      'the status list stored',
    );
    await kit.test.service.app.get(AndroidRevocationStatus).refresh();
  });
  afterAll(async () => {
    for (const connection of connections) connection.close();
    await kit?.stop();
    await statusServer?.close();
  });

  it('refuses a chain whose intermediate is on the fetched status list, as the verifier does (same list, same library check)', async () => {
    const device = await kit.enrol({ device: unregisteredDevice(), level: 'tee' });
    const answer = await startWith(device, (connection) =>
      evidenceFor(device, connection.ekm, `0${revokedSerial}`),
    );
    expect([
      answer.status,
      answer.body['code'],
      (answer.body['errors'] as Array<{ message: string }>)[0]!.message,
    ]).toEqual([422, 'FRESH_ATTESTATION_INVALID', 'CERTIFICATE_REVOKED']);
    expect(
      await kit.query('SELECT entry_count FROM token_issuer_android_revocation_status'),
    ).toEqual([{ entry_count: 1 }]);
  });

  it('refuses every fresh Android chain once the stored list is older than its age limit (fail closed)', async () => {
    const status = kit.test.service.app.get(AndroidRevocationStatus);
    await kit.query(
      "UPDATE token_issuer_android_revocation_status SET fetched_at = now() - interval '2 days'",
    );
    await statusServer.close();
    await status.refresh();
    const device = await kit.enrol({ device: unregisteredDevice(), level: 'tee' });
    const answer = await startWith(device, (connection) => evidenceFor(device, connection.ekm));
    expect([
      answer.status,
      (answer.body['errors'] as Array<{ message: string }>)[0]!.message,
    ]).toEqual([422, 'REVOCATION_STATUS_LIST_STALE']);
    // The copy is made fresh again for the tests below (as a later successful fetch would).
    await kit.query('UPDATE token_issuer_android_revocation_status SET fetched_at = now()');
    await status.refresh();
  });

  it('accepts a chain attesting the binding key over this connection’s EKM: att.kind fresh, with its level, kept on refresh', async () => {
    const device = await kit.enrol({ device: unregisteredDevice(), level: 'tee' });
    const answer = await startWith(device, (connection) => evidenceFor(device, connection.ekm));
    expect(answer.status).toBe(201);
    const claims = JSON.parse(
      Buffer.from((answer.body['accessToken'] as string).split('.')[1]!, 'base64url').toString(
        'utf8',
      ),
    ) as AccessTokenClaims;
    expect(claims.att).toEqual({ level: 'strongbox', kind: 'fresh' });
    const sessionId = answer.body['sessionId'] as string;
    await waitFor(
      () =>
        kit.published.some(
          (event) =>
            event.type === 'session.started' &&
            (event.payload as SessionStartedV1).sessionId === sessionId,
        ),
      30_000,
      'session.started',
    );
    expect(
      (
        kit.published.find((event) => (event.payload as SessionStartedV1).sessionId === sessionId)!
          .payload as SessionStartedV1
      ).attestationKind,
    ).toBe('fresh');

    const refreshConnection = await BoundConnection.open(kit.endpoint, device.privateJwk);
    connections.push(refreshConnection);
    const refreshed = await refreshConnection.request({
      method: 'POST',
      path: `/v1/sessions/${sessionId}/tokens`,
      headers: {
        authorization: `Bearer ${answer.body['accessToken'] as string}`,
        'sec-token-binding': refreshConnection.tokenBindingHeader,
      },
    });
    expect(refreshed.status).toBe(201);
    const next = JSON.parse(
      Buffer.from(
        (JSON.parse(refreshed.body) as { accessToken: string }).accessToken.split('.')[1]!,
        'base64url',
      ).toString('utf8'),
    ) as AccessTokenClaims;
    expect(next.att).toEqual({ level: 'strongbox', kind: 'fresh' });
  });

  it('refuses evidence made for another connection, or for another key, and stores nothing', async () => {
    const device = await kit.enrol({ device: unregisteredDevice() });
    const other = await BoundConnection.open(kit.endpoint, device.privateJwk);
    connections.push(other);
    const before = (
      await kit.query<{ n: number }>('SELECT count(*)::int AS n FROM token_issuer_sessions')
    )[0]!.n;
    const replayed = await startWith(device, () => evidenceFor(device, other.ekm));
    const stranger = unregisteredDevice();
    const otherKey = await startWith(device, (connection) => evidenceFor(stranger, connection.ekm));
    expect([
      replayed.status,
      replayed.body['code'],
      otherKey.status,
      otherKey.body['code'],
    ]).toEqual([422, 'FRESH_ATTESTATION_INVALID', 422, 'FRESH_ATTESTATION_INVALID']);
    expect(
      await kit.query<{ n: number }>('SELECT count(*)::int AS n FROM token_issuer_sessions'),
    ).toEqual([{ n: before }]);
  });

  describe('App Attest assertions (by the device’s App Attest key, naming the Secure Enclave binding key)', () => {
    /** An iPhone as the registry and verifier describe it: a vouched binding key and its App Attest key (the payment key). */
    const iphone = async () => {
      const binding = await kit.enrol({
        device: unregisteredDevice(),
        level: 'secure-enclave',
        format: 'apple-app-attest',
      });
      return { binding, appAttest: await kit.addPaymentKey(binding) };
    };
    const post = async (connection: BoundConnection, device: TestDevice, assertion: string) => {
      const answer = await connection.request({
        method: 'POST',
        path: '/v1/sessions',
        headers: { 'sec-token-binding': connection.tokenBindingHeader },
        json: {
          bindingKeyId: device.keyId,
          attestation: { format: 'apple-appattest-assertion', assertion },
        },
      });
      return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
    };
    const open = async (device: TestDevice) => {
      const connection = await BoundConnection.open(kit.endpoint, device.privateJwk);
      connections.push(connection);
      return connection;
    };
    const refusalOf = (answer: { status: number; body: Record<string, unknown> }) => [
      answer.status,
      answer.body['code'],
      (answer.body['errors'] as Array<{ message: string }> | undefined)?.[0]?.message,
    ];
    const storedCounter = async (key: TestDevice) =>
      (
        await kit.query<{ counter: string }>(
          'SELECT counter FROM token_issuer_app_attest_counters WHERE key_id = $1',
          [key.keyId],
        )
      )[0]?.counter;
    const sessionCount = async () =>
      (await kit.query<{ n: number }>('SELECT count(*)::int AS n FROM token_issuer_sessions'))[0]!
        .n;

    it('accepts an assertion by the App Attest key over this binding key and this connection’s EKM: att.kind fresh, counter stored for the App Attest key', async () => {
      const { binding, appAttest } = await iphone();
      const connection = await open(binding);
      const answer = await post(
        connection,
        binding,
        appAttestAssertion(appAttest, binding.keyId, connection.ekm, 1),
      );
      expect(answer.status).toBe(201);
      const claims = JSON.parse(
        Buffer.from((answer.body['accessToken'] as string).split('.')[1]!, 'base64url').toString(
          'utf8',
        ),
      ) as AccessTokenClaims;
      expect(claims.att).toEqual({ level: 'secure-enclave', kind: 'fresh' });
      expect([await storedCounter(appAttest), await storedCounter(binding)]).toEqual([
        '1',
        undefined,
      ]);
      const sessionId = answer.body['sessionId'] as string;
      await waitFor(
        () =>
          kit.published.some(
            (event) =>
              event.type === 'session.started' &&
              (event.payload as SessionStartedV1).sessionId === sessionId,
          ),
        30_000,
        'session.started',
      );
      expect(
        (
          kit.published.find(
            (event) => (event.payload as SessionStartedV1).sessionId === sessionId,
          )!.payload as SessionStartedV1
        ).attestationKind,
      ).toBe('fresh');
    });

    it('refuses the binding key’s own signature (what a stolen binding key can make) and an assertion naming another binding key: SIGNATURE_INVALID, nothing stored', async () => {
      const { binding, appAttest } = await iphone();
      const connection = await open(binding);
      const before = await sessionCount();
      expect(
        refusalOf(
          await post(
            connection,
            binding,
            appAttestAssertion(binding, binding.keyId, connection.ekm, 1),
          ),
        ),
      ).toEqual([422, 'FRESH_ATTESTATION_INVALID', 'SIGNATURE_INVALID']);
      const otherBindingKey = unregisteredDevice();
      expect(
        refusalOf(
          await post(
            connection,
            binding,
            appAttestAssertion(appAttest, otherBindingKey.keyId, connection.ekm, 1),
          ),
        ),
      ).toEqual([422, 'FRESH_ATTESTATION_INVALID', 'SIGNATURE_INVALID']);
      expect([await sessionCount(), await storedCounter(appAttest)]).toEqual([before, undefined]);
    });

    it('refuses the same assertion replayed, and an older counter, with COUNTER_NOT_INCREASING; a greater counter is accepted', async () => {
      const { binding, appAttest } = await iphone();
      const connection = await open(binding);
      const assertion = appAttestAssertion(appAttest, binding.keyId, connection.ekm, 5);
      expect((await post(connection, binding, assertion)).status).toBe(201);
      const before = await sessionCount();
      // The very same bytes on the same connection (the only place where its signature still verifies).
      expect(refusalOf(await post(connection, binding, assertion))).toEqual([
        422,
        'FRESH_ATTESTATION_INVALID',
        'COUNTER_NOT_INCREASING',
      ]);
      const later = await open(binding);
      expect(
        refusalOf(
          await post(later, binding, appAttestAssertion(appAttest, binding.keyId, later.ekm, 4)),
        ),
      ).toEqual([422, 'FRESH_ATTESTATION_INVALID', 'COUNTER_NOT_INCREASING']);
      expect([await sessionCount(), await storedCounter(appAttest)]).toEqual([before, '5']);
      expect(
        (await post(later, binding, appAttestAssertion(appAttest, binding.keyId, later.ekm, 6)))
          .status,
      ).toBe(201);
      expect(await storedCounter(appAttest)).toBe('6');
    });

    it('refuses an assertion made for another connection’s EKM (SIGNATURE_INVALID) and stores nothing', async () => {
      const { binding, appAttest } = await iphone();
      const other = await open(binding);
      const connection = await open(binding);
      const before = await sessionCount();
      expect(
        refusalOf(
          await post(
            connection,
            binding,
            appAttestAssertion(appAttest, binding.keyId, other.ekm, 1),
          ),
        ),
      ).toEqual([422, 'FRESH_ATTESTATION_INVALID', 'SIGNATURE_INVALID']);
      expect([await sessionCount(), await storedCounter(appAttest)]).toEqual([before, undefined]);
    });

    it('two concurrent session starts with the same counter: exactly one is accepted', async () => {
      const { binding, appAttest } = await iphone();
      const [first, second] = await Promise.all([open(binding), open(binding)]);
      const answers = await Promise.all([
        post(first, binding, appAttestAssertion(appAttest, binding.keyId, first.ekm, 3)),
        post(second, binding, appAttestAssertion(appAttest, binding.keyId, second.ekm, 3)),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([201, 422]);
      expect(refusalOf(answers.find((answer) => answer.status === 422)!)).toEqual([
        422,
        'FRESH_ATTESTATION_INVALID',
        'COUNTER_NOT_INCREASING',
      ]);
      expect(await storedCounter(appAttest)).toBe('3');
    });

    it('FRESH_ATTESTATION_UNAVAILABLE for a binding key App Attest did not vouch for, or whose device has no active App Attest key', async () => {
      const android = await kit.enrol({ device: unregisteredDevice(), level: 'tee' });
      const androidPayment = await kit.addPaymentKey(android, { format: 'android-key' });
      const androidConnection = await open(android);
      expect(
        refusalOf(
          await post(
            androidConnection,
            android,
            appAttestAssertion(androidPayment, android.keyId, androidConnection.ekm, 1),
          ),
        )[1],
      ).toBe('FRESH_ATTESTATION_UNAVAILABLE');
      // Vouched binding key, but the App Attest (payment) key is suspended, or of another format.
      const suspended = await kit.enrol({
        device: unregisteredDevice(),
        level: 'secure-enclave',
        format: 'apple-app-attest',
      });
      const suspendedKey = await kit.addPaymentKey(suspended, { state: 'suspended' });
      const suspendedConnection = await open(suspended);
      expect(
        refusalOf(
          await post(
            suspendedConnection,
            suspended,
            appAttestAssertion(suspendedKey, suspended.keyId, suspendedConnection.ekm, 1),
          ),
        )[1],
      ).toBe('FRESH_ATTESTATION_UNAVAILABLE');
      const webauthn = await kit.enrol({
        device: unregisteredDevice(),
        level: 'secure-enclave',
        format: 'apple-app-attest',
      });
      const webauthnKey = await kit.addPaymentKey(webauthn, { format: 'webauthn-packed' });
      const webauthnConnection = await open(webauthn);
      expect(
        refusalOf(
          await post(
            webauthnConnection,
            webauthn,
            appAttestAssertion(webauthnKey, webauthn.keyId, webauthnConnection.ekm, 1),
          ),
        )[1],
      ).toBe('FRESH_ATTESTATION_UNAVAILABLE');
      expect(await storedCounter(webauthnKey)).toBeUndefined();
    });

    it('refuses malformed assertions (EVIDENCE_MALFORMED) and oversized ones (VALIDATION_FAILED)', async () => {
      const { binding } = await iphone();
      const own = await open(binding);
      expect(
        refusalOf(await post(own, binding, Buffer.from('not cbor').toString('base64url'))),
      ).toEqual([422, 'FRESH_ATTESTATION_INVALID', 'EVIDENCE_MALFORMED']);
      expect((await post(own, binding, 'A'.repeat(4096))).body['code']).toBe('VALIDATION_FAILED');
    });
  });
});
