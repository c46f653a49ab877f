// TEST-ONLY REFERENCE (see index.ts): not production code; the production COSE_Sign1 is
// libs/protocol/src/cose.ts.
// COSE_Sign1 sign and verify. External vector: RFC 9052 Appendix C.2.1 ("Single ECDSA Signature",
// IETF Trust) with key "11" of RFC 9052 Appendix C.7.1.
import { Tag } from 'cbor2';
import { p256 } from '@noble/curves/nist.js';
import { type SignatureAlgorithm, signatureBackends } from '../../algorithms';
import { decodeCborStrict } from '../../cbor/decode-cbor-strict';
import { encodeCborDeterministic } from '../../cbor/encode-cbor-deterministic';
import { type CryptoErrorCode } from '../../errors';
import { generateKeyPair } from '../../keys/generate-key-pair';
import { coseMessageSizeMaxBytes } from './reference-constants';
import { hex } from '../vectors';
import { calculateJwkThumbprintBytes } from '../../thumbprint/jwk-thumbprint';
import { decodeCoseSign1Header } from './decode-cose-sign1-header';
import { signCoseSign1 } from './sign-cose-sign1';
import { verifyCoseSign1 } from './verify-cose-sign1';

const ascii = (text: string) => new TextEncoder().encode(text);

function errorOf(action: () => unknown): {
  code: CryptoErrorCode | 'no error' | 'untyped error';
  causeCode?: string;
} {
  try {
    action();
    return { code: 'no error' };
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'CryptoError') return { code: 'untyped error' };
    const cause = error.cause as { code?: string } | undefined;
    return {
      code: (error as Error & { code: CryptoErrorCode }).code,
      ...(cause?.code === undefined ? {} : { causeCode: cause.code }),
    };
  }
}

/** Rebuilds a COSE_Sign1_Tagged from its four parts (with deterministic outer encoding). */
function coseSign1(
  protectedHeaderHex: string,
  unprotected: Map<unknown, unknown>,
  payload: Uint8Array | null,
  signature: Uint8Array,
  tag = 18,
): Uint8Array {
  return encodeCborDeterministic(
    new Tag(tag, [hex(protectedHeaderHex), unprotected, payload, signature]),
  );
}

/** The four parts of a tagged message. */
function partsOf(
  message: Uint8Array,
): [Uint8Array, Map<unknown, unknown>, Uint8Array | null, Uint8Array] {
  const tagged = decodeCborStrict(message);
  expect(tagged).toBeInstanceOf(Tag);
  return (tagged as Tag).contents as [
    Uint8Array,
    Map<unknown, unknown>,
    Uint8Array | null,
    Uint8Array,
  ];
}

describe('RFC 9052 Appendix C.2.1 (COSE_Sign1, ES256, kid "11" unprotected)', () => {
  const key11 = {
    kty: 'EC',
    crv: 'P-256',
    x: 'usWxHK2PmfnHKwXPS54m0kTcGJ90UiglWiGahtagnv8',
    y: 'IBOL-C3BttVivg-lSreASjpkttcsz-1rb7btKLv8EX4',
  };
  const message = hex(
    'd28443a10126a10442313154546869732069732074686520636f6e74656e742e5840' +
      '8eb33e4ca31d1c465ab05aac34cc6b23d58fef5c083106c4d25a91aef0b0117e2af9a291aa32e14ab834dc56ed2a223444547e01f11d3b0916e5a4c345cacb36',
  );

  it.each(signatureBackends)('verifies on the %s back end', (backend) => {
    const verified = verifyCoseSign1(message, { publicJwk: key11, algorithms: ['ES256'], backend });
    expect(verified.alg).toBe('ES256');
    expect(new TextDecoder().decode(verified.payload)).toBe('This is the content.');
    expect(verified.keyId).toEqual(ascii('11'));
    expect(verified.detached).toBe(false);
  });

  it('decodes its header without verifying', () => {
    const header = decodeCoseSign1Header(message);
    expect(header).toEqual({
      alg: 'ES256',
      keyId: ascii('11'),
      protectedHeader: new Map([[1, -7]]),
      unprotectedHeader: new Map([[4, ascii('11')]]),
      detached: false,
    });
    expect('payload' in header).toBe(false);
  });
});

