// verifySignature on both back ends. RFC vectors (IETF Trust), via
// libs/crypto/vectors/rfc/jose-dpop-mtls-vectors.json: RFC 8037 App. A.4 (Ed25519 JWS), RFC 7515
// App. A.3 (ES256 JWS, high s), RFC 9449 §4.2/§7 figures 2 and 13 (DPoP proofs, high s). A JWS
// signature covers the ASCII of `header.payload`; its ES256 signature is already raw r‖s.
import * as jose from 'jose';
import fc from 'fast-check';
import { p256 } from '@noble/curves/nist.js';
import { type SignatureAlgorithm, type SignatureBackend, signatureBackends } from '../algorithms';
import { type CryptoErrorCode } from '../errors';
import { generateKeyPair } from '../keys/generate-key-pair';
import { type JwkInput, type PublicJwk } from '../keys/jwk';
import { publicKeyCacheEntriesMax } from '../limits';
import { readVectorFile } from '../testing/vectors';
import { nativePublicKeyCache } from './native-backend';
import { noblePublicKeyCache } from './noble-backend';
import { sign } from './sign';
import { verifySignature } from './verify-signature';

interface RfcVectors {
  readonly rfc8037_ed25519: { readonly privateJwk: Record<string, string>; readonly jws: string };
  readonly rfc7515_A3_es256: { readonly publicJwk: PublicJwk; readonly jws: string };
  readonly rfc9449_dpop: Record<
    'proofTokenRequest_fig2' | 'proofResourceRequest_fig13',
    { readonly jwt: string }
  >;
}

const vectors = readVectorFile<RfcVectors>('rfc/jose-dpop-mtls-vectors.json');
const curveOrder = p256.Point.Fn.ORDER;
const ascii = (text: string) => new TextEncoder().encode(text);

function jwsParts(jws: string): {
  signingInput: Uint8Array;
  signature: Uint8Array;
  header: Record<string, unknown>;
} {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  return {
    signingInput: ascii(`${header}.${payload}`),
    signature: new Uint8Array(Buffer.from(signature, 'base64url')),
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >,
  };
}

function sIsHigh(signature: Uint8Array): boolean {
  return BigInt(`0x${Buffer.from(signature.subarray(32)).toString('hex')}`) > curveOrder >> 1n;
}

