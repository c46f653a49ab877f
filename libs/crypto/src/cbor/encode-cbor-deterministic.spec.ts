// Deterministic encoding (RFC 8949 §4.2.1). Known vectors: RFC 8949 Appendix A and the key order
// example of §4.2.1 (10, 100, -1, "z", "aa", [100], [-1], false).
import fc from 'fast-check';
import { type CryptoErrorCode } from '../errors';
import { rfc8949KeyOrderExample } from '../testing/cbor-test-values';
import { decodeCborStrict } from './decode-cbor-strict';
import { encodeCborDeterministic } from './encode-cbor-deterministic';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

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

describe('encodeCborDeterministic', () => {
  it('sorts map keys bytewise by their encodings (the RFC 8949 §4.2.1 example order)', () => {
    const { entries, expectedHex: expected } = rfc8949KeyOrderExample;
    expect(toHex(encodeCborDeterministic(new Map(entries)))).toBe(expected);
    expect(toHex(encodeCborDeterministic(new Map([...entries].reverse())))).toBe(expected);
  });

  it.each<[unknown, string]>([
    [0, '00'],
    [23, '17'],
    [24, '1818'],
    [1000000, '1a000f4240'],
    [-1000, '3903e7'],
    [18446744073709551615n, '1bffffffffffffffff'],
    [-18446744073709551616n, '3bffffffffffffffff'],
    [18446744073709551616n, 'c249010000000000000000'],
    [1n, '01'],
    [new Uint8Array([1, 2, 3, 4]), '4401020304'],
    ['IETF', '6449455446'],
    [[1, [2, 3], [4, 5]], '8301820203820405'],
    [{ b: [2, 3], a: 1 }, 'a26161016162820203'],
    [null, 'f6'],
    [true, 'f5'],
  ])('encodes %p as %s (RFC 8949 Appendix A)', (value, expected) => {
    expect(toHex(encodeCborDeterministic(value))).toBe(expected);
  });

  it.each<[string, unknown]>([
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-0', -0],
    ['an unsafe integer as a number (use a bigint)', 2 ** 53],
    ['undefined', undefined],
    ['undefined inside an array', [1, undefined]],
    ['a float inside a map', new Map([['amount', 12.5]])],
    ['a function', () => 1],
    [
      'two keys that encode alike',
      new Map<unknown, unknown>([
        [1, 'a'],
        [1n, 'b'],
      ]),
    ],
  ])('rejects %s with ERR_CBOR_NOT_ENCODABLE', (_what, value) => {
    expect(codeOf(() => encodeCborDeterministic(value))).toBe('ERR_CBOR_NOT_ENCODABLE');
  });

  const key = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }));
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.integer(),
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
      fc.string(),
      fc.uint8Array({ maxLength: 40 }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc
        .uniqueArray(fc.tuple(key, tie('value')), {
          maxLength: 4,
          selector: ([k]) => (typeof k === 'string' ? `s${k}` : `n${k}`),
        })
        .map((pairs) => new Map(pairs)),
    ),
  }));

  it('property: the strict decoder accepts every encoding, and re-encoding gives the same bytes', () => {
    fc.assert(
      fc.property(value, (input) => {
        const encoded = encodeCborDeterministic(input);
        const decoded = decodeCborStrict(encoded);
        expect(toHex(encodeCborDeterministic(decoded))).toBe(toHex(encoded));
      }),
      { numRuns: 300 },
    );
  });

  it('property: map insertion order never changes the bytes', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(key, fc.integer()), {
          selector: ([k]) => (typeof k === 'string' ? `s${k}` : `n${k}`),
        }),
        (pairs) => {
          expect(toHex(encodeCborDeterministic(new Map(pairs)))).toBe(
            toHex(encodeCborDeterministic(new Map([...pairs].reverse()))),
          );
        },
      ),
    );
  });
});