describe.each(['ES256', 'EdDSA'] as const)(
  'signCoseSign1 / verifyCoseSign1 with %s',
  (alg: SignatureAlgorithm) => {
    const { privateJwk, publicJwk } = generateKeyPair(alg);
    const keyId = calculateJwkThumbprintBytes(publicJwk);
    const payload = encodeCborDeterministic(
      new Map<unknown, unknown>([
        [1, 'payment-request/v1'],
        [2, 1250n],
        [3, 'EUR'],
      ]),
    );
    const signed = (extra: Partial<Parameters<typeof signCoseSign1>[0]> = {}) =>
      signCoseSign1({ alg, privateJwk, keyId, payload, backend: 'noble', ...extra });
    const verify = (
      message: Uint8Array,
      extra: Partial<Parameters<typeof verifyCoseSign1>[1]> = {},
    ) =>
      verifyCoseSign1(message, {
        publicJwk,
        algorithms: ['ES256', 'EdDSA'],
        backend: 'native',
        ...extra,
      });

    it('round-trips on every combination of back ends, tagged and untagged', () => {
      for (const signer of signatureBackends) {
        for (const tagged of [true, false]) {
          const message = signCoseSign1({
            alg,
            privateJwk,
            keyId,
            payload,
            backend: signer,
            tagged,
            contentType: 'application/cbor',
          });
          expect(message[0]).toBe(tagged ? 0xd2 : 0x84);
          for (const backend of signatureBackends) {
            const verified = verify(message, { backend });
            expect(verified).toEqual({
              alg,
              keyId,
              contentType: 'application/cbor',
              protectedHeader: new Map<unknown, unknown>([
                [1, alg === 'ES256' ? -7 : -8],
                [3, 'application/cbor'],
                [4, keyId],
              ]),
              unprotectedHeader: new Map(),
              payload,
              detached: false,
            });
          }
        }
      }
    });

    it('puts alg and kid in a deterministic protected header', () => {
      const [protectedHeader, unprotectedHeader] = partsOf(signed());
      expect(Buffer.from(protectedHeader).toString('hex')).toBe(
        `a201${alg === 'ES256' ? '26' : '27'}045820${Buffer.from(keyId).toString('hex')}`,
      );
      expect(unprotectedHeader).toEqual(new Map());
    });

    it('detaches the payload: 110 bytes with a 32-byte kid, inside one 140-byte sound frame', () => {
      const message = signed({ detached: true });
      expect(message).toHaveLength(110);
      expect(partsOf(message)[2]).toBeNull();
      expect(verify(message, { detachedPayload: payload }).payload).toEqual(payload);
      expect(verify(message, { detachedPayload: payload }).detached).toBe(true);
      expect(errorOf(() => verify(message)).code).toBe('ERR_COSE_PAYLOAD_MISMATCH');
      expect(
        errorOf(() => verify(message, { detachedPayload: ascii('another request') })).code,
      ).toBe('ERR_COSE_SIGNATURE_INVALID');
      expect(errorOf(() => verify(signed(), { detachedPayload: payload })).code).toBe(
        'ERR_COSE_PAYLOAD_MISMATCH',
      );
    });

    it('binds external additional authenticated data', () => {
      const message = signed({ externalAad: ascii('offline-payment/v1') });
      expect(verify(message, { externalAad: ascii('offline-payment/v1') }).payload).toEqual(
        payload,
      );
      expect(errorOf(() => verify(message)).code).toBe('ERR_COSE_SIGNATURE_INVALID');
      expect(
        errorOf(() => verify(message, { externalAad: ascii('offline-payment/v2') })).code,
      ).toBe('ERR_COSE_SIGNATURE_INVALID');
    });

    describe('tampering', () => {
      const message = signed();
      const [protectedHeader, , attached, signature] = partsOf(message);
      const protectedHex = Buffer.from(protectedHeader).toString('hex');

      it.each(signatureBackends)(
        'fails on the %s back end when the payload, the protected header or the signature changes',
        (backend) => {
          const flippedPayload = Uint8Array.from(attached!);
          flippedPayload[flippedPayload.length - 1]! ^= 1;
          const otherKeyId = `${protectedHex.slice(0, -2)}${((parseInt(protectedHex.slice(-2), 16) ^ 1) & 0xff).toString(16).padStart(2, '0')}`;
          const flippedSignature = Uint8Array.from(signature);
          flippedSignature[10]! ^= 0x80;
          for (const tampered of [
            coseSign1(protectedHex, new Map(), flippedPayload, signature),
            coseSign1(otherKeyId, new Map(), attached, signature),
            coseSign1(protectedHex, new Map(), attached, flippedSignature),
            coseSign1(protectedHex, new Map(), attached, signature.subarray(0, 63)),
          ]) {
            expect(errorOf(() => verify(tampered, { backend })).code).toBe(
              'ERR_COSE_SIGNATURE_INVALID',
            );
          }
          expect(
            verify(coseSign1(protectedHex, new Map(), attached, signature), { backend }).payload,
          ).toEqual(payload);
        },
      );

      it('does not cover the unprotected header (RFC 9052): a field added there still verifies, so never trust it', () => {
        const withUnprotectedField = coseSign1(
          protectedHex,
          new Map([[5, ascii('iv')]]),
          attached,
          signature,
        );
        expect(verify(withUnprotectedField).unprotectedHeader).toEqual(new Map([[5, ascii('iv')]]));
      });
    });

    it('refuses an alg outside the allow-list, or other than the key’s', () => {
      const message = signed();
      const other: SignatureAlgorithm = alg === 'ES256' ? 'EdDSA' : 'ES256';
      expect(errorOf(() => verify(message, { algorithms: [other] })).code).toBe(
        'ERR_ALG_NOT_ALLOWED',
      );
      expect(
        errorOf(() => verify(message, { publicJwk: generateKeyPair(other).publicJwk })).code,
      ).toBe('ERR_ALG_NOT_ALLOWED');
      expect(errorOf(() => verify(message, { algorithms: [] })).code).toBe('ERR_INVALID_ARGUMENT');
      expect(
        errorOf(() => verify(message, { algorithms: ['ES384' as SignatureAlgorithm] })).code,
      ).toBe('ERR_ALG_NOT_SUPPORTED');
      const [, , attached, signature] = partsOf(message);
      expect(errorOf(() => verify(coseSign1('a10132', new Map(), attached, signature))).code).toBe(
        'ERR_ALG_NOT_ALLOWED',
      ); // alg -19
      expect(
        errorOf(() => decodeCoseSign1Header(coseSign1('a10132', new Map(), attached, signature)))
          .code,
      ).toBe('ERR_ALG_NOT_SUPPORTED');
    });

    it('refuses a wrong key with ERR_COSE_SIGNATURE_INVALID and a malformed one with ERR_JWK_INVALID', () => {
      const message = signed();
      expect(
        errorOf(() => verify(message, { publicJwk: generateKeyPair(alg).publicJwk })).code,
      ).toBe('ERR_COSE_SIGNATURE_INVALID');
      expect(errorOf(() => verify(message, { publicJwk: privateJwk })).code).toBe(
        'ERR_JWK_INVALID',
      );
    });

    it('enforces the message size limit on both sides, never truncating', () => {
      expect(errorOf(() => signed({ payload: new Uint8Array(coseMessageSizeMaxBytes) })).code).toBe(
        'ERR_COSE_MESSAGE_TOO_LARGE',
      );
      const message = signed();
      expect(errorOf(() => verify(message, { messageSizeMaxBytes: message.length - 1 })).code).toBe(
        'ERR_COSE_MESSAGE_TOO_LARGE',
      );
      expect(verify(message, { messageSizeMaxBytes: message.length }).payload).toEqual(payload);
    });
  },
);

