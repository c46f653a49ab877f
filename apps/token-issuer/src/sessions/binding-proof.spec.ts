import { createDpopProof } from '@settle/device-session';
import { generateKeyPair, calculateJwkThumbprint } from '@settle/crypto';
import {
  DpopNonces,
  dpopProofAgeSecondsMax,
  dpopProofFutureSkewSeconds,
  verifyDpopProof as verifyDpopProofAsGuard,
} from '@settle/resource-guard';
import { createHash } from 'node:crypto';
import { type JWK } from 'jose';
import { verifyDpopBindingProof, verifyTokenBindingProof } from './binding-proof';

describe('verifyDpopBindingProof', () => {
  const { privateJwk, publicJwk } = generateKeyPair('ES256');
  const now = new Date('2026-11-28T12:00:00.000Z');
  const url = 'https://tokens.example/v1/sessions';
  const proof = (overrides: Partial<Parameters<typeof createDpopProof>[0]> = {}) =>
    createDpopProof({ privateJwk: privateJwk as JWK, htm: 'POST', htu: url, now, ...overrides });
  const verify = async (
    value: string,
    overrides: Partial<Parameters<typeof verifyDpopBindingProof>[0]> = {},
  ) => verifyDpopBindingProof({ proof: value, method: 'POST', url, now, ...overrides });

  it('accepts a proof for this method and URL, and names the key by its thumbprint', async () => {
    const result = await verify(await proof({ jti: 'j1' }));
    expect(result).toEqual({
      ok: true,
      key: {
        mode: 'dpop',
        keyId: calculateJwkThumbprint(publicJwk),
        x: (publicJwk as { x: string }).x,
        y: (publicJwk as { y: string }).y,
        tokenBindingIdHash: null,
        dpopJti: 'j1',
        // Remembered as long as the guard remembers a proof id: past it, the iat window refuses the proof.
        dpopRememberUntil: new Date(
          now.getTime() + (dpopProofAgeSecondsMax + dpopProofFutureSkewSeconds + 1) * 1000,
        ),
      },
    });
  });

  it('ignores query and fragment of htu (RFC 9449 §4.3)', async () => {
    expect((await verify(await proof({ htu: `${url}?a=1#x` }))).ok).toBe(true);
  });

  it.each<[string, () => Promise<string>, Partial<Parameters<typeof verifyDpopBindingProof>[0]>]>([
    ['another method', () => proof({ htm: 'GET' }), {}],
    ['another URL', () => proof({ htu: 'https://elsewhere.example/v1/sessions' }), {}],
    ['an old iat', () => proof({ now: new Date(now.getTime() - 3 * 60_000) }), {}],
    ['an iat in the future', () => proof({ now: new Date(now.getTime() + 2 * 60_000) }), {}],
    ['a missing ath when a token is presented', () => proof(), { accessToken: 'a.b.c' }],
    ['an ath of another token', () => proof({ accessToken: 'x.y.z' }), { accessToken: 'a.b.c' }],
    [
      'a plain JWT (typ)',
      async () =>
        (await proof()).replace(
          /^[^.]+/,
          Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT', jwk: publicJwk })).toString(
            'base64url',
          ),
        ),
      {},
    ],
    ['garbage', async () => 'not.a.jwt', {}],
  ])('refuses %s', async (_name, make, overrides) => {
    const result = await verify(await make(), overrides);
    expect(result).toMatchObject({
      ok: false,
      refusal: { code: 'DPOP_PROOF_INVALID', field: 'headers.dpop' },
    });
  });

  it('accepts ath, the base64url SHA-256 of the access token', async () => {
    const accessToken = 'a.b.c';
    expect(createHash('sha256').update(accessToken).digest('base64url')).toHaveLength(43);
    expect((await verify(await proof({ accessToken }), { accessToken })).ok).toBe(true);
  });

  // Issue 13 §3 / issue 16 §3: the issuer had its own copy whose window was 60 s + the configured skew
  // (60 s) either side, and whose length limit was 4 096 characters, so it accepted proofs that every
  // resource server refuses. Now both give one verdict.
  it.each([
    { name: '59 s old', offsetMs: -59_000, accepted: true },
    { name: '100 s old', offsetMs: -100_000, accepted: false },
    { name: '29 s ahead', offsetMs: 29_000, accepted: true },
    { name: '45 s ahead', offsetMs: 45_000, accepted: false },
    { name: 'of 3 000 characters', offsetMs: 0, accepted: false, paddedLength: 3_000 },
  ])('gives the guard’s verdict on a proof $name', async ({ offsetMs, accepted, paddedLength }) => {
    const nonces = new DpopNonces(['a-test-secret-of-at-least-32-characters']);
    const make = async (nonce?: string) => {
      const value = await proof({
        now: new Date(now.getTime() + offsetMs),
        accessToken: 'a.b.c',
        ...(nonce === undefined ? {} : { nonce }),
      });
      return paddedLength === undefined ? value : value.padEnd(paddedLength, 'A');
    };
    const asGuard = await verifyDpopProofAsGuard({
      proof: await make(nonces.issue(Math.floor(now.getTime() / 1000))),
      accessToken: 'a.b.c',
      method: 'POST',
      url,
      nonces,
      clock: () => now,
    });
    const asIssuer = await verify(await make(), { accessToken: 'a.b.c' });
    expect([asIssuer.ok, asGuard.ok]).toEqual([accepted, accepted]);
  });
});

describe('verifyTokenBindingProof', () => {
  it('needs a TLS 1.3 connection to the issuer', () => {
    expect(verifyTokenBindingProof('AAAA', { remoteAddress: '127.0.0.1' })).toEqual({
      ok: false,
      refusal: {
        code: 'TLS_REQUIRED',
        field: 'headers.sec-token-binding',
        reason: expect.any(String),
      },
    });
  });
});
