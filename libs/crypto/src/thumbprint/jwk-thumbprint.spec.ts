// RFC 7638 JWK thumbprints. Expected values: RFC 7638 §3.1 (RSA example), RFC 8037 App. A.3
// (Ed25519), RFC 9449 §5/§7.1 `jkt` of the DPoP proof key (P-256), via
// libs/crypto/vectors/rfc/jose-dpop-mtls-vectors.json (IETF Trust). Random keys are cross-checked
// against jose's calculateJwkThumbprint.
import * as jose from 'jose';
import fc from 'fast-check';
import { generateKeyPair } from '../keys/generate-key-pair';
import { readVectorFile } from '../testing/vectors';
import { calculateJwkThumbprint, calculateJwkThumbprintBytes } from './jwk-thumbprint';

interface RfcVectors {
  readonly rfc7638_jwk_thumbprint: {
    readonly jwk: Record<string, string>;
    readonly expectedSha256ThumbprintB64u: string;
  };
  readonly rfc8037_ed25519: {
    readonly privateJwk: Record<string, string>;
    readonly expectedThumbprintB64u: string;
  };
  readonly rfc9449_dpop: {
    readonly proofTokenRequest_fig2: { readonly jwt: string; readonly expectedJkt: string };
  };
}

const vectors = readVectorFile<RfcVectors>('rfc/jose-dpop-mtls-vectors.json');

describe('calculateJwkThumbprint', () => {
  it('gives the RFC 7638 §3.1 thumbprint of its RSA example, whatever alg and kid say', () => {
    const { jwk, expectedSha256ThumbprintB64u } = vectors.rfc7638_jwk_thumbprint;
    expect(calculateJwkThumbprint(jwk)).toBe(expectedSha256ThumbprintB64u);
    expect(calculateJwkThumbprint({ ...jwk, alg: 'PS256', kid: 'other' })).toBe(
      expectedSha256ThumbprintB64u,
    );
  });

  it('gives the RFC 8037 App. A.3 thumbprint of the Ed25519 key, from the private or the public JWK', () => {
    const { privateJwk, expectedThumbprintB64u } = vectors.rfc8037_ed25519;
    expect(calculateJwkThumbprint(privateJwk)).toBe(expectedThumbprintB64u);
    const { d: _d, ...publicJwk } = privateJwk;
    expect(calculateJwkThumbprint(publicJwk)).toBe(expectedThumbprintB64u);
  });

  it('gives the RFC 9449 jkt of the DPoP proof key (P-256)', () => {
    const { jwt, expectedJkt } = vectors.rfc9449_dpop.proofTokenRequest_fig2;
    const header = JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8')) as {
      jwk: Record<string, string>;
    };
    expect(calculateJwkThumbprint(header.jwk)).toBe(expectedJkt);
  });

  it('agrees with jose on generated keys, and its bytes form is the decoded string form', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('ES256' as const, 'EdDSA' as const), async (alg) => {
        const { publicJwk } = generateKeyPair(alg);
        const expected = await jose.calculateJwkThumbprint({ ...publicJwk }, 'sha256');
        expect(calculateJwkThumbprint(publicJwk)).toBe(expected);
        expect(Buffer.from(calculateJwkThumbprintBytes(publicJwk)).toString('base64url')).toBe(
          expected,
        );
      }),
      { numRuns: 20 },
    );
  });

  it('refuses malformed keys instead of hashing them (ERR_JWK_INVALID)', () => {
    const { publicJwk } = generateKeyPair('ES256');
    for (const jwk of [
      { ...publicJwk, x: `${publicJwk.x}=` },
      { ...publicJwk, y: undefined },
      { kty: 'RSA', n: 'AQAB' },
      { kty: 'oct', k: 'AAAA' },
    ]) {
      expect(() => calculateJwkThumbprint(jwk)).toThrow(
        expect.objectContaining({ code: 'ERR_JWK_INVALID' }),
      );
    }
  });
});
