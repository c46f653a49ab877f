// Strict decoding. Accepted items are from RFC 8949 Appendix A (examples of encoded CBOR data
// items) that fall inside the profile; every rejection case is hand-written hex, one per rule.
import { Tag } from 'cbor2';
import { type CryptoErrorCode } from '../errors';
import { hex } from '../testing/vectors';
import { decodeCborStrict } from './decode-cbor-strict';

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

describe('decodeCborStrict accepts deterministic CBOR (RFC 8949 Appendix A)', () => {
  it.each<[string, unknown]>([
    ['00', 0],
    ['17', 23],
    ['1818', 24],
    ['1903e8', 1000],
    ['1a000f4240', 1000000],
    ['1b000000e8d4a51000', 1000000000000],
    ['1bffffffffffffffff', 18446744073709551615n],
    ['20', -1],
    ['3863', -100],
    ['3bffffffffffffffff', -18446744073709551616n],
    ['f4', false],
    ['f5', true],
    ['f6', null],
    ['40', new Uint8Array(0)],
    ['4401020304', new Uint8Array([1, 2, 3, 4])],
    ['60', ''],
    ['6449455446', 'IETF'],
    ['62c3bc', 'ü'],
    ['80', []],
    ['8301820203820405', [1, [2, 3], [4, 5]]],
    ['a0', new Map()],
    [
      'a201020304',
      new Map([
        [1, 2],
        [3, 4],
      ]),
    ],
    [
      'a26161016162820203',
      new Map<unknown, unknown>([
        ['a', 1],
        ['b', [2, 3]],
      ]),
    ],
    ['c074323031332d30332d32315432303a30343a30305a', new Tag(0, '2013-03-21T20:04:00Z')],
    ['c249010000000000000000', new Tag(2, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0]))],
  ])('%s', (encoded, expected) => {
    expect(decodeCborStrict(hex(encoded))).toEqual(expected);
  });

  it('returns byte strings as views of the input: the exact bytes received', () => {
    const input = hex('824201024103');
    const [first] = decodeCborStrict(input) as [Uint8Array];
    expect(first.buffer).toBe(input.buffer);
    expect(first.byteOffset).toBe(2);
  });

  it('orders map keys bytewise, not length-first: 100 (18 64) before -1 (20)', () => {
    expect(decodeCborStrict(hex('a21864012002'))).toEqual(
      new Map([
        [100, 1],
        [-1, 2],
      ]),
    );
  });
});

