import { randomBytes } from 'node:crypto';
import { createTokenBindingMessage } from '@settle/token-binding';
import { createDpopProof, createTestBindingKey, createTestTokenIssuer } from '../testing';
import { JwksKeyStore } from '../access-token/jwks-key-store';
import { type ResourceGuardSettings } from '../config/resource-guard-config';
import { InMemoryDpopReplayCache } from '../dpop/dpop-replay-cache';
import { StaticBindingKeyStatus } from '../key-status/binding-key-status';
import { resourceGuardRejectionCodes } from '../rejections';
import { IssuerKeysHealth } from '../nest/resource-guard.module';
import { type GuardRequest, RequestAuthenticator } from './request-authenticator';

/** Stands in for a TLSSocket: the EKM export is all the guard calls (real sockets: the int-spec). */
function fakeTlsSocket() {
  const ekm = randomBytes(32);
  return {
    ekm: new Uint8Array(ekm),
    getProtocol: () => 'TLSv1.3',
    exportKeyingMaterial: () => Buffer.from(ekm),
  };
}

const issuer = createTestTokenIssuer();
const device = createTestBindingKey();
/** The test issuer's default `sub`: the device the key belongs to. */
const deviceId = 'dev_test_device';
const baseSettings = {
  issuer: issuer.issuer,
  audience: issuer.audience,
  jwks: { staticJwks: issuer.jwks() },
};

describe('resourceGuardRejectionCodes', () => {
  it('is closed, ordered and append-only (clients branch on it)', () => {
    expect(resourceGuardRejectionCodes).toEqual([
      'ACCESS_TOKEN_MISSING',
      'ACCESS_TOKEN_INVALID',
      'ACCESS_TOKEN_EXPIRED',
      'ACCESS_TOKEN_NOT_YET_VALID',
      'ACCESS_TOKEN_KEY_UNKNOWN',
      'TOKEN_BINDING_MISSING',
      'TOKEN_BINDING_INVALID',
      'TOKEN_BINDING_KEY_MISMATCH',
      'BINDING_KEY_INACTIVE',
      'DPOP_PROOF_MISSING',
      'DPOP_PROOF_INVALID',
      'DPOP_PROOF_REPLAYED',
      'DPOP_NONCE_REQUIRED',
      'DPOP_KEY_MISMATCH',
      'ROLE_FORBIDDEN',
      'AUTHENTICATION_UNAVAILABLE',
      'BINDING_KEY_NOT_SUBJECTS',
      'ISSUER_KEYS_STALE',
    ]);
  });
});

