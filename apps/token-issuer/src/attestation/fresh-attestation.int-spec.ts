// Fresh attestation evidence at session start: a new Android key-attestation chain for the binding key
// whose challenge is the EKM of the very connection the session starts on, and an App Attest assertion by
// the binding key over SHA-256(label ‖ that EKM) with an increasing counter.
import { createHash, createPrivateKey, sign, webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type AccessTokenClaims, type SessionStartedV1 } from '@settle/contracts';
import { encodeCborDeterministic } from '@settle/crypto';
import { BoundConnection } from '@settle/device-session';
import { waitFor } from '@settle/messaging/testing';
/* eslint-disable @nx/enforce-module-boundaries -- the attestation library's synthetic Android chains are test support it does not export */
import { buildAndroidChain, buildKeyDescription, testPackageName, testSigningCertificateSha256 } from '../../../../libs/attestation/src/testing/android-evidence';
import { createTestRoot } from '../../../../libs/attestation/src/testing/test-pki';
/* eslint-enable @nx/enforce-module-boundaries */
import { appAttestSessionClientDataHash } from './fresh-attestation';
import { makeTestPki, startTokenIssuer, type TestDevice, type TokenIssuerTestKit, unregisteredDevice } from '../testing/token-issuer-test-kit';

type TestRoot = Awaited<ReturnType<typeof createTestRoot>>;

const appleAppId = 'ABCDE12345.com.example.wallet';

/**
 * An App Attest assertion as the Secure Enclave makes it for `generateAssertion(keyId, clientDataHash)`:
 * authenticatorData = SHA-256(app id) ‖ flags ‖ big-endian counter; DER ECDSA (SHA-256) over
 * SHA-256(authenticatorData ‖ clientDataHash); the CBOR map { signature, authenticatorData }.
 */
function appAttestAssertion(device: TestDevice, ekm: Uint8Array, counter: number): string {
  const counterBytes = Buffer.alloc(4);
  counterBytes.writeUInt32BE(counter);
  const authenticatorData = Buffer.concat([createHash('sha256').update(appleAppId).digest(), Buffer.from([0x40]), counterBytes]);
  const nonce = createHash('sha256').update(authenticatorData).update(appAttestSessionClientDataHash(ekm)).digest();
  const signature = sign('sha256', nonce, createPrivateKey({ key: { ...device.privateJwk }, format: 'jwk' }));
  const assertion = encodeCborDeterministic(new Map<string, unknown>([['signature', new Uint8Array(signature)], ['authenticatorData', new Uint8Array(authenticatorData)]]));
  return Buffer.from(assertion).toString('base64url');
}