describe('decodeCborStrict rejects', () => {
  it.each<[string, string, CryptoErrorCode]>([
    // RFC 8949 §4.2.1: no trailing data after the one item
    ['a trailing byte', '0100', 'ERR_CBOR_TRAILING_BYTES'],
    ['a second item', 'a0a0', 'ERR_CBOR_TRAILING_BYTES'],
    ['a stray break after an item', '80ff', 'ERR_CBOR_TRAILING_BYTES'],
    // §4.2.1: definite lengths only
    ['an indefinite byte string', '5f42010243030405ff', 'ERR_CBOR_INDEFINITE_LENGTH'],
    ['an indefinite text string', '7f657374726561646d696e67ff', 'ERR_CBOR_INDEFINITE_LENGTH'],
    ['an indefinite array', '9f0102ff', 'ERR_CBOR_INDEFINITE_LENGTH'],
    ['an indefinite map', 'bf6346756ef5ff', 'ERR_CBOR_INDEFINITE_LENGTH'],
    ['an indefinite array inside a definite one', '82019f02ff', 'ERR_CBOR_INDEFINITE_LENGTH'],
    // §4.2.1 / §4.2.2 preferred serialization: shortest argument
    ['23 in one extra byte', '1817', 'ERR_CBOR_NON_MINIMAL'],
    ['23 in two extra bytes', '190017', 'ERR_CBOR_NON_MINIMAL'],
    ['255 in two extra bytes', '1900ff', 'ERR_CBOR_NON_MINIMAL'],
    ['65535 in four extra bytes', '1a0000ffff', 'ERR_CBOR_NON_MINIMAL'],
    ['2^32 - 1 in eight extra bytes', '1b00000000ffffffff', 'ERR_CBOR_NON_MINIMAL'],
    ['-24 in one extra byte', '3817', 'ERR_CBOR_NON_MINIMAL'],
    ['a byte string length in one extra byte', '5801aa', 'ERR_CBOR_NON_MINIMAL'],
    ['a text string length in two extra bytes', '79000161', 'ERR_CBOR_NON_MINIMAL'],
    ['an array length in one extra byte', '980101', 'ERR_CBOR_NON_MINIMAL'],
    ['a map length in one extra byte', 'b8010102', 'ERR_CBOR_NON_MINIMAL'],
    ['a tag number in one extra byte', 'd81200', 'ERR_CBOR_NON_MINIMAL'],
    // duplicate keys (RFC 8949 §5.6: not valid for this profile) and §4.2.1 key order
    ['two equal integer keys', 'a201020102', 'ERR_CBOR_DUPLICATE_KEY'],
    ['two equal text keys', 'a2616101616102', 'ERR_CBOR_DUPLICATE_KEY'],
    ['equal keys that are not adjacent', 'a3010203040105', 'ERR_CBOR_DUPLICATE_KEY'],
    ['integer keys out of order', 'a203040102', 'ERR_CBOR_KEY_ORDER'],
    ['text keys out of order', 'a2616201616102', 'ERR_CBOR_KEY_ORDER'],
    ['length-first order (RFC 8949 §4.2.3), not bytewise', 'a22001186402', 'ERR_CBOR_KEY_ORDER'],
    ['a text key before an integer key', 'a26161010102', 'ERR_CBOR_KEY_ORDER'],
    // the profile: no floating point, no undefined, no unassigned simple values
    ['a half-precision float', 'f93c00', 'ERR_CBOR_TYPE_NOT_ALLOWED'],
    ['a single-precision float', 'fa47c35000', 'ERR_CBOR_TYPE_NOT_ALLOWED'],
    ['a double-precision float', 'fb3ff199999999999a', 'ERR_CBOR_TYPE_NOT_ALLOWED'],
    ['NaN', 'f97e00', 'ERR_CBOR_TYPE_NOT_ALLOWED'],
    ['undefined', 'f7', 'ERR_CBOR_TYPE_NOT_ALLOWED'],
    ['simple(16)', 'f0', 'ERR_CBOR_TYPE_NOT_ALLOWED'],
    ['simple(255)', 'f8ff', 'ERR_CBOR_TYPE_NOT_ALLOWED'],
    // not well formed (RFC 8949 §3, Appendix F)
    ['empty input', '', 'ERR_CBOR_MALFORMED'],
    ['a truncated head', '18', 'ERR_CBOR_MALFORMED'],
    ['a truncated byte string', '581801', 'ERR_CBOR_MALFORMED'],
    ['a truncated array', '8201', 'ERR_CBOR_MALFORMED'],
    ['invalid UTF-8', '61ff', 'ERR_CBOR_MALFORMED'],
    ['reserved additional information 28', '1c', 'ERR_CBOR_MALFORMED'],
    ['a lone break', 'ff', 'ERR_CBOR_MALFORMED'],
    ['an indefinite-length integer', '1f', 'ERR_CBOR_MALFORMED'],
    ['a two-byte simple value below 32', 'f818', 'ERR_CBOR_MALFORMED'],
  ])('%s (%s) with %s', (_what, encoded, code) => {
    expect(codeOf(() => decodeCborStrict(hex(encoded)))).toBe(code);
  });

  it('nesting deeper than the limit, counting arrays, maps and tags alike (ERR_CBOR_TOO_DEEP)', () => {
    expect(decodeCborStrict(hex('818100'), { nestingDepthMax: 2 })).toEqual([[0]]);
    expect(codeOf(() => decodeCborStrict(hex('81818100'), { nestingDepthMax: 2 }))).toBe(
      'ERR_CBOR_TOO_DEEP',
    );
    expect(decodeCborStrict(hex('a101a10100'), { nestingDepthMax: 2 })).toEqual(
      new Map([[1, new Map([[1, 0]])]]),
    );
    expect(codeOf(() => decodeCborStrict(hex('a101a101a10100'), { nestingDepthMax: 2 }))).toBe(
      'ERR_CBOR_TOO_DEEP',
    );
    expect(codeOf(() => decodeCborStrict(hex('c1c1c100'), { nestingDepthMax: 2 }))).toBe(
      'ERR_CBOR_TOO_DEEP',
    );
    expect(codeOf(() => decodeCborStrict(hex(`${'81'.repeat(17)}00`)))).toBe('ERR_CBOR_TOO_DEEP');
    expect(codeOf(() => decodeCborStrict(hex(`${'81'.repeat(100000)}00`)))).toBe(
      'ERR_CBOR_TOO_DEEP',
    );
  });

  it('anything but bytes (ERR_INVALID_ARGUMENT)', () => {
    expect(codeOf(() => decodeCborStrict('00' as unknown as Uint8Array))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });

  it('keeps the library error as the cause', () => {
    try {
      decodeCborStrict(hex('0100'));
      throw new Error('not rejected');
    } catch (error) {
      expect((error as Error).cause).toBeInstanceOf(Error);
    }
  });
});
