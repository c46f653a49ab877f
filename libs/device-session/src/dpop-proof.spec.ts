import { createHash } from 'node:crypto';
import {
  EmbeddedJWK,
  type JWK,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from 'jose';
import { createDpopProof } from './dpop-proof';

describe('createDpopProof', () => {
  let privateJwk: JWK;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateJwk = await exportJWK(pair.privateKey);
  });

  it('makes an RFC 9449 proof jose verifies with the embedded public key', async () => {
    const now = new Date('2026-11-28T12:00:00.000Z');
    const proof = await createDpopProof({
      privateJwk,
      htm: 'POST',
      htu: 'https://tokens.example/v1/sessions',
      now,
      jti: 'j1',
    });
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ['ES256'],
      currentDate: now,
    });
    expect(payload).toEqual({
      htm: 'POST',
      htu: 'https://tokens.example/v1/sessions',
      jti: 'j1',
      iat: 1_795_867_200,
    });
    expect(protectedHeader).toEqual({
      alg: 'ES256',
      typ: 'dpop+jwt',
      jwk: { kty: 'EC', crv: 'P-256', x: privateJwk.x, y: privateJwk.y },
    });
    expect(await calculateJwkThumbprint(protectedHeader.jwk!)).toBe(
      await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: privateJwk.x!, y: privateJwk.y! }),
    );
  });

  it('adds ath (SHA-256 of the access token) and the server nonce when given, and a new jti each time', async () => {
    const first = await createDpopProof({
      privateJwk,
      htm: 'GET',
      htu: 'https://api.example/x',
      accessToken: 'a.b.c',
      nonce: 'n-1',
    });
    const second = await createDpopProof({ privateJwk, htm: 'GET', htu: 'https://api.example/x' });
    const { payload } = await jwtVerify(first, EmbeddedJWK, { typ: 'dpop+jwt' });
    expect(payload).toMatchObject({
      ath: createHash('sha256').update('a.b.c').digest('base64url'),
      nonce: 'n-1',
    });
    expect(payload.jti).not.toBe((await jwtVerify(second, EmbeddedJWK)).payload.jti);
  });

  it('refuses a public key (no d)', async () => {
    const { d: _d, ...publicJwk } = privateJwk;
    await expect(
      createDpopProof({ privateJwk: publicJwk, htm: 'GET', htu: 'https://api.example/x' }),
    ).rejects.toThrow(TypeError);
  });
});
