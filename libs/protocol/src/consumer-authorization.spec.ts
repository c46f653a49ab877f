import fc from 'fast-check';
import { Tag } from 'cbor2';
import {
  bytesToHex,
  decodeCborStrict,
  encodeCborDeterministic,
  hexToBytes,
  signatureBackends,
} from '@settle/crypto';
// The independent oracle: a general, test-only COSE_Sign1 (not the protocol's exact-layout parser).
import { verifyCoseSign1 } from '@settle/crypto/testing/cose-sign1-reference';
import {
  calculateTransactionId,
  decodeConsumerAuthorization,
  encodePaymentRequest,
  formatTransactionId,
  protocolHeaderLabels,
  protocolLabels,
  signConsumerAuthorization,
  verifyConsumerAuthorization,
} from './index';
import {
  fixtureRequest,
  readProtocolFixture,
  testPublicKey,
  testSigner,
} from './testing/protocol-fixtures';

const requestBytes = readProtocolFixture('payment-request');
const authorizationBytes = readProtocolFixture('consumer-authorization');
const deviceKey = testPublicKey('deviceEs256');
const options = {
  requestBytes,
  deviceKey,
  algorithms: ['ES256', 'EdDSA'] as const,
  backend: 'native' as const,
};

/** P-256 group order: (r, s) and (r, n − s) are both valid ECDSA signatures. */
const p256Order = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function withSignature(message: Uint8Array, signature: Uint8Array): Uint8Array {
  const copy = message.slice();
  copy.set(signature, copy.length - 64);
  return copy;
}

