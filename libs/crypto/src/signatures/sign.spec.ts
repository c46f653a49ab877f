// sign on both back ends. RFC 8037 App. A.4 (IETF Trust, via libs/crypto/vectors/rfc): Ed25519 is
// deterministic, so signing the JWS signing input with the RFC's key must give the RFC's signature.
import { type SignatureAlgorithm, signatureBackends } from '../algorithms';
import { generateKeyPair } from '../keys/generate-key-pair';
import { readVectorFile } from '../testing/vectors';
import { createSigner, sign } from './sign';
import { verifySignature } from './verify-signature';

interface RfcVectors {
  readonly rfc8037_ed25519: { readonly privateJwk: Record<string, string>; readonly jws: string };
}

const { privateJwk: rfcPrivateJwk, jws } = readVectorFile<RfcVectors>(
  'rfc/jose-dpop-mtls-vectors.json',
).rfc8037_ed25519;

describe.each(signatureBackends)('sign, %s back end', (backend) => {
  it('reproduces the RFC 8037 App. A.4 Ed25519 signature exactly', () => {
    const [header, payload, signature] = jws.split('.') as [string, string, string];
    const produced = sign({
      alg: 'EdDSA',
      privateJwk: rfcPrivateJwk,
      data: new TextEncoder().encode(`${header}.${payload}`),
      backend,
    });
    expect(Buffer.from(produced).toString('base64url')).toBe(signature);
  });

  it.each(['ES256', 'EdDSA'] as const)(
    'makes 64-byte %s signatures that both back ends verify',
    (alg) => {
      const { privateJwk, publicJwk } = generateKeyPair(alg);
      const data = new TextEncoder().encode('merchant approval');
      const signature = sign({ alg, privateJwk, data, backend });
      expect(signature).toHaveLength(64);
      expect(signature).toBeInstanceOf(Uint8Array);
      for (const verifier of signatureBackends)
        expect(verifySignature({ alg, jwk: publicJwk, data, signature, backend: verifier })).toBe(
          true,
        );
    },
  );

  it('refuses a public JWK, a mismatched pair, and a key of the other algorithm (ERR_JWK_INVALID)', () => {
    const { privateJwk, publicJwk } = generateKeyPair('ES256');
    const other = generateKeyPair('ES256').privateJwk;
    const data = new Uint8Array(0);
    for (const [alg, key] of [
      ['ES256', publicJwk],
      ['ES256', { ...privateJwk, d: other.d }],
      ['EdDSA', privateJwk],
    ] as const) {
      expect(() =>
        sign({ alg: alg as SignatureAlgorithm, privateJwk: key, data, backend }),
      ).toThrow(expect.objectContaining({ code: 'ERR_JWK_INVALID' }));
      expect(() =>
        createSigner({ alg: alg as SignatureAlgorithm, privateJwk: key, backend }),
      ).toThrow(expect.objectContaining({ code: 'ERR_JWK_INVALID' }));
    }
  });

  it.each(['ES256', 'EdDSA'] as const)(
    'createSigner checks the %s key once and signs like sign, call after call',
    (alg) => {
      const { privateJwk, publicJwk } = generateKeyPair(alg);
      const signWith = createSigner({ alg, privateJwk, backend });
      for (const text of ['receipt 1', 'receipt 2', '']) {
        const data = new TextEncoder().encode(text);
        const signature = signWith(data);
        expect(signature).toHaveLength(64);
        for (const verifier of signatureBackends)
          expect(verifySignature({ alg, jwk: publicJwk, data, signature, backend: verifier })).toBe(
            true,
          );
        if (backend === 'noble' || alg === 'EdDSA')
          expect(signature).toEqual(sign({ alg, privateJwk, data, backend }));
      }
      expect(() => signWith('not bytes' as unknown as Uint8Array)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
      );
    },
  );
});

it('noble signs ES256 deterministically with a low s (RFC 6979); OpenSSL does not', () => {
  const { privateJwk } = generateKeyPair('ES256');
  const data = new Uint8Array([1, 2, 3]);
  expect(sign({ alg: 'ES256', privateJwk, data, backend: 'noble' })).toEqual(
    sign({ alg: 'ES256', privateJwk, data, backend: 'noble' }),
  );
  expect(sign({ alg: 'ES256', privateJwk, data, backend: 'native' })).not.toEqual(
    sign({ alg: 'ES256', privateJwk, data, backend: 'native' }),
  );
});
