// Token-signing key rotation through the key-custody file (a Secret update in production): the next key
// is published ahead of its activation, signs once active, and the old key stays in the JWKS until the
// tokens it signed have expired (token lifetime + clock skew), then leaves it.
import { type AccessTokenClaims } from '@settle/contracts';
import { BoundConnection } from '@settle/device-session';
import { createKeyCustodyDocument, type KeyCustodyEntry } from '@settle/key-custody';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import {
  startTokenIssuer,
  type TestDevice,
  type TokenIssuerTestKit,
} from '../testing/token-issuer-test-kit';

const tokenTtlMs = 300_000;
const clockSkewMs = 60_000;
const hourMs = 3_600_000;

describe('token-signing key rotation', () => {
  let kit: TokenIssuerTestKit;
  let device: TestDevice;
  const connections: BoundConnection[] = [];
  const keyA = createKeyCustodyDocument(['token-signing'], new Date(Date.now() - hourMs)).keys[0]!;
  const keyB = createKeyCustodyDocument(['token-signing'], new Date()).keys[0]!;
  const at = (entry: KeyCustodyEntry, activatesAt: Date): KeyCustodyEntry => ({
    ...entry,
    activatesAt: activatesAt.toISOString(),
  });

  const connect = async () => {
    const connection = await BoundConnection.open(kit.endpoint, device.privateJwk);
    connections.push(connection);
    return connection;
  };
  const jwks = async (): Promise<JSONWebKeySet> =>
    JSON.parse(
      (await (await connect()).request({ method: 'GET', path: '/.well-known/jwks.json' })).body,
    ) as JSONWebKeySet;
  const kids = async () => (await jwks()).keys.map((key) => key.kid).sort();
  const startSession = async () => {
    const connection = await connect();
    const answer = await connection.request({
      method: 'POST',
      path: '/v1/sessions',
      headers: { 'sec-token-binding': connection.tokenBindingHeader },
      json: { bindingKeyId: device.keyId },
    });
    expect(answer.status).toBe(201);
    return JSON.parse(answer.body) as { accessToken: string; sessionId: string };
  };
  const kidOf = (token: string) => decodeProtectedHeader(token).kid;

  beforeAll(async () => {
    kit = await startTokenIssuer({ SETTLE_TOKEN_ISSUER_RATE_LIMIT_KEY_PER_MINUTE: '100' });
    device = await kit.enrol();
  });
  afterAll(async () => {
    for (const connection of connections) connection.close();
    await kit?.stop();
  });

  it('prepublishes the next key, switches signing at its activation, keeps the old key for the overlap, then drops it', async () => {
    kit.writeCustody({ keys: [keyA] });
    const before = await startSession();
    const kidA = kidOf(before.accessToken)!;
    expect(await kids()).toEqual([kidA]);

    // B is due in an hour: published now (caches learn it first), not yet signing.
    kit.writeCustody({ keys: [keyA, at(keyB, new Date(Date.now() + hourMs))] });
    const published = await kids();
    expect(published).toHaveLength(2);
    const kidB = published.find((kid) => kid !== kidA)!;
    expect(kidOf((await startSession()).accessToken)).toBe(kidA);

    // B active: it signs; A stays published, so A's tokens still verify.
    kit.writeCustody({ keys: [keyA, at(keyB, new Date(Date.now() - 1_000))] });
    const after = await startSession();
    expect(kidOf(after.accessToken)).toBe(kidB);
    expect(await kids()).toEqual([kidA, kidB].sort());
    const keySet = createLocalJWKSet(await jwks());
    await expect(jwtVerify(before.accessToken, keySet, { typ: 'at+jwt' })).resolves.toMatchObject({
      protectedHeader: { kid: kidA },
    });
    await expect(jwtVerify(after.accessToken, keySet, { typ: 'at+jwt' })).resolves.toMatchObject({
      protectedHeader: { kid: kidB },
    });

    // A session whose newest token A signed still refreshes, now with B.
    const refreshConnection = await connect();
    const refreshed = await refreshConnection.request({
      method: 'POST',
      path: `/v1/sessions/${before.sessionId}/tokens`,
      headers: {
        authorization: `Bearer ${before.accessToken}`,
        'sec-token-binding': refreshConnection.tokenBindingHeader,
      },
    });
    expect(refreshed.status).toBe(201);
    expect(kidOf((JSON.parse(refreshed.body) as { accessToken: string }).accessToken)).toBe(kidB);

    // Once B has signed for longer than a token lives (+ skew), nothing A signed is valid: A leaves.
    kit.writeCustody({
      keys: [keyA, at(keyB, new Date(Date.now() - tokenTtlMs - clockSkewMs - 1_000))],
    });
    expect(await kids()).toEqual([kidB]);
    await expect(
      jwtVerify(before.accessToken, createLocalJWKSet(await jwks()), { typ: 'at+jwt' }),
    ).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });

  it('drops a compromised key at once when it is removed from custody (docs/security.md, key compromise)', async () => {
    kit.writeCustody({ keys: [keyA, at(keyB, new Date(Date.now() - 1_000))] });
    expect(await kids()).toHaveLength(2);
    kit.writeCustody({ keys: [at(keyB, new Date(Date.now() - 1_000))] });
    const remaining = await kids();
    expect(remaining).toHaveLength(1);
    const claims = decodeClaimsOf((await startSession()).accessToken);
    expect(claims.sub).toBe(device.id);
  });
});

function decodeClaimsOf(token: string): AccessTokenClaims {
  return JSON.parse(
    Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'),
  ) as AccessTokenClaims;
}