function pemOf(der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

async function keyPairOf(device: TestDevice): Promise<webcrypto.CryptoKeyPair> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const privateKey = await webcrypto.subtle.importKey('jwk', { ...device.privateJwk, key_ops: ['sign'] } as webcrypto.JsonWebKey, algorithm, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('jwk', { ...device.publicJwk, key_ops: ['verify'] } as webcrypto.JsonWebKey, algorithm, true, ['verify']);
  return { privateKey, publicKey } as webcrypto.CryptoKeyPair;
}

describe('fresh attestation at session start', () => {
  let kit: TokenIssuerTestKit;
  let root: TestRoot;
  const connections: BoundConnection[] = [];

  const evidenceFor = async (device: TestDevice, challenge: Uint8Array) =>
    Buffer.from((await buildAndroidChain({ root, leafKeys: await keyPairOf(device), keyDescription: buildKeyDescription(challenge) })).evidence).toString('base64url');
  const startWith = async (device: TestDevice, evidence: (connection: BoundConnection) => Promise<string>) => {
    const connection = await BoundConnection.open(kit.endpoint, device.privateJwk);
    connections.push(connection);
    const answer = await connection.request({
      method: 'POST',
      path: '/v1/sessions',
      headers: { 'sec-token-binding': connection.tokenBindingHeader },
      json: { bindingKeyId: device.keyId, attestation: { format: 'android-key', evidence: await evidence(connection) } },
    });
    return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
  };

  beforeAll(async () => {
    root = await createTestRoot();
    const pki = makeTestPki();
    const policyFile = path.join(pki.directory, 'android-policy.json');
    writeFileSync(
      policyFile,
      JSON.stringify({ trustAnchors: [{ name: 'Test Attestation Root', certificate: pemOf(root.der) }], applications: [{ packageName: testPackageName, signingCertificateSha256: [testSigningCertificateSha256] }] }),
    );
    kit = await startTokenIssuer({ SETTLE_TOKEN_ISSUER_ANDROID_ATTESTATION_POLICY_FILE: policyFile, SETTLE_TOKEN_ISSUER_APPLE_APP_ID: appleAppId });
  });
  afterAll(async () => {
    for (const connection of connections) connection.close();
    await kit?.stop();
  });

  it('accepts a chain attesting the binding key over this connection’s EKM: att.kind fresh, with its level, kept on refresh', async () => {
    const device = await kit.enrol({ device: unregisteredDevice(), level: 'tee' });
    const answer = await startWith(device, (connection) => evidenceFor(device, connection.ekm));
    expect(answer.status).toBe(201);
    const claims = JSON.parse(Buffer.from((answer.body['accessToken'] as string).split('.')[1]!, 'base64url').toString('utf8')) as AccessTokenClaims;
    expect(claims.att).toEqual({ level: 'strongbox', kind: 'fresh' });
    const sessionId = answer.body['sessionId'] as string;
    await waitFor(() => kit.published.some((event) => event.type === 'session.started' && (event.payload as SessionStartedV1).sessionId === sessionId), 30_000, 'session.started');
    expect((kit.published.find((event) => (event.payload as SessionStartedV1).sessionId === sessionId)!.payload as SessionStartedV1).attestationKind).toBe('fresh');

    const refreshConnection = await BoundConnection.open(kit.endpoint, device.privateJwk);
    connections.push(refreshConnection);
    const refreshed = await refreshConnection.request({
      method: 'POST',
      path: `/v1/sessions/${sessionId}/tokens`,
      headers: { authorization: `Bearer ${answer.body['accessToken'] as string}`, 'sec-token-binding': refreshConnection.tokenBindingHeader },
    });
    expect(refreshed.status).toBe(201);
    const next = JSON.parse(Buffer.from((JSON.parse(refreshed.body) as { accessToken: string }).accessToken.split('.')[1]!, 'base64url').toString('utf8')) as AccessTokenClaims;
    expect(next.att).toEqual({ level: 'strongbox', kind: 'fresh' });
  });

  it('refuses evidence made for another connection, or for another key, and stores nothing', async () => {
    const device = await kit.enrol({ device: unregisteredDevice() });
    const other = await BoundConnection.open(kit.endpoint, device.privateJwk);
    connections.push(other);
    const before = (await kit.query<{ n: number }>('SELECT count(*)::int AS n FROM token_issuer_sessions'))[0]!.n;
    const replayed = await startWith(device, () => evidenceFor(device, other.ekm));
    const stranger = unregisteredDevice();
    const otherKey = await startWith(device, (connection) => evidenceFor(stranger, connection.ekm));
    expect([replayed.status, replayed.body['code'], otherKey.status, otherKey.body['code']]).toEqual([422, 'FRESH_ATTESTATION_INVALID', 422, 'FRESH_ATTESTATION_INVALID']);
    expect(await kit.query<{ n: number }>('SELECT count(*)::int AS n FROM token_issuer_sessions')).toEqual([{ n: before }]);
  });

  describe('App Attest assertions', () => {
    const post = async (connection: BoundConnection, device: TestDevice, assertion: string) => {
      const answer = await connection.request({
        method: 'POST',
        path: '/v1/sessions',
        headers: { 'sec-token-binding': connection.tokenBindingHeader },
        json: { bindingKeyId: device.keyId, attestation: { format: 'apple-appattest-assertion', assertion } },
      });
      return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
    };
    const open = async (device: TestDevice) => {
      const connection = await BoundConnection.open(kit.endpoint, device.privateJwk);
      connections.push(connection);
      return connection;
    };
    const refusalOf = (answer: { status: number; body: Record<string, unknown> }) => [answer.status, answer.body['code'], (answer.body['errors'] as Array<{ message: string }> | undefined)?.[0]?.message];
    const storedCounter = async (device: TestDevice) => (await kit.query<{ counter: string }>('SELECT counter FROM token_issuer_app_attest_counters WHERE key_id = $1', [device.keyId]))[0]?.counter;
    const sessionCount = async () => (await kit.query<{ n: number }>('SELECT count(*)::int AS n FROM token_issuer_sessions'))[0]!.n;

    it('accepts an assertion by the App Attest binding key over this connection’s EKM: att.kind fresh, counter stored', async () => {
      const device = await kit.enrol({ device: unregisteredDevice(), level: 'secure-enclave' });
      const connection = await open(device);
      const answer = await post(connection, device, appAttestAssertion(device, connection.ekm, 1));
      expect(answer.status).toBe(201);
      const claims = JSON.parse(Buffer.from((answer.body['accessToken'] as string).split('.')[1]!, 'base64url').toString('utf8')) as AccessTokenClaims;
      expect(claims.att).toEqual({ level: 'secure-enclave', kind: 'fresh' });
      expect(await storedCounter(device)).toBe('1');
      const sessionId = answer.body['sessionId'] as string;
      await waitFor(() => kit.published.some((event) => event.type === 'session.started' && (event.payload as SessionStartedV1).sessionId === sessionId), 30_000, 'session.started');
      expect((kit.published.find((event) => (event.payload as SessionStartedV1).sessionId === sessionId)!.payload as SessionStartedV1).attestationKind).toBe('fresh');
    });

    it('refuses the same assertion replayed, and an older counter, with COUNTER_NOT_INCREASING; a greater counter is accepted', async () => {
      const device = await kit.enrol({ device: unregisteredDevice(), level: 'secure-enclave' });
      const connection = await open(device);
      const assertion = appAttestAssertion(device, connection.ekm, 5);
      expect((await post(connection, device, assertion)).status).toBe(201);
      const before = await sessionCount();
      // The very same bytes on the same connection (the only place where its signature still verifies).
      expect(refusalOf(await post(connection, device, assertion))).toEqual([422, 'FRESH_ATTESTATION_INVALID', 'COUNTER_NOT_INCREASING']);
      const later = await open(device);
      expect(refusalOf(await post(later, device, appAttestAssertion(device, later.ekm, 4)))).toEqual([422, 'FRESH_ATTESTATION_INVALID', 'COUNTER_NOT_INCREASING']);
      expect([await sessionCount(), await storedCounter(device)]).toEqual([before, '5']);
      expect((await post(later, device, appAttestAssertion(device, later.ekm, 6))).status).toBe(201);
      expect(await storedCounter(device)).toBe('6');
    });

    it('refuses an assertion made for another connection’s EKM (SIGNATURE_INVALID) and stores nothing', async () => {
      const device = await kit.enrol({ device: unregisteredDevice(), level: 'secure-enclave' });
      const other = await open(device);
      const connection = await open(device);
      const before = await sessionCount();
      expect(refusalOf(await post(connection, device, appAttestAssertion(device, other.ekm, 1)))).toEqual([422, 'FRESH_ATTESTATION_INVALID', 'SIGNATURE_INVALID']);
      expect([await sessionCount(), await storedCounter(device)]).toEqual([before, undefined]);
    });

    it('two concurrent session starts with the same counter: exactly one is accepted', async () => {
      const device = await kit.enrol({ device: unregisteredDevice(), level: 'secure-enclave' });
      const [first, second] = await Promise.all([open(device), open(device)]);
      const answers = await Promise.all([post(first, device, appAttestAssertion(device, first.ekm, 3)), post(second, device, appAttestAssertion(device, second.ekm, 3))]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([201, 422]);
      expect(refusalOf(answers.find((answer) => answer.status === 422)!)).toEqual([422, 'FRESH_ATTESTATION_INVALID', 'COUNTER_NOT_INCREASING']);
      expect(await storedCounter(device)).toBe('3');
    });

    it('refuses assertions of a key not attested by App Attest (FRESH_ATTESTATION_UNAVAILABLE), and malformed ones', async () => {
      const android = await kit.enrol({ device: unregisteredDevice(), level: 'tee' });
      const connection = await open(android);
      expect(refusalOf(await post(connection, android, appAttestAssertion(android, connection.ekm, 1)))[1]).toBe('FRESH_ATTESTATION_UNAVAILABLE');
      const device = await kit.enrol({ device: unregisteredDevice(), level: 'secure-enclave' });
      const own = await open(device);
      expect(refusalOf(await post(own, device, Buffer.from('not cbor').toString('base64url')))).toEqual([422, 'FRESH_ATTESTATION_INVALID', 'EVIDENCE_MALFORMED']);
      expect((await post(own, device, 'A'.repeat(4096))).body['code']).toBe('VALIDATION_FAILED');
    });
  });
});
