// createTokenBindingMessage / verifyTokenBindingMessage over a given EKM (the TLS side is in
// token-binding.int-spec.ts): signature over type ‖ key_parameters ‖ EKM, the key checks, the codes.
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import fc from 'fast-check';
import { calculateJwkThumbprint, generateKeyPair, verifySignature } from '@settle/crypto';
import {
  createTokenBindingMessage,
  createTokenBindingSigner,
  decodeSecTokenBindingHeader,
  encodeSecTokenBindingHeader,
  encodeTokenBindingMessage,
  parseTokenBindingMessage,
  tokenBindingIdFromJwk,
  tokenBindingIdToJwk,
  tokenBindingIdHash,
  tokenBindingSignedContent,
  verifyTokenBindingMessage,
} from '../index';
import { bindingKey1, fixedEkm, vectorHeader, vectorPoint } from '../testing/vectors';

const allowedKeyParameters = ['ecdsap256'] as const;
const otherEkm = Uint8Array.from({ length: 32 }, (_, index) => 255 - index);

function verify(header: string, ekm: Uint8Array = fixedEkm) {
  return verifyTokenBindingMessage({
    header,
    ekm,
    allowedKeyParameters: [...allowedKeyParameters],
  });
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('verifyTokenBindingMessage', () => {
  it('accepts the format vector and names its key by thumbprint and TokenBindingID hash', () => {
    const { d: _d, ...publicJwk } = bindingKey1;
    expect(verify(vectorHeader)).toEqual({
      ok: true,
      provided: {
        keyJwk: publicJwk,
        keyId: calculateJwkThumbprint(publicJwk),
        tokenBindingIdHash: 'Feey6ASdIQQnU-XO39p9YBRLvOkTg8WZGCmk1sNZcFA',
      },
    });
  });

  it('names every key by its RFC 7638 thumbprint (the point checked once, the thumbprint as @settle/crypto computes it)', () => {
    for (let index = 0; index < 16; index++) {
      const { privateJwk, publicJwk } = generateKeyPair('ES256');
      const result = verify(createTokenBindingMessage({ privateJwk, ekm: fixedEkm }).header);
      expect(result.ok && result.provided).toEqual({
        keyJwk: publicJwk,
        keyId: calculateJwkThumbprint(publicJwk),
        tokenBindingIdHash: tokenBindingIdHash(tokenBindingIdFromJwk(publicJwk)),
      });
    }
  });

  it('createTokenBindingMessage (noble, RFC 6979) reproduces the vector byte for byte', () => {
    expect(createTokenBindingMessage({ privateJwk: bindingKey1, ekm: fixedEkm }).header).toBe(
      vectorHeader,
    );
  });

  it('a signer prepared once makes the same messages as its JWK, on every connection', () => {
    const noble = createTokenBindingSigner(bindingKey1);
    expect(createTokenBindingMessage({ signer: noble, ekm: fixedEkm }).header).toBe(vectorHeader);
    const native = createTokenBindingSigner(bindingKey1, 'native');
    expect(verify(createTokenBindingMessage({ signer: native, ekm: fixedEkm }).header).ok).toBe(
      true,
    );
    expect(
      verify(createTokenBindingMessage({ signer: native, ekm: otherEkm }).header, otherEkm).ok,
    ).toBe(true);
  });

  it('accepts messages signed with either back end, and one signed by node:crypto directly', () => {
    const { privateJwk } = generateKeyPair('ES256');
    for (const backend of ['native', 'noble'] as const) {
      expect(
        verify(createTokenBindingMessage({ privateJwk, ekm: fixedEkm, backend }).header).ok,
      ).toBe(true);
    }
    // An independent signer: OpenSSL over 00 02 ‖ EKM, raw r ‖ s, assembled by hand.
    const signature = nodeSign('sha256', Buffer.from([0, 2, ...fixedEkm]), {
      key: createPrivateKey({ key: privateJwk, format: 'jwk' }),
      dsaEncoding: 'ieee-p1363',
    });
    const message = encodeTokenBindingMessage({
      tokenBindings: [
        {
          type: 'provided_token_binding',
          tokenBindingId: tokenBindingIdFromJwk(privateJwk),
          signature,
          extensions: [],
        },
      ],
    });
    expect(verify(encodeSecTokenBindingHeader(message)).ok).toBe(true);
  });

  it('rejects a message made for another EKM (another connection)', () => {
    expect(verify(vectorHeader, otherEkm)).toEqual({ ok: false, code: 'ERR_TB_SIGNATURE_INVALID' });
  });

  it("rejects a signature by key 1 presented with key 2's TokenBindingID", () => {
    const key2 = generateKeyPair('ES256');
    const [binding] = parseTokenBindingMessage(
      decodeSecTokenBindingHeader(vectorHeader),
    ).tokenBindings;
    const swapped = encodeTokenBindingMessage({
      tokenBindings: [{ ...binding!, tokenBindingId: tokenBindingIdFromJwk(key2.publicJwk) }],
    });
    expect(verify(encodeSecTokenBindingHeader(swapped))).toEqual({
      ok: false,
      code: 'ERR_TB_SIGNATURE_INVALID',
    });
  });

  it('rejects a signature made over the referred type presented as provided (the type byte is signed)', () => {
    const signature = nodeSign(
      'sha256',
      tokenBindingSignedContent('referred_token_binding', 'ecdsap256', fixedEkm),
      {
        key: createPrivateKey({ key: bindingKey1, format: 'jwk' }),
        dsaEncoding: 'ieee-p1363',
      },
    );
    const message = encodeTokenBindingMessage({
      tokenBindings: [
        {
          type: 'provided_token_binding',
          tokenBindingId: { keyParameters: 'ecdsap256', point: vectorPoint },
          signature,
          extensions: [],
        },
      ],
    });
    expect(verify(encodeSecTokenBindingHeader(message))).toEqual({
      ok: false,
      code: 'ERR_TB_SIGNATURE_INVALID',
    });
  });

  it('accepts one provided plus one referred binding and verifies both', () => {
    const referredKey = generateKeyPair('ES256');
    const { header } = createTokenBindingMessage({
      privateJwk: bindingKey1,
      referredPrivateJwk: referredKey.privateJwk,
      ekm: fixedEkm,
    });
    const result = verify(header);
    expect(result.ok && result.referred?.keyId).toBe(calculateJwkThumbprint(referredKey.publicJwk));
  });

  it('rejects no provided binding, two provided bindings, and extensions', () => {
    const [binding] = parseTokenBindingMessage(
      decodeSecTokenBindingHeader(vectorHeader),
    ).tokenBindings;
    const header = (
      tokenBindings: Parameters<typeof encodeTokenBindingMessage>[0]['tokenBindings'],
    ) => encodeSecTokenBindingHeader(encodeTokenBindingMessage({ tokenBindings }));
    expect(verify(header([binding!, binding!]))).toEqual({
      ok: false,
      code: 'ERR_TB_BINDINGS_INVALID',
    });
    expect(verify(header([{ ...binding!, type: 'referred_token_binding' }]))).toEqual({
      ok: false,
      code: 'ERR_TB_BINDINGS_INVALID',
    });
    expect(
      verify(header([{ ...binding!, extensions: [{ type: 1, data: new Uint8Array() }] }])),
    ).toEqual({ ok: false, code: 'ERR_TB_EXTENSIONS_NOT_ALLOWED' });
  });

  it('rejects a TokenBindingID whose point is not on P-256', () => {
    const [binding] = parseTokenBindingMessage(
      decodeSecTokenBindingHeader(vectorHeader),
    ).tokenBindings;
    const offCurve = vectorPoint.slice();
    offCurve[63] = offCurve[63]! ^ 1;
    const message = encodeTokenBindingMessage({
      tokenBindings: [
        { ...binding!, tokenBindingId: { keyParameters: 'ecdsap256', point: offCurve } },
      ],
    });
    expect(verify(encodeSecTokenBindingHeader(message))).toEqual({
      ok: false,
      code: 'ERR_TB_KEY_INVALID',
    });
  });

  it('returns decoding failures as results', () => {
    expect(verify('')).toEqual({ ok: false, code: 'ERR_TB_HEADER_ENCODING_INVALID' });
    expect(verify(`${vectorHeader}=`)).toEqual({
      ok: false,
      code: 'ERR_TB_HEADER_ENCODING_INVALID',
    });
    expect(verify('A'.repeat(10_000))).toEqual({ ok: false, code: 'ERR_TB_MESSAGE_TOO_LARGE' });
    expect(verify(undefined as unknown as string)).toEqual({
      ok: false,
      code: 'ERR_TB_HEADER_ENCODING_INVALID',
    });
  });

  it('throws for the caller’s mistakes: an EKM that is not 32 bytes, an allow-list it cannot verify', () => {
    expect(codeOf(() => verify(vectorHeader, new Uint8Array(31)))).toBe('ERR_TB_INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        verifyTokenBindingMessage({
          header: vectorHeader,
          ekm: fixedEkm,
          allowedKeyParameters: ['ecdsap256', 'rsa2048_pss'],
        }),
      ),
    ).toBe('ERR_TB_INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        verifyTokenBindingMessage({
          header: vectorHeader,
          ekm: fixedEkm,
          allowedKeyParameters: [],
        }),
      ),
    ).toBe('ERR_TB_INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        createTokenBindingMessage({
          privateJwk: generateKeyPair('EdDSA').privateJwk,
          ekm: fixedEkm,
        }),
      ),
    ).toBe('ERR_TB_INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        createTokenBindingMessage({
          privateJwk: generateKeyPair('ES256').publicJwk,
          ekm: fixedEkm,
        }),
      ),
    ).toBe('ERR_TB_INVALID_ARGUMENT');
    expect(codeOf(() => createTokenBindingSigner(generateKeyPair('ES256').publicJwk))).toBe(
      'ERR_TB_INVALID_ARGUMENT',
    );
    const signer = createTokenBindingSigner(bindingKey1);
    expect(
      codeOf(() => createTokenBindingMessage({ privateJwk: bindingKey1, signer, ekm: fixedEkm })),
    ).toBe('ERR_TB_INVALID_ARGUMENT');
    expect(codeOf(() => createTokenBindingMessage({ ekm: fixedEkm }))).toBe(
      'ERR_TB_INVALID_ARGUMENT',
    );
    expect(codeOf(() => createTokenBindingMessage({ signer, ekm: new Uint8Array(31) }))).toBe(
      'ERR_TB_INVALID_ARGUMENT',
    );
  });

  it('rejects every single-byte change of a valid message (fast-check)', () => {
    const bytes = decodeSecTokenBindingHeader(vectorHeader);
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (index, mask) => {
        const corrupted = bytes.slice();
        corrupted[index] = corrupted[index]! ^ mask;
        expect(verify(encodeSecTokenBindingHeader(corrupted)).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects every single-character change of a valid header (fast-check)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= ';
    fc.assert(
      fc.property(
        fc.nat(vectorHeader.length - 1),
        fc.constantFrom(...alphabet),
        (index, character) => {
          fc.pre(vectorHeader[index] !== character);
          const corrupted =
            vectorHeader.slice(0, index) + character + vectorHeader.slice(index + 1);
          expect(verify(corrupted).ok).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('agrees with the noble back end as a second opinion, and X ‖ Y ↔ JWK round-trips', () => {
    const [binding] = parseTokenBindingMessage(
      decodeSecTokenBindingHeader(vectorHeader),
    ).tokenBindings;
    const { d: _d, ...publicJwk } = bindingKey1;
    const data = tokenBindingSignedContent('provided_token_binding', 'ecdsap256', fixedEkm);
    expect(
      verifySignature({
        alg: 'ES256',
        jwk: publicJwk,
        data,
        signature: binding!.signature,
        backend: 'noble',
      }),
    ).toBe(true);
    expect(Buffer.from(tokenBindingIdFromJwk(bindingKey1).point)).toEqual(Buffer.from(vectorPoint));
    expect(tokenBindingIdToJwk({ keyParameters: 'ecdsap256', point: vectorPoint })).toEqual(
      publicJwk,
    );
  });

  it('gives the TokenBindingID hash that tokenBindingIdHash gives for the same key', () => {
    const { privateJwk, publicJwk } = generateKeyPair('ES256');
    const result = verify(createTokenBindingMessage({ privateJwk, ekm: fixedEkm }).header);
    expect(result.ok && result.provided.tokenBindingIdHash).toBe(
      tokenBindingIdHash(tokenBindingIdFromJwk(publicJwk)),
    );
  });
});