describe('RequestAuthenticator in token-binding mode', () => {
  const keyStatus = new StaticBindingKeyStatus([[device.keyId, deviceId]]);
  const settings: ResourceGuardSettings = { ...baseSettings, mode: 'token-binding' };
  const authenticator = new RequestAuthenticator({
    settings,
    keys: new JwksKeyStore({ staticJwks: issuer.jwks() }),
    keyStatus,
  });
  const request = (
    socket: object | null,
    headers: Record<string, string | undefined>,
  ): GuardRequest => ({ method: 'GET', url: '/me', headers, socket });
  const bound = (socket: ReturnType<typeof fakeTlsSocket>, key = device) =>
    createTokenBindingMessage({ privateJwk: key.privateJwk, ekm: socket.ekm, backend: 'native' })
      .header;

  it('accepts a token with a binding over this connection and returns the principal', async () => {
    const socket = fakeTlsSocket();
    const outcome = await authenticator.authenticate(
      request(socket, {
        authorization: `Bearer ${await issuer.tokenFor(device)}`,
        'sec-token-binding': bound(socket),
      }),
    );
    expect(outcome).toEqual({
      ok: true,
      headers: {},
      principal: {
        subject: 'dev_test_device',
        owner: 'acc_test_owner',
        role: 'consumer-device',
        sessionId: expect.any(String),
        keyId: device.keyId,
        attestation: { level: 'tee', kind: 'registration' },
      },
    });
  });

  it('rejects a missing token with a bare Bearer challenge, and a missing binding', async () => {
    const socket = fakeTlsSocket();
    expect(await authenticator.authenticate(request(socket, {}))).toMatchObject({
      code: 'ACCESS_TOKEN_MISSING',
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer realm="settle"' },
    });
    const outcome = await authenticator.authenticate(
      request(socket, { authorization: `Bearer ${await issuer.tokenFor(device)}` }),
    );
    expect(outcome).toMatchObject({ code: 'TOKEN_BINDING_MISSING', status: 401 });
    expect(outcome.headers['WWW-Authenticate']).toMatch(
      /^Bearer realm="settle", error="invalid_token", error_description="/,
    );
  });

  it('rejects a binding made over another connection, and one made with another key', async () => {
    const [socket, other] = [fakeTlsSocket(), fakeTlsSocket()];
    const token = await issuer.tokenFor(device);
    expect(
      await authenticator.authenticate(
        request(socket, { authorization: `Bearer ${token}`, 'sec-token-binding': bound(other) }),
      ),
    ).toMatchObject({
      code: 'TOKEN_BINDING_INVALID',
      reason: 'ERR_TB_SIGNATURE_INVALID',
    });
    expect(
      await authenticator.authenticate(
        request(socket, {
          authorization: `Bearer ${token}`,
          'sec-token-binding': bound(socket, createTestBindingKey()),
        }),
      ),
    ).toMatchObject({
      code: 'TOKEN_BINDING_KEY_MISMATCH',
    });
  });

  it('verifies a connection binding once, and checks the token every time', async () => {
    const socket = fakeTlsSocket();
    const header = bound(socket);
    const before = authenticator.bindingCache.verifications;
    for (let index = 0; index < 5; index++) {
      const outcome = await authenticator.authenticate(
        request(socket, {
          authorization: `Bearer ${await issuer.tokenFor(device)}`,
          'sec-token-binding': header,
        }),
      );
      expect(outcome.ok).toBe(true);
    }
    expect(authenticator.bindingCache.verifications - before).toBe(1);
    // A client signing afresh for each request (ECDSA signatures differ) is not re-verified either.
    for (let index = 0; index < 3; index++) {
      const outcome = await authenticator.authenticate(
        request(socket, {
          authorization: `Bearer ${await issuer.tokenFor(device)}`,
          'sec-token-binding': bound(socket),
        }),
      );
      expect(outcome.ok).toBe(true);
    }
    expect(authenticator.bindingCache.verifications - before).toBe(1);
    // A new connection verifies again.
    const next = fakeTlsSocket();
    expect(
      (
        await authenticator.authenticate(
          request(next, {
            authorization: `Bearer ${await issuer.tokenFor(device)}`,
            'sec-token-binding': bound(next),
          }),
        )
      ).ok,
    ).toBe(true);
    expect(authenticator.bindingCache.verifications - before).toBe(2);
    const expired = await issuer.tokenFor(device, { exp: Math.floor(Date.now() / 1000) - 120 });
    expect(
      await authenticator.authenticate(
        request(socket, { authorization: `Bearer ${expired}`, 'sec-token-binding': header }),
      ),
    ).toMatchObject({ code: 'ACCESS_TOKEN_EXPIRED' });
    // Another key's token on the same connection does not ride on the cached binding.
    const otherDevice = createTestBindingKey();
    keyStatus.set(otherDevice.keyId, deviceId);
    expect(
      await authenticator.authenticate(
        request(socket, {
          authorization: `Bearer ${await issuer.tokenFor(otherDevice)}`,
          'sec-token-binding': header,
        }),
      ),
    ).toMatchObject({
      code: 'TOKEN_BINDING_KEY_MISMATCH',
    });
  });

  it('rejects a token whose subject is not the owner of the active key it is bound to (issue 13 §3)', async () => {
    const socket = fakeTlsSocket();
    const token = await issuer.tokenFor(device, { sub: 'dev_another_device' });
    const outcome = await authenticator.authenticate(
      request(socket, { authorization: `Bearer ${token}`, 'sec-token-binding': bound(socket) }),
    );
    expect(outcome).toMatchObject({ ok: false, code: 'BINDING_KEY_NOT_SUBJECTS', status: 401 });
    expect(outcome.headers['WWW-Authenticate']).toMatch(/error="invalid_token"/);
  });

  it('verifies a token once per connection while its exp and its signing key hold, and checks the key state every time', async () => {
    let nowMs = Date.now();
    const clock = () => new Date(nowMs);
    const rotating = createTestTokenIssuer({ now: clock });
    const keys = new JwksKeyStore({
      url: 'https://tokens.settle.test/jwks.json',
      fetcher: async () => rotating.jwks(),
      clock,
    });
    const states = new StaticBindingKeyStatus([[device.keyId, deviceId]]);
    const guard = new RequestAuthenticator({
      settings: { ...settings, issuer: rotating.issuer },
      keys,
      keyStatus: states,
      clock,
    });
    const socket = fakeTlsSocket();
    const header = bound(socket);
    const token = await rotating.tokenFor(device, { exp: Math.floor(nowMs / 1000) + 300 });
    const send = (on = socket, binding = header) =>
      guard.authenticate(
        request(on, { authorization: `Bearer ${token}`, 'sec-token-binding': binding }),
      );
    for (let index = 0; index < 4; index++) expect((await send()).ok).toBe(true);
    expect(guard.tokenCache.hits).toBe(3);
    // Another connection verifies the same token again.
    const other = fakeTlsSocket();
    expect((await send(other, bound(other))).ok).toBe(true);
    expect(guard.tokenCache.hits).toBe(3);
    // The key's state is read on every request, cached token or not.
    states.set(device.keyId, null);
    expect(await send()).toMatchObject({ code: 'BINDING_KEY_INACTIVE' });
    states.set(device.keyId, deviceId);
    // The issuer drops its key: once the JWKS is reloaded the remembered verification no longer holds.
    rotating.rotate({ dropOld: true });
    nowMs += 11 * 60_000;
    expect(await send()).toMatchObject({ code: 'ACCESS_TOKEN_KEY_UNKNOWN' });
    // Past exp (+ the tolerated skew), a token remembered as valid is verified again — and refused.
    const fresh = await rotating.tokenFor(device, { exp: Math.floor(nowMs / 1000) + 60 });
    const sendFresh = () =>
      guard.authenticate(
        request(socket, { authorization: `Bearer ${fresh}`, 'sec-token-binding': header }),
      );
    expect((await sendFresh()).ok).toBe(true);
    expect((await sendFresh()).ok).toBe(true);
    nowMs += 91_000;
    expect(await sendFresh()).toMatchObject({ code: 'ACCESS_TOKEN_EXPIRED' });
  });

  it('rejects a key that is not active, a role the route does not accept (403), and a socket without TLS 1.3', async () => {
    const socket = fakeTlsSocket();
    const revoked = createTestBindingKey();
    expect(
      await authenticator.authenticate(
        request(socket, {
          authorization: `Bearer ${await issuer.tokenFor(revoked)}`,
          'sec-token-binding': bound(socket, revoked),
        }),
      ),
    ).toMatchObject({
      code: 'BINDING_KEY_INACTIVE',
      status: 401,
    });
    const forbidden = await authenticator.authenticate(
      request(socket, {
        authorization: `Bearer ${await issuer.tokenFor(device)}`,
        'sec-token-binding': bound(socket),
      }),
      ['pos-terminal'],
    );
    expect(forbidden).toMatchObject({ code: 'ROLE_FORBIDDEN', status: 403 });
    expect(forbidden.headers['WWW-Authenticate']).toContain('error="insufficient_scope"');
    const plain = { getProtocol: () => null, exportKeyingMaterial: () => Buffer.alloc(32) };
    expect(
      await authenticator.authenticate(
        request(plain, {
          authorization: `Bearer ${await issuer.tokenFor(device)}`,
          'sec-token-binding': bound(socket),
        }),
      ),
    ).toMatchObject({
      code: 'TOKEN_BINDING_INVALID',
      reason: 'ERR_TB_TLS_STATE_INVALID',
    });
  });

  it('trusts known keys while the issuer is unreachable only up to the trust limit, then answers 503 ISSUER_KEYS_STALE and readiness says why', async () => {
    let nowMs = Date.now();
    const clock = () => new Date(nowMs);
    let reachable = true;
    const keys = new JwksKeyStore({
      url: 'https://tokens.settle.test/jwks.json',
      trustMsMax: 3_600_000,
      clock,
      fetcher: async () => (reachable ? issuer.jwks() : Promise.reject(new Error('ECONNREFUSED'))),
    });
    const guard = new RequestAuthenticator({
      settings: {
        ...settings,
        jwks: { url: 'https://tokens.settle.test/jwks.json', trustMsMax: 3_600_000 },
      },
      keys,
      keyStatus,
      clock,
    });
    const health = new IssuerKeysHealth(keys);
    const send = async () => {
      const socket = fakeTlsSocket();
      const token = await issuer.tokenFor(device, {
        iat: Math.floor(nowMs / 1000),
        nbf: Math.floor(nowMs / 1000),
        exp: Math.floor(nowMs / 1000) + 300,
      });
      return guard.authenticate(
        request(socket, { authorization: `Bearer ${token}`, 'sec-token-binding': bound(socket) }),
      );
    };
    expect((await send()).ok).toBe(true);
    reachable = false;
    nowMs += 59 * 60_000;
    expect((await send()).ok).toBe(true);
    expect(await health.check()).toMatchObject({ status: 'up' });
    nowMs += 2 * 60_000;
    const stale = await send();
    expect(stale).toMatchObject({ ok: false, code: 'ISSUER_KEYS_STALE', status: 503, headers: {} });
    expect(await health.check()).toMatchObject({
      status: 'down',
      details: { reason: expect.stringMatching(/^ISSUER_KEYS_STALE/) },
    });
    reachable = true;
    nowMs += 60_000;
    expect((await send()).ok).toBe(true);
    expect(await health.check()).toMatchObject({ status: 'up' });
  });

  it('answers 503 when the JWKS cannot be fetched for an unknown kid', async () => {
    const failing = new RequestAuthenticator({
      settings: {
        ...settings,
        jwks: { url: 'https://tokens.settle.test/jwks.json', trustMsMax: 3_600_000 },
      },
      keys: new JwksKeyStore({
        url: 'https://tokens.settle.test/jwks.json',
        fetcher: () => Promise.reject(new Error('ECONNREFUSED')),
      }),
      keyStatus,
    });
    const socket = fakeTlsSocket();
    const outcome = await failing.authenticate(
      request(socket, {
        authorization: `Bearer ${await issuer.tokenFor(device)}`,
        'sec-token-binding': bound(socket),
      }),
    );
    expect(outcome).toMatchObject({ code: 'AUTHENTICATION_UNAVAILABLE', status: 503, headers: {} });
  });
});

