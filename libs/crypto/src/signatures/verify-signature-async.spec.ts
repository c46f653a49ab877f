// verifySignatureAsync against verifySignature: the same outcome on every Wycheproof case (P-256
// raw and DER-converted, Ed25519) and every RFC vector the synchronous form is tested with, on both
// back ends; the same typed errors, as rejections; and correct results when many run at once in
// the threadpool.
import { type SignatureAlgorithm, type SignatureBackend, signatureBackends } from '../algorithms';
import { type CryptoErrorCode, isCryptoError } from '../errors';
import { generateKeyPair } from '../keys/generate-key-pair';
import { type JwkInput, type PublicJwk } from '../keys/jwk';
import {
  type WycheproofEcdsaGroup,
  type WycheproofEddsaGroup,
  type WycheproofFile,
  hex,
  readVectorFile,
  wycheproofCoordinateToBase64Url,
} from '../testing/vectors';
import { ecdsaDerToRaw } from './ecdsa-der';
import { sign } from './sign';
import { type VerifySignatureInput, verifySignature } from './verify-signature';
import { verifySignatureAsync } from './verify-signature-async';

interface VectorCase {
  readonly name: string;
  readonly input: Omit<VerifySignatureInput, 'backend'>;
  /** Wycheproof's verdict, where it gives one. */
  readonly expected?: boolean;
}

function ecdsaJwk(group: WycheproofEcdsaGroup): JwkInput {
  return {
    kty: 'EC',
    crv: 'P-256',
    x: wycheproofCoordinateToBase64Url(group.publicKey.wx),
    y: wycheproofCoordinateToBase64Url(group.publicKey.wy),
  };
}

/** Every case of a Wycheproof file; DER signatures that are not strict DER are left out (the conversion refuses them before any verification). */
function wycheproofCases<Group extends WycheproofEcdsaGroup | WycheproofEddsaGroup>(
  file: string,
  alg: SignatureAlgorithm,
  jwkOf: (group: Group) => JwkInput,
  signatureOf: (sig: string) => Uint8Array,
): VectorCase[] {
  const vectors = readVectorFile<WycheproofFile<Group>>(file);
  return vectors.testGroups.flatMap((group) =>
    group.tests.flatMap((testCase) => {
      let signature: Uint8Array;
      try {
        signature = signatureOf(testCase.sig);
      } catch (error) {
        if (isCryptoError(error, 'ERR_ECDSA_SIGNATURE_ENCODING_INVALID')) return [];
        throw error;
      }
      const expected = testCase.result === 'acceptable' ? undefined : testCase.result === 'valid';
      return [
        {
          name: `${file} tcId ${testCase.tcId}`,
          input: { alg, jwk: jwkOf(group), data: hex(testCase.msg), signature },
          ...(expected === undefined ? {} : { expected }),
        },
      ];
    }),
  );
}

interface RfcVectors {
  readonly rfc8037_ed25519: { readonly privateJwk: Record<string, string>; readonly jws: string };
  readonly rfc7515_A3_es256: { readonly publicJwk: PublicJwk; readonly jws: string };
  readonly rfc9449_dpop: Record<
    'proofTokenRequest_fig2' | 'proofResourceRequest_fig13',
    { readonly jwt: string }
  >;
}

/** The RFC JWS vectors, each as signed and with its signing input tampered. */
function rfcCases(): VectorCase[] {
  const vectors = readVectorFile<RfcVectors>('rfc/jose-dpop-mtls-vectors.json');
  const jws = (
    name: string,
    compact: string,
    alg: SignatureAlgorithm,
    jwkOf: (header: Record<string, unknown>) => JwkInput,
  ): VectorCase[] => {
    const [header, payload, signature] = compact.split('.') as [string, string, string];
    const jwk = jwkOf(
      JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
    );
    const signatureBytes = new Uint8Array(Buffer.from(signature, 'base64url'));
    return [
      {
        name,
        input: {
          alg,
          jwk,
          data: new TextEncoder().encode(`${header}.${payload}`),
          signature: signatureBytes,
        },
        expected: true,
      },
      {
        name: `${name}, tampered`,
        input: {
          alg,
          jwk,
          data: new TextEncoder().encode(`${header}.${payload}x`),
          signature: signatureBytes,
        },
        expected: false,
      },
    ];
  };
  const { d: _d, ...ed25519PublicJwk } = vectors.rfc8037_ed25519.privateJwk;
  return [
    ...jws('RFC 8037 A.4 Ed25519', vectors.rfc8037_ed25519.jws, 'EdDSA', () => ed25519PublicJwk),
    ...jws(
      'RFC 7515 A.3 ES256 (high s)',
      vectors.rfc7515_A3_es256.jws,
      'ES256',
      () => vectors.rfc7515_A3_es256.publicJwk,
    ),
    ...jws(
      'RFC 9449 fig. 2',
      vectors.rfc9449_dpop.proofTokenRequest_fig2.jwt,
      'ES256',
      (header) => header['jwk'] as JwkInput,
    ),
    ...jws(
      'RFC 9449 fig. 13',
      vectors.rfc9449_dpop.proofResourceRequest_fig13.jwt,
      'ES256',
      (header) => header['jwk'] as JwkInput,
    ),
  ];
}

