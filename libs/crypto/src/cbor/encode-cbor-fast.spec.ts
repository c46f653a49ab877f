// The fast path must give exactly cbor2's deterministic bytes whenever it encodes, and decline
// (never throw) on everything cbor2 refuses: a differential test over random values.
import fc from 'fast-check';
import { type EncodeOptions, Tag as CborTag, encode } from 'cbor2';
import { cborIntegerBoundaries, rfc8949KeyOrderExample } from '../testing/cbor-test-values';
import { encodeCborDeterministic } from './encode-cbor-deterministic';
import { encodeCborFast, fastEncodeDeclined } from './encode-cbor-fast';

/** The options of `encodeCborDeterministic` (the reference the fast path is held to). */
const cbor2Options: EncodeOptions = {
  cde: true,
  rejectFloats: true,
  rejectUndefined: true,
  rejectCustomSimples: true,
  rejectDuplicateKeys: true,
};

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function reference(value: unknown): string | 'refused' {
  try {
    return toHex(encode(value, cbor2Options));
  } catch {
    return 'refused';
  }
}

/** Fast encoded ⇒ cbor2 encodes the same bytes. Returns whether the fast path encoded. */
function agree(value: unknown): boolean {
  const fast = encodeCborFast(value);
  if (fast === fastEncodeDeclined) return false;
  expect(toHex(fast)).toBe(reference(value));
  return true;
}

const integer = fc.oneof(
  fc.integer({ min: -70000, max: 70000 }),
  fc.constantFrom(...cborIntegerBoundaries, -(2 ** 32), -(2 ** 32) - 1),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }),
  fc.constantFrom(2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n) - 1n, 2n ** 64n - 1n, -(2n ** 64n)),
);
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ maxLength: 30 }),
  fc.constantFrom('\uFEFFbom', 'settle/payment-request/v1', '', '\uD800 lone', 'é'.repeat(40)),
);
const scalar = fc.oneof(
  integer,
  text,
  fc.uint8Array({ maxLength: 300 }),
  fc.boolean(),
  fc.constant(null),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    tie('array'),
    tie('map'),
    tie('object'),
    tie('tag'),
  ),
  array: fc.array(tie('value'), { maxLength: 5 }),
  // Keys of several kinds, duplicates by encoding included (1 and 1n): both must refuse them.
  map: fc
    .array(fc.tuple(fc.oneof(integer, text, fc.boolean(), tie('array')), tie('value')), {
      maxLength: 6,
    })
    .map((entries) => new Map<unknown, unknown>(entries)),
  object: fc.dictionary(text, tie('value'), { maxKeys: 5 }),
  tag: fc
    .tuple(fc.constantFrom(0, 1, 18, 24, 255, 256, 65536), tie('value'))
    .map(([tag, contents]) => new CborTag(tag, contents)),
}));

describe('encodeCborFast', () => {
  it('property: encodes exactly as cbor2 does, or declines', () => {
    let encoded = 0;
    fc.assert(
      fc.property(value, (input) => {
        if (agree(input)) encoded++;
      }),
      { numRuns: 1000 },
    );
    // Not a test of nothing: most values are in the profile.
    expect(encoded).toBeGreaterThan(500);
  });

  it.each<[string, unknown]>([
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['-0', -0],
    ['an unsafe integer', 2 ** 53],
    ['undefined inside an array', [1, undefined]],
    ['a hole in an array', [1, , 3]],
    ['a bignum', 2n ** 64n],
    ['a Buffer', Buffer.from([1, 2])],
    ['a typed array', new Uint16Array([1])],
    ['a Date', new Date(0)],
    ['a function', () => 1],
    ['a null-prototype object', Object.create(null) as object],
    ['an object with toJSON', { toJSON: () => 1 }],
    ['an object posing as a Map', { constructor: Map, size: 1 }],
    [
      'two map keys that encode alike',
      new Map<unknown, unknown>([
        [1, 'a'],
        [1n, 'b'],
      ]),
    ],
    ['deep nesting', Array.from({ length: 40 }).reduce<unknown>((inner) => [inner], 0)],
  ])('declines %s (cbor2 encodes it or names the error)', (_what, input) => {
    expect(encodeCborFast(input)).toBe(fastEncodeDeclined);
    // The caller's fallback: cbor2's bytes, or its refusal as ERR_CBOR_NOT_ENCODABLE.
    const expected = reference(input);
    if (expected === 'refused')
      expect(() => encodeCborDeterministic(input)).toThrow(
        expect.objectContaining({ code: 'ERR_CBOR_NOT_ENCODABLE' }),
      );
    else expect(toHex(encodeCborDeterministic(input))).toBe(expected);
  });

  it('gives the bytes of the RFC 8949 §4.2.1 key order example, from any insertion order', () => {
    const { entries, expectedHex: expected } = rfc8949KeyOrderExample;
    for (const order of [entries, [...entries].reverse()]) {
      const fast = encodeCborFast(new Map(order));
      expect(fast).not.toBe(fastEncodeDeclined);
      expect(toHex(fast as Uint8Array)).toBe(expected);
    }
  });

  it('grows its buffer for large items', () => {
    expect(agree([new Uint8Array(5000), 'x'.repeat(70000), new Map([[1, 'é'.repeat(300)]])])).toBe(
      true,
    );
  });
});
