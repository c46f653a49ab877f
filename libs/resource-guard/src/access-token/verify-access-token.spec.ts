import { createHmac } from 'node:crypto';
import { base64UrlEncode } from '@settle/crypto';
import { createTestBindingKey, createTestTokenIssuer } from '../testing';
import {
  JwksKeyStore,
  JwksUnavailableError,
  jwksRefetchIntervalMsMin,
  jwksRetryAfterFailureMsMin,
} from './jwks-key-store';
import { accessTokenClockSkewSeconds, verifyAccessToken } from './verify-access-token';

const encode = (value: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(value)));

describe('verifyAccessToken', () => {
  const issuer = createTestTokenIssuer();
  const device = createTestBindingKey();
  const keys = new JwksKeyStore({ staticJwks: issuer.jwks() });
  const options = { keys, issuer: issuer.issuer, audience: issuer.audience };

  it('accepts a token of the issuer and returns its claims', async () => {
    const token = await issuer.tokenFor(device);
    const result = await verifyAccessToken(token, options);
    expect(result).toMatchObject({
      ok: true,
      claims: {
        cnf: { jkt: device.keyId, tbh: device.tokenBindingIdHash },
        role: 'consumer-device',
      },
    });
  });

  it(`tolerates ${accessTokenClockSkewSeconds} s of clock skew on exp and nbf, not more`, async () => {
    const now = Math.floor(Date.now() / 1000);
    const justExpired = await issuer.tokenFor(device, {
      exp: now - accessTokenClockSkewSeconds + 5,
    });
    const longExpired = await issuer.tokenFor(device, {
      exp: now - accessTokenClockSkewSeconds - 5,
    });
    const soonValid = await issuer.tokenFor(device, { nbf: now + accessTokenClockSkewSeconds - 5 });
    const notYetValid = await issuer.tokenFor(device, {
      nbf: now + accessTokenClockSkewSeconds + 5,
    });
    expect((await verifyAccessToken(justExpired, options)).ok).toBe(true);
    expect(await verifyAccessToken(longExpired, options)).toMatchObject({
      ok: false,
      code: 'ACCESS_TOKEN_EXPIRED',
    });
    expect((await verifyAccessToken(soonValid, options)).ok).toBe(true);
    expect(await verifyAccessToken(notYetValid, options)).toMatchObject({
      ok: false,
      code: 'ACCESS_TOKEN_NOT_YET_VALID',
    });
  });

  it('rejects a wrong audience, a wrong issuer and a wrong typ', async () => {
    expect(
      await verifyAccessToken(await issuer.tokenFor(device, { aud: ['another-service'] }), options),
    ).toMatchObject({
      code: 'ACCESS_TOKEN_INVALID',
      reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED aud',
    });
    expect(
      await verifyAccessToken(
        await issuer.tokenFor(device, { iss: 'https://evil.example' }),
        options,
      ),
    ).toMatchObject({
      code: 'ACCESS_TOKEN_INVALID',
      reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED iss',
    });
    const jwtTyped = await issuer.sign(issuer.claims(device), { typ: 'JWT' });
    expect(await verifyAccessToken(jwtTyped, options)).toMatchObject({
      code: 'ACCESS_TOKEN_INVALID',
    });
  });

  it('rejects alg none', async () => {
    const claims = issuer.claims(device);
    const unsigned = `${encode({ alg: 'none', typ: 'at+jwt', kid: issuer.kid })}.${encode(claims)}.`;
    expect(await verifyAccessToken(unsigned, options)).toMatchObject({
      ok: false,
      code: 'ACCESS_TOKEN_INVALID',
      reason: 'ERR_JOSE_ALG_NOT_ALLOWED',
    });
  });

  it('rejects HS256 signed with the issuer public key as the HMAC secret (algorithm confusion)', async () => {
    const signingInput = `${encode({ alg: 'HS256', typ: 'at+jwt', kid: issuer.kid })}.${encode(issuer.claims(device))}`;
    for (const secret of [JSON.stringify(issuer.publicJwk), issuer.publicJwk.x]) {
      const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
      expect(await verifyAccessToken(`${signingInput}.${signature}`, options)).toMatchObject({
        ok: false,
        code: 'ACCESS_TOKEN_INVALID',
        reason: 'ERR_JOSE_ALG_NOT_ALLOWED',
      });
    }
  });

  it('rejects a tampered payload and claims not shaped as AccessTokenClaims', async () => {
    const token = await issuer.tokenFor(device);
    const [header, , signature] = token.split('.');
    const tampered = `${header}.${encode({ ...issuer.claims(device), role: 'pos-terminal' })}.${signature}`;
    expect(await verifyAccessToken(tampered, options)).toMatchObject({
      code: 'ACCESS_TOKEN_INVALID',
      reason: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
    const badRole = await issuer.tokenFor(device, { role: 'admin' as never });
    expect(await verifyAccessToken(badRole, options)).toMatchObject({
      code: 'ACCESS_TOKEN_INVALID',
      reason: 'claim role',
    });
    const noCnf = await issuer.tokenFor(device, { cnf: {} as never });
    expect(await verifyAccessToken(noCnf, options)).toMatchObject({
      code: 'ACCESS_TOKEN_INVALID',
      reason: 'claim cnf',
    });
    expect(await verifyAccessToken('not.a.jwt', options)).toMatchObject({
      code: 'ACCESS_TOKEN_INVALID',
    });
    expect(await verifyAccessToken('x'.repeat(5000), options)).toMatchObject({
      code: 'ACCESS_TOKEN_INVALID',
      reason: 'length',
    });
  });

  it('rejects a token signed by a key not in the JWKS', async () => {
    const stranger = createTestTokenIssuer({ issuer: issuer.issuer });
    expect(await verifyAccessToken(await stranger.tokenFor(device), options)).toMatchObject({
      code: 'ACCESS_TOKEN_KEY_UNKNOWN',
    });
  });
});

describe('JwksKeyStore', () => {
  const device = createTestBindingKey();

  function fetchedStore(issuer: ReturnType<typeof createTestTokenIssuer>) {
    let nowMs = Date.parse('2026-11-28T12:00:00Z');
    const urls: string[] = [];
    const keys = new JwksKeyStore({
      url: 'https://tokens.settle.test/jwks.json',
      fetcher: async (url) => {
        urls.push(url);
        return issuer.jwks();
      },
      clock: () => new Date(nowMs),
    });
    return { keys, urls, advance: (ms: number) => (nowMs += ms), now: () => new Date(nowMs) };
  }

  it('refetches the JWKS once for an unknown kid (key rotation), then verifies', async () => {
    const issuer = createTestTokenIssuer();
    const store = fetchedStore(issuer);
    const options = { keys: store.keys, issuer: issuer.issuer, audience: issuer.audience };
    expect((await verifyAccessToken(await issuer.tokenFor(device), options)).ok).toBe(true);
    expect(store.keys.fetches).toBe(1);
    store.advance(jwksRefetchIntervalMsMin);
    issuer.rotate();
    expect((await verifyAccessToken(await issuer.tokenFor(device), options)).ok).toBe(true);
    expect(store.keys.fetches).toBe(2);
    // Known kids are served from the cache.
    expect((await verifyAccessToken(await issuer.tokenFor(device), options)).ok).toBe(true);
    expect(store.keys.fetches).toBe(2);
  });

  it(`refetches at most every ${jwksRefetchIntervalMsMin} ms however many unknown kids arrive`, async () => {
    const issuer = createTestTokenIssuer();
    const store = fetchedStore(issuer);
    const options = { keys: store.keys, issuer: issuer.issuer, audience: issuer.audience };
    await verifyAccessToken(await issuer.tokenFor(device), options);
    const forged = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        issuer.sign(issuer.claims(device), { kid: `random-${index}` }),
      ),
    );
    const results = await Promise.all(forged.map((token) => verifyAccessToken(token, options)));
    expect(
      results.every((result) => !result.ok && result.code === 'ACCESS_TOKEN_KEY_UNKNOWN'),
    ).toBe(true);
    expect(store.keys.fetches).toBe(1);
    store.advance(jwksRefetchIntervalMsMin);
    await Promise.all(forged.map((token) => verifyAccessToken(token, options)));
    expect(store.keys.fetches).toBe(2);
  });

  it(`finds an issuer that was not up at its first fetch within ${jwksRetryAfterFailureMsMin} ms, and fetches a down one at most that often`, async () => {
    const issuer = createTestTokenIssuer();
    let up = false;
    let nowMs = Date.now();
    const keys = new JwksKeyStore({
      url: 'https://tokens.settle.test/jwks.json',
      fetcher: async () => {
        if (!up) throw new Error('connect ECONNREFUSED');
        return issuer.jwks();
      },
      clock: () => new Date(nowMs),
    });
    // A readiness check at start-up, before the token issuer listens.
    expect((await keys.trustState()).loadedAt).toBeNull();
    expect(keys.fetches).toBe(1);
    const options = {
      keys,
      issuer: issuer.issuer,
      audience: issuer.audience,
      clock: () => new Date(nowMs),
    };
    const token = await issuer.tokenFor(device);
    await expect(verifyAccessToken(token, options)).rejects.toBeInstanceOf(JwksUnavailableError);
    expect(keys.fetches).toBe(1);
    nowMs += jwksRetryAfterFailureMsMin;
    await expect(verifyAccessToken(token, options)).rejects.toBeInstanceOf(JwksUnavailableError);
    expect(keys.fetches).toBe(2);
    up = true;
    nowMs += jwksRetryAfterFailureMsMin;
    expect((await verifyAccessToken(token, options)).ok).toBe(true);
    expect(keys.fetches).toBe(3);
  });

  it('keeps verifying with cached keys while the issuer is down, and throws JwksUnavailableError for an unknown kid', async () => {
    const issuer = createTestTokenIssuer();
    let down = false;
    let nowMs = Date.now();
    const keys = new JwksKeyStore({
      url: 'https://tokens.settle.test/jwks.json',
      fetcher: async () => {
        if (down) throw new Error('connect ECONNREFUSED');
        return issuer.jwks();
      },
      clock: () => new Date(nowMs),
    });
    const options = { keys, issuer: issuer.issuer, audience: issuer.audience };
    expect((await verifyAccessToken(await issuer.tokenFor(device), options)).ok).toBe(true);
    down = true;
    nowMs += 11 * 60_000;
    expect(
      (
        await verifyAccessToken(
          await issuer.tokenFor(device, {
            iat: Math.floor(nowMs / 1000),
            nbf: Math.floor(nowMs / 1000),
            exp: Math.floor(nowMs / 1000) + 60,
          }),
          { ...options, clock: () => new Date(nowMs) },
        )
      ).ok,
    ).toBe(true);
    nowMs += jwksRefetchIntervalMsMin;
    const unknown = await issuer.sign(issuer.claims(device), { kid: 'new-kid' });
    await expect(verifyAccessToken(unknown, options)).rejects.toBeInstanceOf(JwksUnavailableError);
  });
});