const vectorSets: ReadonlyArray<readonly [string, VectorCase[]]> = [
  [
    'Wycheproof P-256 raw r‖s',
    wycheproofCases<WycheproofEcdsaGroup>(
      'wycheproof/ecdsa_secp256r1_sha256_p1363_test.json',
      'ES256',
      ecdsaJwk,
      hex,
    ),
  ],
  [
    'Wycheproof P-256 DER, converted',
    wycheproofCases<WycheproofEcdsaGroup>(
      'wycheproof/ecdsa_secp256r1_sha256_test.json',
      'ES256',
      ecdsaJwk,
      (sig) => ecdsaDerToRaw(hex(sig)),
    ),
  ],
  [
    'Wycheproof Ed25519',
    wycheproofCases<WycheproofEddsaGroup>(
      'wycheproof/ed25519_test.json',
      'EdDSA',
      (group) => ({ ...group.publicKeyJwk }),
      hex,
    ),
  ],
  ['RFC 8037, 7515, 9449 vectors', rfcCases()],
];

describe.each(signatureBackends)(
  'verifySignatureAsync, %s back end',
  (backend: SignatureBackend) => {
    it.each(vectorSets)('agrees with verifySignature on every case: %s', async (_set, cases) => {
      const sync = cases.map(({ input }) => verifySignature({ ...input, backend }));
      const async = await Promise.all(
        cases.map(({ input }) => verifySignatureAsync({ ...input, backend })),
      );
      expect(async).toEqual(sync);
      // And with the vectors' own verdicts, so that agreeing on a wrong answer fails too.
      const disagreements = cases.filter(
        (vectorCase, index) =>
          vectorCase.expected !== undefined && vectorCase.expected !== async[index],
      );
      expect(disagreements.map(({ name }) => name)).toEqual([]);
      expect(async.filter(Boolean).length).toBeGreaterThan(0);
      expect(async.filter((valid) => !valid).length).toBeGreaterThan(0);
    });

    describe('rejects with the codes verifySignature throws', () => {
      const { publicJwk, privateJwk } = generateKeyPair('ES256');
      const data = new Uint8Array(1);
      const signature = new Uint8Array(64);
      it.each<[string, VerifySignatureInput, CryptoErrorCode]>([
        [
          'a private JWK',
          { alg: 'ES256', jwk: privateJwk, data, signature, backend },
          'ERR_JWK_INVALID',
        ],
        [
          'a point not on the curve',
          { alg: 'ES256', jwk: { ...publicJwk, y: publicJwk.x }, data, signature, backend },
          'ERR_JWK_INVALID',
        ],
        [
          'a key of the other algorithm',
          { alg: 'EdDSA', jwk: publicJwk, data, signature, backend },
          'ERR_JWK_INVALID',
        ],
        [
          'alg none',
          { alg: 'none' as SignatureAlgorithm, jwk: publicJwk, data, signature, backend },
          'ERR_ALG_NOT_SUPPORTED',
        ],
        [
          'data as a string',
          { alg: 'ES256', jwk: publicJwk, data: 'x' as unknown as Uint8Array, signature, backend },
          'ERR_INVALID_ARGUMENT',
        ],
        [
          'signature as an array',
          { alg: 'ES256', jwk: publicJwk, data, signature: [1] as unknown as Uint8Array, backend },
          'ERR_INVALID_ARGUMENT',
        ],
      ])('%s', async (_what, input, code) => {
        expect(() => verifySignature(input)).toThrow(
          expect.objectContaining({ name: 'CryptoError', code }),
        );
        await expect(verifySignatureAsync(input)).rejects.toMatchObject({
          name: 'CryptoError',
          code,
        });
      });

      it('an unknown back end, or no argument', async () => {
        await expect(
          verifySignatureAsync({
            alg: 'ES256',
            jwk: publicJwk,
            data,
            signature,
            backend: 'openssl' as SignatureBackend,
          }),
        ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
        await expect(
          verifySignatureAsync(null as unknown as VerifySignatureInput),
        ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      });

      it('gives false, never an error, for signatures of the wrong length', async () => {
        const good = sign({ alg: 'ES256', privateJwk, data, backend });
        expect(
          await verifySignatureAsync({
            alg: 'ES256',
            jwk: publicJwk,
            data,
            signature: good,
            backend,
          }),
        ).toBe(true);
        for (const length of [0, 63, 65])
          expect(
            await verifySignatureAsync({
              alg: 'ES256',
              jwk: publicJwk,
              data,
              signature: new Uint8Array(length),
              backend,
            }),
          ).toBe(false);
      });
    });
  },
);

describe('verifySignatureAsync in the threadpool', () => {
  it('keeps each result with its own call when hundreds run at once (valid and tampered interleaved)', async () => {
    const signers = (['ES256', 'EdDSA'] as const).map((alg) => ({ alg, ...generateKeyPair(alg) }));
    const calls = Array.from({ length: 400 }, (_unused, index) => {
      const { alg, privateJwk, publicJwk } = signers[index % 2]!;
      const data = new TextEncoder().encode(`payment ${index}`);
      const signature = sign({ alg, privateJwk, data, backend: 'native' });
      const valid = index % 3 !== 0;
      return {
        valid,
        input: {
          alg,
          jwk: publicJwk,
          data: valid ? data : new TextEncoder().encode(`payment ${index + 1}`),
          signature,
          backend: 'native' as const,
        },
      };
    });
    const results = await Promise.all(calls.map(({ input }) => verifySignatureAsync(input)));
    expect(results).toEqual(calls.map(({ valid }) => valid));
  });

  it('verifies the bytes as they were when called, even if the caller reuses its buffers at once', async () => {
    const { privateJwk, publicJwk } = generateKeyPair('ES256');
    const data = new TextEncoder().encode('offline transaction');
    const signature = sign({ alg: 'ES256', privateJwk, data, backend: 'native' });
    const pending = verifySignatureAsync({
      alg: 'ES256',
      jwk: publicJwk,
      data,
      signature,
      backend: 'native',
    });
    data.fill(0);
    signature.fill(0);
    expect(await pending).toBe(true);
  });
});
