import { createHmac } from 'node:crypto';
import { base64UrlEncode } from '@settle/crypto';
import { createDpopProof, createTestBindingKey } from '../testing';
import { DpopNonces, dpopNonceLifetimeSeconds, dpopNonceRenewAfterSeconds } from './dpop-nonce';
import { InMemoryDpopReplayCache } from './dpop-replay-cache';
import {
  accessTokenHash,
  dpopProofAgeSecondsMax,
  dpopProofFutureSkewSeconds,
  normalizeHtu,
  verifyDpopProof,
} from './verify-dpop-proof';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const nonces = new DpopNonces([secret]);
const url = 'https://api.settle.test/v1/uploads';
const accessToken = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

describe('DpopNonces', () => {
  it('issues nonces any replica with the secret accepts, fresh then renew then stale', () => {
    const issued = nonces.issue(1_000_000);
    const otherReplica = new DpopNonces([secret]);
    expect(otherReplica.check(issued, 1_000_000)).toBe('fresh');
    expect(otherReplica.check(issued, 1_000_000 + dpopNonceRenewAfterSeconds + 1)).toBe('renew');
    expect(otherReplica.check(issued, 1_000_000 + dpopNonceLifetimeSeconds + 1)).toBe('stale');
    expect(otherReplica.check(issued, 1_000_000 - 60)).toBe('stale');
  });

  it('refuses nonces of another secret, tampered ones and garbage; accepts the previous secret during rotation', () => {
    const issued = nonces.issue(1_000_000);
    expect(
      new DpopNonces(['another-secret-that-is-long-enough-012345']).check(issued, 1_000_000),
    ).toBe('invalid');
    const rotated = new DpopNonces(['the-new-secret-that-is-long-enough-012345', secret]);
    expect(rotated.check(issued, 1_000_000)).toBe('fresh');
    const bytes = Buffer.from(issued, 'base64url');
    bytes[8] = bytes[8]! ^ 1;
    expect(nonces.check(bytes.toString('base64url'), 1_000_000)).toBe('invalid');
    expect(nonces.check('nonce', 1_000_000)).toBe('invalid');
    expect(() => new DpopNonces(['short'])).toThrow();
  });
});

describe('verifyDpopProof, a jwk off the curve', () => {
  it('is DPOP_PROOF_INVALID, not an exception (which answered 500)', async () => {
    const bindingKey = createTestBindingKey();
    const y = Buffer.from(bindingKey.publicJwk.y, 'base64url');
    y[31] = y[31]! ^ 1;
    const proof = await createDpopProof({
      bindingKey,
      method: 'POST',
      url,
      accessToken,
      header: {
        jwk: { kty: 'EC', crv: 'P-256', x: bindingKey.publicJwk.x, y: y.toString('base64url') },
      },
    });
    expect(
      await verifyDpopProof({ proof, accessToken, method: 'POST', url, nonces: null }),
    ).toMatchObject({ ok: false, code: 'DPOP_PROOF_INVALID', reason: 'ERR_JWS_INVALID' });
  });
});

describe('normalizeHtu', () => {
  it('drops query, fragment and default port; lower-cases scheme and host (RFC 9449 §4.3)', () => {
    expect(normalizeHtu('HTTPS://API.Settle.test:443/v1/uploads?x=1#y')).toBe(
      'https://api.settle.test/v1/uploads',
    );
    expect(normalizeHtu('https://api.settle.test:8443/v1/Uploads')).toBe(
      'https://api.settle.test:8443/v1/Uploads',
    );
    expect(normalizeHtu('not a url')).toBeNull();
    expect(normalizeHtu('ftp://api.settle.test/')).toBeNull();
  });
});