describe('consumer authorization', () => {
  it.each(signatureBackends)(
    'verifies over the request bytes on the %s back end and fixes the transaction id',
    (backend) => {
      const result = verifyConsumerAuthorization(authorizationBytes, { ...options, backend });
      expect(result).toMatchObject({
        ok: true,
        value: {
          alg: 'ES256',
          deviceCounter: 4187n,
          authorizedAtMs: Date.parse('2026-11-28T07:41:12.000Z'),
        },
      });
      if (!result.ok) return;
      expect(result.value.keyId).toEqual(deviceKey.keyId);
      expect(result.value.transactionId).toEqual(
        calculateTransactionId(requestBytes, result.value.protectedHeaderBytes),
      );
      expect(formatTransactionId(result.value.transactionId)).toMatch(/^txn_[A-Za-z0-9_-]{43}$/);
    },
  );

  it('is a standard COSE_Sign1: verifyCoseSign1 accepts it with the label as external AAD', () => {
    const verified = verifyCoseSign1(authorizationBytes, {
      publicJwk: deviceKey.publicJwk,
      algorithms: ['ES256'],
      detachedPayload: requestBytes,
      externalAad: new TextEncoder().encode(protocolLabels.consumerAuthorization),
      backend: 'noble',
    });
    expect(verified.protectedHeader.get(protocolHeaderLabels.deviceCounter)).toBe(4187);
    expect(verified.unprotectedHeader.size).toBe(0);
  });

  it('verifies the Ed25519 fixture (software wallets) with an Ed25519 key only', () => {
    const bytes = readProtocolFixture('consumer-authorization.ed25519');
    const edKey = testPublicKey('deviceEd25519');
    expect(verifyConsumerAuthorization(bytes, { ...options, deviceKey: edKey })).toMatchObject({
      ok: true,
      value: { alg: 'EdDSA', deviceCounter: 17n },
    });
    expect(
      verifyConsumerAuthorization(bytes, { ...options, deviceKey: edKey, algorithms: ['ES256'] }),
    ).toMatchObject({ ok: false, code: 'ALGORITHM_NOT_ALLOWED' });
    expect(verifyConsumerAuthorization(bytes, options)).toMatchObject({
      ok: false,
      code: 'ALGORITHM_NOT_ALLOWED',
    });
  });

  it('names a key that is not the one in kid', () => {
    expect(
      verifyConsumerAuthorization(authorizationBytes, {
        ...options,
        deviceKey: testPublicKey('terminal'),
      }),
    ).toMatchObject({
      ok: false,
      code: 'KEY_ID_MISMATCH',
    });
  });

  it('a malleated signature (s → n − s) verifies but cannot make a second transaction', () => {
    const signature = authorizationBytes.subarray(-64);
    const s = BigInt(`0x${bytesToHex(signature.subarray(32))}`);
    const twin = withSignature(
      authorizationBytes,
      Uint8Array.from([
        ...signature.subarray(0, 32),
        ...hexToBytes((p256Order - s).toString(16).padStart(64, '0')),
      ]),
    );
    expect(twin).not.toEqual(authorizationBytes);
    const original = verifyConsumerAuthorization(authorizationBytes, options);
    const malleated = verifyConsumerAuthorization(twin, options);
    expect(malleated.ok && original.ok && malleated.value.transactionId).toEqual(
      original.ok && original.value.transactionId,
    );
  });

  it('property: any single-byte corruption of the authorization fails verification', () => {
    fc.assert(
      fc.property(
        fc.nat(authorizationBytes.length - 1),
        fc.integer({ min: 1, max: 255 }),
        (index, delta) => {
          const corrupted = authorizationBytes.slice();
          corrupted[index] = corrupted[index]! ^ delta;
          expect(verifyConsumerAuthorization(corrupted, options).ok).toBe(false);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('property: any single-byte corruption of the request fails verification', () => {
    fc.assert(
      fc.property(
        fc.nat(requestBytes.length - 1),
        fc.integer({ min: 1, max: 255 }),
        (index, delta) => {
          const corrupted = requestBytes.slice();
          corrupted[index] = corrupted[index]! ^ delta;
          expect(
            verifyConsumerAuthorization(authorizationBytes, {
              ...options,
              requestBytes: corrupted,
            }),
          ).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('cannot be replayed as another structure: the same signature over the same bytes without its label fails', () => {
    const [protectedHeader, , , signature] = (decodeCborStrict(authorizationBytes) as Tag)
      .contents as [Uint8Array, unknown, unknown, Uint8Array];
    expect(() =>
      verifyCoseSign1(
        encodeCborDeterministic(new Tag(18, [protectedHeader, new Map(), null, signature])),
        {
          publicJwk: deviceKey.publicJwk,
          algorithms: ['ES256'],
          detachedPayload: requestBytes,
          externalAad: new TextEncoder().encode(protocolLabels.merchantApproval),
          backend: 'native',
        },
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_COSE_SIGNATURE_INVALID' }));
  });

  it.each([
    ['an unprotected header', (parts: unknown[]) => (parts[1] = new Map([[5, 1]])), 'COSE_INVALID'],
    ['an attached payload', (parts: unknown[]) => (parts[2] = new Uint8Array(1)), 'COSE_INVALID'],
    ['a 63-byte signature', (parts: unknown[]) => (parts[3] = new Uint8Array(63)), 'COSE_INVALID'],
    [
      'no counter',
      (parts: unknown[]) =>
        (parts[0] = reHeader(parts[0] as Uint8Array, (header) => header.delete(-65537))),
      'FIELD_MISSING',
    ],
    [
      'an extra header',
      (parts: unknown[]) =>
        (parts[0] = reHeader(parts[0] as Uint8Array, (header) => header.set(3, 'x'))),
      'FIELD_UNKNOWN',
    ],
    [
      'a negative counter',
      (parts: unknown[]) =>
        (parts[0] = reHeader(parts[0] as Uint8Array, (header) => header.set(-65537, -1))),
      'FIELD_INVALID',
    ],
    [
      'a short kid',
      (parts: unknown[]) =>
        (parts[0] = reHeader(parts[0] as Uint8Array, (header) =>
          header.set(4, new Uint8Array(16)),
        )),
      'FIELD_INVALID',
    ],
    [
      'alg ES384',
      (parts: unknown[]) =>
        (parts[0] = reHeader(parts[0] as Uint8Array, (header) => header.set(1, -35))),
      'FIELD_INVALID',
    ],
  ])('rejects %s with a stable code', (_name, change, code) => {
    const parts = [...((decodeCborStrict(authorizationBytes) as Tag).contents as unknown[])];
    change(parts);
    const bytes = encodeCborDeterministic(new Tag(18, parts));
    expect(decodeConsumerAuthorization(bytes)).toMatchObject({ ok: false, code });
  });

  it('rejects an untagged message', () => {
    const parts = (decodeCborStrict(authorizationBytes) as Tag).contents;
    expect(decodeConsumerAuthorization(encodeCborDeterministic(parts))).toMatchObject({
      ok: false,
      code: 'COSE_INVALID',
    });
  });

  it('property: any counter and time fit one frame and round-trip', () => {
    const signer = testSigner('deviceEd25519');
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.integer({ min: 0, max: 253_402_300_799_999 }),
        (deviceCounter, authorizedAtMs) => {
          const bytes = signConsumerAuthorization(
            { requestBytes: encodePaymentRequest(fixtureRequest), deviceCounter, authorizedAtMs },
            signer,
          );
          expect(bytes.length).toBeLessThanOrEqual(140);
          expect(decodeConsumerAuthorization(bytes)).toMatchObject({
            ok: true,
            value: { deviceCounter, authorizedAtMs },
          });
        },
      ),
      { numRuns: 50 },
    );
  });
});

function reHeader(
  protectedHeader: Uint8Array,
  change: (header: Map<unknown, unknown>) => void,
): Uint8Array {
  const header = decodeCborStrict(protectedHeader) as Map<unknown, unknown>;
  change(header);
  return encodeCborDeterministic(header);
}
