// Fresh attestation evidence at session start: a new Android key-attestation chain for the binding key
// whose challenge is the EKM of the very connection the session starts on.
import { webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type AccessTokenClaims, type SessionStartedV1 } from '@settle/contracts';
import { BoundConnection } from '@settle/device-session';
import { waitFor } from '@settle/messaging/testing';
/* eslint-disable @nx/enforce-module-boundaries -- the attestation library's synthetic Android chains are test support it does not export */
import { buildAndroidChain, buildKeyDescription, testPackageName, testSigningCertificateSha256 } from '../../../../libs/attestation/src/testing/android-evidence';
import { createTestRoot } from '../../../../libs/attestation/src/testing/test-pki';
/* eslint-enable @nx/enforce-module-boundaries */
import { makeTestPki, startTokenIssuer, type TestDevice, type TokenIssuerTestKit, unregisteredDevice } from '../testing/token-issuer-test-kit';

type TestRoot = Awaited<ReturnType<typeof createTestRoot>>;

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
    kit = await startTokenIssuer({ SETTLE_TOKEN_ISSUER_ANDROID_ATTESTATION_POLICY_FILE: policyFile });
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
});