describe('verifyDpopProof', () => {
  const device = createTestBindingKey();
  const nowSeconds = Math.floor(Date.now() / 1000);
  const nonce = nonces.issue(nowSeconds);
  const check = (proof: string | undefined, overrides: { method?: string; url?: string } = {}) =>
    verifyDpopProof({
      proof,
      accessToken,
      method: overrides.method ?? 'POST',
      url: overrides.url ?? url,
      nonces,
    });
  const proof = (overrides: Partial<Parameters<typeof createDpopProof>[0]> = {}) =>
    createDpopProof({ bindingKey: device, method: 'POST', url, accessToken, nonce, ...overrides });

  it('accepts a proof and names its key thumbprint and jti', async () => {
    const result = await check(
      await proof({ jti: 'jti-1', url: 'https://API.settle.test/v1/uploads?page=2' }),
    );
    expect(result).toMatchObject({
      ok: true,
      keyThumbprint: device.keyId,
      jti: 'jti-1',
      renewNonce: false,
    });
  });

  it('rejects a missing proof, another method, another URL, another access token', async () => {
    expect(await check(undefined)).toMatchObject({ code: 'DPOP_PROOF_MISSING' });
    expect(await check(await proof(), { method: 'GET' })).toMatchObject({
      code: 'DPOP_PROOF_INVALID',
      reason: 'htm',
    });
    expect(await check(await proof({ url: 'https://api.settle.test/v1/payouts' }))).toMatchObject({
      code: 'DPOP_PROOF_INVALID',
      reason: 'htu',
    });
    expect(await check(await proof({ url: 'https://evil.example/v1/uploads' }))).toMatchObject({
      code: 'DPOP_PROOF_INVALID',
      reason: 'htu',
    });
    expect(
      await check(await proof({ claims: { ath: accessTokenHash('another-token') } })),
    ).toMatchObject({ code: 'DPOP_PROOF_INVALID', reason: 'ath' });
    expect(await check(await proof({ claims: { ath: undefined } }))).toMatchObject({
      code: 'DPOP_PROOF_INVALID',
      reason: 'ath',
    });
  });

  it(`accepts iat from ${dpopProofAgeSecondsMax} s ago to ${dpopProofFutureSkewSeconds} s ahead, nothing outside`, async () => {
    expect((await check(await proof({ iat: nowSeconds - dpopProofAgeSecondsMax + 2 }))).ok).toBe(
      true,
    );
    expect(
      await check(await proof({ iat: nowSeconds - dpopProofAgeSecondsMax - 2 })),
    ).toMatchObject({ code: 'DPOP_PROOF_INVALID', reason: 'iat' });
    expect(
      (await check(await proof({ iat: nowSeconds + dpopProofFutureSkewSeconds - 2 }))).ok,
    ).toBe(true);
    expect(
      await check(await proof({ iat: nowSeconds + dpopProofFutureSkewSeconds + 2 })),
    ).toMatchObject({ code: 'DPOP_PROOF_INVALID', reason: 'iat' });
  });

  it('asks for a nonce when it is missing, stale or not ours', async () => {
    expect(await check(await proof({ nonce: undefined }))).toMatchObject({
      code: 'DPOP_NONCE_REQUIRED',
      reason: 'nonce missing',
    });
    expect(
      await check(await proof({ nonce: nonces.issue(nowSeconds - dpopNonceLifetimeSeconds - 10) })),
    ).toMatchObject({ code: 'DPOP_NONCE_REQUIRED', reason: 'nonce stale' });
    expect(await check(await proof({ nonce: 'made-up' }))).toMatchObject({
      code: 'DPOP_NONCE_REQUIRED',
      reason: 'nonce invalid',
    });
    expect(
      await check(
        await proof({ nonce: nonces.issue(nowSeconds - dpopNonceRenewAfterSeconds - 10) }),
      ),
    ).toMatchObject({ ok: true, renewNonce: true });
  });

  it('rejects a wrong typ, a private key in the header, another key than the signer, and HMAC', async () => {
    expect(await check(await proof({ header: { typ: 'JWT' } }))).toMatchObject({
      code: 'DPOP_PROOF_INVALID',
    });
    expect(await check(await proof({ header: { jwk: { ...device.privateJwk } } }))).toMatchObject({
      code: 'DPOP_PROOF_INVALID',
      reason: 'ERR_JWS_INVALID',
    });
    const other = createTestBindingKey();
    expect(
      await check(
        await proof({
          header: { jwk: { kty: 'EC', crv: 'P-256', x: other.publicJwk.x, y: other.publicJwk.y } },
        }),
      ),
    ).toMatchObject({
      code: 'DPOP_PROOF_INVALID',
      reason: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
    const header = base64UrlEncode(
      new TextEncoder().encode(
        JSON.stringify({ alg: 'HS256', typ: 'dpop+jwt', jwk: device.publicJwk }),
      ),
    );
    const body = base64UrlEncode(
      new TextEncoder().encode(
        JSON.stringify({
          jti: 'x',
          htm: 'POST',
          htu: url,
          iat: nowSeconds,
          nonce,
          ath: accessTokenHash(accessToken),
        }),
      ),
    );
    const mac = createHmac('sha256', device.publicJwk.x)
      .update(`${header}.${body}`)
      .digest('base64url');
    expect(await check(`${header}.${body}.${mac}`)).toMatchObject({
      code: 'DPOP_PROOF_INVALID',
      reason: 'ERR_JOSE_ALG_NOT_ALLOWED',
    });
  });
});

describe('InMemoryDpopReplayCache', () => {
  it('accepts a jti once until it expires', async () => {
    let nowMs = 0;
    const cache = new InMemoryDpopReplayCache(() => nowMs);
    expect(await cache.remember('key', 'jti', new Date(1_000))).toBe(true);
    expect(await cache.remember('key', 'jti', new Date(1_000))).toBe(false);
    expect(await cache.remember('other-key', 'jti', new Date(1_000))).toBe(true);
    nowMs = 2_000;
    expect(await cache.remember('key', 'jti', new Date(3_000))).toBe(true);
  });
});