describe('RequestAuthenticator in DPoP mode', () => {
  const settings: ResourceGuardSettings = {
    ...baseSettings,
    mode: 'dpop',
    externalBaseUrl: 'https://api.settle.test/verifier',
    nonceSecrets: ['a-test-secret-that-is-long-enough-0123456789'],
  };
  const keyStatus = new StaticBindingKeyStatus([[device.keyId, deviceId]]);
  const authenticator = new RequestAuthenticator({
    settings,
    keys: new JwksKeyStore({ staticJwks: issuer.jwks() }),
    keyStatus,
    replayCache: new InMemoryDpopReplayCache(),
  });
  const url = 'https://api.settle.test/verifier/v1/uploads';

  async function dpopRequest(
    options: {
      key?: typeof device;
      token?: string;
      nonce?: string | null;
      jti?: string;
      url?: string;
      method?: string;
    } = {},
  ): Promise<GuardRequest> {
    const token = options.token ?? (await issuer.tokenFor(device, { cnf: { jkt: device.keyId } }));
    const nonce =
      options.nonce === null ? undefined : (options.nonce ?? authenticator.issueNonce()!);
    const proof = await createDpopProof({
      bindingKey: options.key ?? device,
      method: options.method ?? 'POST',
      url: options.url ?? url,
      accessToken: token,
      nonce,
      ...(options.jti ? { jti: options.jti } : {}),
    });
    return {
      method: 'POST',
      url: '/v1/uploads?draft=1',
      headers: { authorization: `DPoP ${token}`, dpop: proof },
      socket: null,
    };
  }

  it('accepts a proof for this request, once', async () => {
    const request = await dpopRequest();
    expect(await authenticator.authenticate(request)).toMatchObject({
      ok: true,
      principal: { keyId: device.keyId },
    });
    expect(await authenticator.authenticate(request)).toMatchObject({
      code: 'DPOP_PROOF_REPLAYED',
      status: 401,
    });
  });

  it('answers a missing nonce with 401 use_dpop_nonce and a DPoP-Nonce the retry succeeds with', async () => {
    const outcome = await authenticator.authenticate(await dpopRequest({ nonce: null }));
    expect(outcome).toMatchObject({ ok: false, code: 'DPOP_NONCE_REQUIRED', status: 401 });
    expect(outcome.headers['WWW-Authenticate']).toMatch(
      /^DPoP realm="settle", algs="ES256", error="use_dpop_nonce"/,
    );
    const nonce = outcome.headers['DPoP-Nonce']!;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]+$/);
    expect((await authenticator.authenticate(await dpopRequest({ nonce }))).ok).toBe(true);
  });

  it('rejects a wrong htu or htm, a proof of another key than cnf.jkt, and a Bearer scheme', async () => {
    expect(
      await authenticator.authenticate(
        await dpopRequest({ url: 'https://api.settle.test/v1/uploads' }),
      ),
    ).toMatchObject({ code: 'DPOP_PROOF_INVALID', reason: 'htu' });
    expect(await authenticator.authenticate(await dpopRequest({ method: 'GET' }))).toMatchObject({
      code: 'DPOP_PROOF_INVALID',
      reason: 'htm',
    });
    expect(
      await authenticator.authenticate(await dpopRequest({ key: createTestBindingKey() })),
    ).toMatchObject({ code: 'DPOP_KEY_MISMATCH' });
    const request = await dpopRequest();
    const bearer = {
      ...request,
      headers: {
        ...request.headers,
        authorization: String(request.headers['authorization']).replace('DPoP', 'Bearer'),
      },
    };
    expect(await authenticator.authenticate(bearer)).toMatchObject({
      code: 'ACCESS_TOKEN_MISSING',
    });
  });

  it('rejects a token whose subject is not its key’s owner, before its proof takes a row in the replay cache', async () => {
    const token = await issuer.tokenFor(device, {
      cnf: { jkt: device.keyId },
      sub: 'dev_another_device',
    });
    const request = await dpopRequest({ token, jti: 'not-subjects-jti' });
    expect(await authenticator.authenticate(request)).toMatchObject({
      code: 'BINDING_KEY_NOT_SUBJECTS',
      status: 401,
    });
    const own = await dpopRequest({ jti: 'not-subjects-jti' });
    expect((await authenticator.authenticate(own)).ok).toBe(true);
  });

  it('rejects an inactive key before its proof takes a row in the replay cache', async () => {
    keyStatus.set(device.keyId, null);
    try {
      const request = await dpopRequest({ jti: 'revoked-jti' });
      expect(await authenticator.authenticate(request)).toMatchObject({
        code: 'BINDING_KEY_INACTIVE',
      });
      keyStatus.set(device.keyId, deviceId);
      expect((await authenticator.authenticate(request)).ok).toBe(true);
    } finally {
      keyStatus.set(device.keyId, deviceId);
    }
  });
});