/** The other valid form of an ES256 signature: (r, n - s). */
function withOtherS(signature: Uint8Array): Uint8Array {
  const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString('hex')}`);
  const flipped = Buffer.from((curveOrder - s).toString(16).padStart(64, '0'), 'hex');
  return Uint8Array.from([...signature.subarray(0, 32), ...flipped]);
}

function codeOf(action: () => unknown): CryptoErrorCode | 'no error' | 'untyped error' {
  try {
    action();
    return 'no error';
  } catch (error) {
    return error instanceof Error && error.name === 'CryptoError'
      ? (error as Error & { code: CryptoErrorCode }).code
      : 'untyped error';
  }
}

const rfc8037PublicJwk: JwkInput = (({ d: _d, ...rest }) => rest)(
  vectors.rfc8037_ed25519.privateJwk,
);

describe.each(signatureBackends)('verifySignature, %s back end', (backend: SignatureBackend) => {
  describe('RFC vectors', () => {
    it('verifies the RFC 8037 App. A.4 Ed25519 JWS, and not a tampered one', () => {
      const { signingInput, signature } = jwsParts(vectors.rfc8037_ed25519.jws);
      expect(
        verifySignature({
          alg: 'EdDSA',
          jwk: rfc8037PublicJwk,
          data: signingInput,
          signature,
          backend,
        }),
      ).toBe(true);
      expect(
        verifySignature({
          alg: 'EdDSA',
          jwk: rfc8037PublicJwk,
          data: ascii('tampered'),
          signature,
          backend,
        }),
      ).toBe(false);
    });

    it('verifies the RFC 7515 App. A.3 ES256 JWS, whose s is high, and its low-s twin', () => {
      const { publicJwk, jws } = vectors.rfc7515_A3_es256;
      const { signingInput, signature } = jwsParts(jws);
      expect(sIsHigh(signature)).toBe(true);
      expect(
        verifySignature({ alg: 'ES256', jwk: publicJwk, data: signingInput, signature, backend }),
      ).toBe(true);
      expect(
        verifySignature({
          alg: 'ES256',
          jwk: publicJwk,
          data: signingInput,
          signature: withOtherS(signature),
          backend,
        }),
      ).toBe(true);
    });

    it.each(['proofTokenRequest_fig2', 'proofResourceRequest_fig13'] as const)(
      'verifies the RFC 9449 DPoP proof %s (high s)',
      (figure) => {
        const { signingInput, signature, header } = jwsParts(vectors.rfc9449_dpop[figure].jwt);
        expect(sIsHigh(signature)).toBe(true);
        expect(
          verifySignature({
            alg: 'ES256',
            jwk: header['jwk'] as JwkInput,
            data: signingInput,
            signature,
            backend,
          }),
        ).toBe(true);
      },
    );
  });

  describe('malformed signatures give false', () => {
    const { privateJwk, publicJwk } = generateKeyPair('ES256');
    const data = ascii('payment');
    const good = sign({ alg: 'ES256', privateJwk, data, backend });
    const scalar = (value: bigint) => Buffer.from(value.toString(16).padStart(64, '0'), 'hex');

    it.each<[string, Uint8Array]>([
      ['empty', new Uint8Array(0)],
      ['63 bytes', good.subarray(0, 63)],
      ['65 bytes', Uint8Array.from([...good, 0])],
      ['DER instead of raw', Buffer.from(p256.Signature.fromBytes(good).toBytes('der'))],
      ['all zeros', new Uint8Array(64)],
      ['r = 0', Uint8Array.from([...scalar(0n), ...good.subarray(32)])],
      ['r = n', Uint8Array.from([...scalar(curveOrder), ...good.subarray(32)])],
      ['s = n', Uint8Array.from([...good.subarray(0, 32), ...scalar(curveOrder)])],
      ['all ones', new Uint8Array(64).fill(0xff)],
    ])('%s', (_what, signature) => {
      expect(verifySignature({ alg: 'ES256', jwk: publicJwk, data, signature, backend })).toBe(
        false,
      );
      expect(
        verifySignature({ alg: 'ES256', jwk: publicJwk, data, signature: good, backend }),
      ).toBe(true);
    });

    it('an Ed25519 signature with s ≥ L or of the wrong length', () => {
      const edKeys = generateKeyPair('EdDSA');
      const edSignature = sign({ alg: 'EdDSA', privateJwk: edKeys.privateJwk, data, backend });
      const order = 2n ** 252n + 27742317777372353535851937790883648493n;
      const s = BigInt(`0x${Buffer.from(edSignature.subarray(32)).reverse().toString('hex')}`);
      const sPlusL = Buffer.from((s + order).toString(16).padStart(64, '0'), 'hex').reverse();
      expect(
        verifySignature({
          alg: 'EdDSA',
          jwk: edKeys.publicJwk,
          data,
          signature: Uint8Array.from([...edSignature.subarray(0, 32), ...sPlusL]),
          backend,
        }),
      ).toBe(false);
      expect(
        verifySignature({
          alg: 'EdDSA',
          jwk: edKeys.publicJwk,
          data,
          signature: edSignature.subarray(0, 63),
          backend,
        }),
      ).toBe(false);
      expect(
        verifySignature({
          alg: 'EdDSA',
          jwk: edKeys.publicJwk,
          data,
          signature: edSignature,
          backend,
        }),
      ).toBe(true);
    });
  });

  describe('malformed keys and arguments throw typed errors', () => {
    const { publicJwk, privateJwk } = generateKeyPair('ES256');
    const signature = new Uint8Array(64);
    const data = new Uint8Array(1);
    it.each<[string, () => unknown, CryptoErrorCode]>([
      [
        'a private JWK',
        () => verifySignature({ alg: 'ES256', jwk: privateJwk, data, signature, backend }),
        'ERR_JWK_INVALID',
      ],
      [
        'a point not on the curve',
        () =>
          verifySignature({
            alg: 'ES256',
            jwk: { ...publicJwk, y: publicJwk.x },
            data,
            signature,
            backend,
          }),
        'ERR_JWK_INVALID',
      ],
      [
        'a key of the other algorithm',
        () => verifySignature({ alg: 'EdDSA', jwk: publicJwk, data, signature, backend }),
        'ERR_JWK_INVALID',
      ],
      [
        'a wrong crv',
        () =>
          verifySignature({
            alg: 'ES256',
            jwk: { ...publicJwk, crv: 'P-384' },
            data,
            signature,
            backend,
          }),
        'ERR_JWK_INVALID',
      ],
      [
        'no JWK at all',
        () =>
          verifySignature({
            alg: 'ES256',
            jwk: undefined as unknown as JwkInput,
            data,
            signature,
            backend,
          }),
        'ERR_JWK_INVALID',
      ],
      [
        'alg ES384',
        () =>
          verifySignature({
            alg: 'ES384' as SignatureAlgorithm,
            jwk: publicJwk,
            data,
            signature,
            backend,
          }),
        'ERR_ALG_NOT_SUPPORTED',
      ],
      [
        'alg none',
        () =>
          verifySignature({
            alg: 'none' as SignatureAlgorithm,
            jwk: publicJwk,
            data,
            signature,
            backend,
          }),
        'ERR_ALG_NOT_SUPPORTED',
      ],
      [
        'data as a string',
        () =>
          verifySignature({
            alg: 'ES256',
            jwk: publicJwk,
            data: 'x' as unknown as Uint8Array,
            signature,
            backend,
          }),
        'ERR_INVALID_ARGUMENT',
      ],
      [
        'signature as an array',
        () =>
          verifySignature({
            alg: 'ES256',
            jwk: publicJwk,
            data,
            signature: [1] as unknown as Uint8Array,
            backend,
          }),
        'ERR_INVALID_ARGUMENT',
      ],
    ])('%s', (_what, action, code) => {
      expect(codeOf(action)).toBe(code);
    });

    it('checks the shape of a key it has cached on every call', () => {
      const { privateJwk: cachedPrivate, publicJwk: cachedPublic } = generateKeyPair('EdDSA');
      const edSignature = sign({ alg: 'EdDSA', privateJwk: cachedPrivate, data, backend });
      expect(
        verifySignature({ alg: 'EdDSA', jwk: cachedPublic, data, signature: edSignature, backend }),
      ).toBe(true);
      expect(
        codeOf(() =>
          verifySignature({
            alg: 'EdDSA',
            jwk: cachedPrivate,
            data,
            signature: edSignature,
            backend,
          }),
        ),
      ).toBe('ERR_JWK_INVALID');
      expect(
        codeOf(() =>
          verifySignature({
            alg: 'EdDSA',
            jwk: { ...cachedPublic, use: 'enc' },
            data,
            signature: edSignature,
            backend,
          }),
        ),
      ).toBe('ERR_JWK_INVALID');
    });
  });
});

it('rejects an unknown back end with ERR_INVALID_ARGUMENT', () => {
  const { publicJwk } = generateKeyPair('ES256');
  expect(
    codeOf(() =>
      verifySignature({
        alg: 'ES256',
        jwk: publicJwk,
        data: new Uint8Array(0),
        signature: new Uint8Array(64),
        backend: 'openssl' as SignatureBackend,
      }),
    ),
  ).toBe('ERR_INVALID_ARGUMENT');
});

it('accepts Buffers as data and signature', () => {
  const { publicJwk, privateJwk } = generateKeyPair('ES256');
  const signature = sign({ alg: 'ES256', privateJwk, data: Buffer.from('hi'), backend: 'native' });
  for (const backend of signatureBackends) {
    expect(
      verifySignature({
        alg: 'ES256',
        jwk: publicJwk,
        data: Buffer.from('hi'),
        signature: Buffer.from(signature),
        backend,
      }),
    ).toBe(true);
  }
});

describe('high-s ES256 signatures', () => {
  it('verify on both back ends in both forms: signature bytes are never an identity', () => {
    const { privateJwk, publicJwk } = generateKeyPair('ES256');
    const data = ascii('offline transaction');
    const lowS = sign({ alg: 'ES256', privateJwk, data, backend: 'noble' });
    const highS = withOtherS(lowS);
    expect(sIsHigh(lowS)).toBe(false);
    expect(sIsHigh(highS)).toBe(true);
    for (const backend of signatureBackends) {
      expect(
        verifySignature({ alg: 'ES256', jwk: publicJwk, data, signature: lowS, backend }),
      ).toBe(true);
      expect(
        verifySignature({ alg: 'ES256', jwk: publicJwk, data, signature: highS, backend }),
      ).toBe(true);
    }
    // Why the noble back end passes lowS: false: noble's strict mode rejects half of all honest signatures.
    const point = Buffer.from(uncompressedPoint(publicJwk), 'hex');
    expect(p256.verify(highS, data, point, { prehash: true, lowS: true, format: 'compact' })).toBe(
      false,
    );
    expect(p256.verify(highS, data, point, { prehash: true, lowS: false, format: 'compact' })).toBe(
      true,
    );
  });
});

function uncompressedPoint(jwk: PublicJwk): string {
  if (jwk.kty !== 'EC') throw new Error('EC only');
  return `04${Buffer.from(jwk.x, 'base64url').toString('hex')}${Buffer.from(jwk.y, 'base64url').toString('hex')}`;
}

describe('property: generated keys, random messages', () => {
  const algorithms = fc.constantFrom<SignatureAlgorithm>('ES256', 'EdDSA');

  it('a signature from either back end verifies on both, and any flipped bit fails on both', () => {
    fc.assert(
      fc.property(
        algorithms,
        fc.constantFrom(...signatureBackends),
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(),
        fc.boolean(),
        (alg, signer, data, bitSeed, flipInSignature) => {
          const { privateJwk, publicJwk } = generateKeyPair(alg);
          const signature = sign({ alg, privateJwk, data, backend: signer });
          const target = flipInSignature || data.length === 0 ? signature.slice() : data.slice();
          const bit = bitSeed % (target.length * 8);
          target[bit >> 3]! ^= 1 << (bit & 7);
          const [tamperedData, tamperedSignature] =
            flipInSignature || data.length === 0 ? [data, target] : [target, signature];
          for (const backend of signatureBackends) {
            expect(verifySignature({ alg, jwk: publicJwk, data, signature, backend })).toBe(true);
            expect(
              verifySignature({
                alg,
                jwk: publicJwk,
                data: tamperedData,
                signature: tamperedSignature,
                backend,
              }),
            ).toBe(false);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('what this library signs, jose verifies as a JWS', async () => {
    await fc.assert(
      fc.asyncProperty(
        algorithms,
        fc.constantFrom(...signatureBackends),
        fc.string(),
        async (alg, backend, text) => {
          const { privateJwk, publicJwk } = generateKeyPair(alg);
          const signingInput = `${Buffer.from(JSON.stringify({ alg })).toString('base64url')}.${Buffer.from(text).toString('base64url')}`;
          const signature = sign({ alg, privateJwk, data: ascii(signingInput), backend });
          const jws = `${signingInput}.${Buffer.from(signature).toString('base64url')}`;
          const { payload } = await jose.compactVerify(
            jws,
            await jose.importJWK({ ...publicJwk }, alg),
          );
          expect(Buffer.from(payload).toString()).toBe(Buffer.from(text).toString());
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('public key caches', () => {
  it('stay within publicKeyCacheEntriesMax', () => {
    for (const cache of [nativePublicKeyCache, noblePublicKeyCache])
      expect(cache.size).toBeLessThanOrEqual(publicKeyCacheEntriesMax);
    expect(nativePublicKeyCache.size).toBeGreaterThan(0);
    expect(noblePublicKeyCache.size).toBeGreaterThan(0);
  });
});