describe('ES256 high-s signatures in COSE_Sign1', () => {
  it('verify on both back ends: two messages, one signed content, so never identify a message by its signature', () => {
    const { privateJwk, publicJwk } = generateKeyPair('ES256');
    const payload = ascii('offline transaction 42');
    const message = signCoseSign1({ alg: 'ES256', privateJwk, payload, backend: 'noble' });
    const [protectedHeader, , attached, signature] = partsOf(message);
    const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString('hex')}`);
    const highS = Uint8Array.from([
      ...signature.subarray(0, 32),
      ...Buffer.from((p256.Point.Fn.ORDER - s).toString(16).padStart(64, '0'), 'hex'),
    ]);
    const twin = coseSign1(
      Buffer.from(protectedHeader).toString('hex'),
      new Map(),
      attached,
      highS,
    );
    expect(twin).not.toEqual(message);
    for (const backend of signatureBackends) {
      expect(verifyCoseSign1(twin, { publicJwk, algorithms: ['ES256'], backend }).payload).toEqual(
        payload,
      );
      expect(
        verifyCoseSign1(message, { publicJwk, algorithms: ['ES256'], backend }).payload,
      ).toEqual(payload);
    }
  });
});

describe('malformed COSE_Sign1 (ERR_COSE_MALFORMED, CBOR detail in cause)', () => {
  const { publicJwk } = generateKeyPair('ES256');
  const signature = new Uint8Array(64);
  const payload = ascii('x');
  const verify = (message: Uint8Array) =>
    verifyCoseSign1(message, { publicJwk, algorithms: ['ES256'], backend: 'native' });

  it.each<[string, Uint8Array, string | undefined]>([
    [
      'protected header keys out of order (not deterministic)',
      coseSign1('a2044231310126', new Map(), payload, signature),
      'ERR_CBOR_KEY_ORDER',
    ],
    [
      'a duplicate label in the protected header',
      coseSign1('a201260126', new Map(), payload, signature),
      'ERR_CBOR_DUPLICATE_KEY',
    ],
    [
      'a non-minimal integer in the protected header',
      coseSign1('a1013806', new Map(), payload, signature),
      'ERR_CBOR_NON_MINIMAL',
    ],
    [
      'a protected header that is not a map',
      coseSign1('8126', new Map(), payload, signature),
      undefined,
    ],
    ['no alg', coseSign1('', new Map(), payload, signature), undefined],
    [
      'alg only in the unprotected header',
      coseSign1('', new Map([[1, -7]]), payload, signature),
      undefined,
    ],
    [
      'a label in both headers',
      coseSign1('a10126', new Map([[1, -7]]), payload, signature),
      undefined,
    ],
    ['crit', coseSign1('a201260281183c', new Map(), payload, signature), undefined],
    [
      'a kid that is not a byte string',
      coseSign1('a10126', new Map([[4, 'text']]), payload, signature),
      undefined,
    ],
    [
      'another tag (COSE_Sign, 98)',
      coseSign1('a10126', new Map(), payload, signature, 98),
      undefined,
    ],
    [
      'a text payload',
      encodeCborDeterministic(new Tag(18, [hex('a10126'), new Map(), 'x', signature])),
      undefined,
    ],
    [
      'three items',
      encodeCborDeterministic(new Tag(18, [hex('a10126'), new Map(), payload])),
      undefined,
    ],
    ['a map instead of an array', encodeCborDeterministic(new Map([[1, 2]])), undefined],
    [
      'trailing bytes after the message',
      Uint8Array.from([...coseSign1('a10126', new Map(), payload, signature), 0x00]),
      'ERR_CBOR_TRAILING_BYTES',
    ],
    [
      'an indefinite-length outer array',
      hex(`d29f43a10126a041785840${'00'.repeat(64)}ff`),
      'ERR_CBOR_INDEFINITE_LENGTH',
    ],
    ['an empty message', new Uint8Array(0), 'ERR_CBOR_MALFORMED'],
  ])('%s', (_what, message, causeCode) => {
    expect(errorOf(() => verify(message))).toEqual({
      code: 'ERR_COSE_MALFORMED',
      ...(causeCode === undefined ? {} : { causeCode }),
    });
  });
});
