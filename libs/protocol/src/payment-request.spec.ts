import fc from 'fast-check';
import { decodeCborStrict, encodeCborDeterministic, hexToBytes } from '@settle/crypto';
import {
  type PaymentRequest,
  ProtocolError,
  amountMinorUnitsMax,
  decodePaymentRequest,
  encodePaymentRequest,
  paymentRequestSizeMaxBytes,
  paymentRequestValidityMsMax,
  protocolLabels,
  protocolTimeMsMax,
} from './index';
import { fixtureRequest, readProtocolFixture } from './testing/protocol-fixtures';

const identifier = fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/);
const validRequest: fc.Arbitrary<PaymentRequest> = fc
  .record({
    merchantId: identifier,
    terminalId: identifier,
    amount: fc.bigInt({ min: 1n, max: amountMinorUnitsMax }),
    currency: fc.stringMatching(/^[A-Z]{3}$/),
    nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    createdAtMs: fc.integer({ min: 0, max: protocolTimeMsMax - 1 }),
    validityMs: fc.integer({ min: 1, max: paymentRequestValidityMsMax }),
  })
  .filter(({ createdAtMs, validityMs }) => createdAtMs + validityMs <= protocolTimeMsMax)
  .map(({ validityMs, ...request }) => ({
    ...request,
    expiresAtMs: request.createdAtMs + validityMs,
  }));

/** The fixture's map with `change` applied, re-encoded deterministically. */
function withMap(change: (map: Map<unknown, unknown>) => void): Uint8Array {
  const map = decodeCborStrict(readProtocolFixture('payment-request')) as Map<unknown, unknown>;
  change(map);
  return encodeCborDeterministic(map);
}

describe('payment request', () => {
  it('property: any valid request round-trips and fits one sound frame', () => {
    fc.assert(
      fc.property(validRequest, (request) => {
        const bytes = encodePaymentRequest(request);
        expect(bytes.length).toBeLessThanOrEqual(paymentRequestSizeMaxBytes);
        expect(decodePaymentRequest(bytes)).toEqual({ ok: true, value: request });
      }),
      { numRuns: 300 },
    );
  });

  it('is an integer-keyed map with the label inside', () => {
    const map = decodeCborStrict(readProtocolFixture('payment-request')) as Map<unknown, unknown>;
    expect([...map.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(map.get(0)).toBe(protocolLabels.paymentRequest);
  });

  it.each([
    [
      'an unknown field',
      (map: Map<unknown, unknown>) => map.set(8, 1),
      { code: 'FIELD_UNKNOWN', field: '8' },
    ],
    [
      'a text key',
      (map: Map<unknown, unknown>) => map.set('x', 1),
      { code: 'FIELD_UNKNOWN', field: 'x' },
    ],
    [
      'no label',
      (map: Map<unknown, unknown>) => map.delete(0),
      { code: 'FIELD_MISSING', field: 'label' },
    ],
    [
      'another label',
      (map: Map<unknown, unknown>) => map.set(0, 'settle/payment-request/v2'),
      { code: 'LABEL_MISMATCH', field: 'label' },
    ],
    [
      'no amount',
      (map: Map<unknown, unknown>) => map.delete(3),
      { code: 'FIELD_MISSING', field: 'amount' },
    ],
    [
      'no nonce',
      (map: Map<unknown, unknown>) => map.delete(5),
      { code: 'FIELD_MISSING', field: 'nonce' },
    ],
    [
      'a zero amount',
      (map: Map<unknown, unknown>) => map.set(3, 0),
      { code: 'FIELD_INVALID', field: 'amount' },
    ],
    [
      'a negative amount',
      (map: Map<unknown, unknown>) => map.set(3, -1250),
      { code: 'FIELD_INVALID', field: 'amount' },
    ],
    [
      'an amount as text',
      (map: Map<unknown, unknown>) => map.set(3, '1250'),
      { code: 'FIELD_INVALID', field: 'amount' },
    ],
    [
      'an amount above 2^63 - 1',
      (map: Map<unknown, unknown>) => map.set(3, 2n ** 63n),
      { code: 'FIELD_INVALID', field: 'amount' },
    ],
    [
      'a lower-case currency',
      (map: Map<unknown, unknown>) => map.set(4, 'eur'),
      { code: 'FIELD_INVALID', field: 'currency' },
    ],
    [
      'a 25-character merchant id',
      (map: Map<unknown, unknown>) => map.set(1, 'm'.repeat(25)),
      { code: 'FIELD_INVALID', field: 'merchantId' },
    ],
    [
      'a terminal id with a space',
      (map: Map<unknown, unknown>) => map.set(2, 'trm 1'),
      { code: 'FIELD_INVALID', field: 'terminalId' },
    ],
    [
      'a 15-byte nonce',
      (map: Map<unknown, unknown>) => map.set(5, new Uint8Array(15)),
      { code: 'FIELD_INVALID', field: 'nonce' },
    ],
    [
      'a time after year 9999',
      (map: Map<unknown, unknown>) => map.set(7, protocolTimeMsMax + 1),
      { code: 'FIELD_INVALID', field: 'expiresAtMs' },
    ],
    [
      'expiry before creation',
      (map: Map<unknown, unknown>) => map.set(7, fixtureRequest.createdAtMs),
      { code: 'FIELD_INVALID', field: 'expiresAtMs' },
    ],
    [
      'a validity over 15 minutes',
      (map: Map<unknown, unknown>) =>
        map.set(7, fixtureRequest.createdAtMs + paymentRequestValidityMsMax + 1),
      { code: 'FIELD_INVALID', field: 'expiresAtMs' },
    ],
  ])('rejects %s with a stable code naming the field', (_name, change, expected) => {
    expect(decodePaymentRequest(withMap(change))).toMatchObject({ ok: false, ...expected });
  });

  it('rejects what is not strict deterministic CBOR, with the CBOR code as the cause', () => {
    const bytes = readProtocolFixture('payment-request');
    const nonMinimal = hexToBytes(
      Buffer.from(bytes).toString('hex').replace('031904e2', '031a000004e2'),
    );
    const result = decodePaymentRequest(nonMinimal);
    expect(result).toMatchObject({
      ok: false,
      code: 'CBOR_INVALID',
      cause: { code: 'ERR_CBOR_NON_MINIMAL' },
    });
    expect(decodePaymentRequest(Uint8Array.from([...bytes, 0]))).toMatchObject({
      ok: false,
      code: 'CBOR_INVALID',
      cause: { code: 'ERR_CBOR_TRAILING_BYTES' },
    });
    expect(decodePaymentRequest(encodeCborDeterministic([1, 2]))).toMatchObject({
      ok: false,
      code: 'STRUCTURE_INVALID',
    });
  });

  it('refuses more than one frame of bytes before decoding anything', () => {
    expect(decodePaymentRequest(new Uint8Array(paymentRequestSizeMaxBytes + 1))).toMatchObject({
      ok: false,
      code: 'SIZE_EXCEEDED',
    });
  });

  it('refuses to encode an invalid request (a programmer error), naming the field', () => {
    const attempt = (request: PaymentRequest) => () => encodePaymentRequest(request);
    expect(attempt({ ...fixtureRequest, amount: 0n })).toThrow(
      expect.objectContaining({ code: 'FIELD_INVALID', field: 'amount' }),
    );
    expect(
      attempt({ ...fixtureRequest, merchantId: 'a-merchant-id-that-is-far-too-long' }),
    ).toThrow(ProtocolError);
    expect(attempt({ ...fixtureRequest, createdAtMs: 1.5 })).toThrow(
      expect.objectContaining({ field: 'createdAtMs' }),
    );
  });
});
