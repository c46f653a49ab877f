// The fast path must never accept what decodeCborStrict rejects, and must give the same value when it
// accepts: a differential test over random values, their encodings, and random corruptions of them.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { Tag as CborTag } from 'cbor2';
import { hexToBytes } from '../encoding/bytes';
import { cborIntegerBoundaries } from '../testing/cbor-test-values';
import { decodeCborDeterministic } from './decode-cbor-deterministic';
import { decodeCborFast, fastDecodeDeclined } from './decode-cbor-fast';
import { decodeCborStrict } from './decode-cbor-strict';
import { encodeCborDeterministic } from './encode-cbor-deterministic';

/**
 * The offline protocol's golden messages (libs/protocol/fixtures, byte-locked by the protocol's own
 * tests), read as data: libs/crypto sits below libs/protocol and does not import it.
 */
function protocolFixtures(): Uint8Array[] {
  const directory = path.resolve(__dirname, '../../../protocol/fixtures');
  const files = readdirSync(directory).filter((name) => name.endsWith('.hex'));
  expect(files.length).toBeGreaterThan(0);
  return files.map((name) => hexToBytes(readFileSync(path.join(directory, name), 'utf8').trim()));
}

function strict(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: decodeCborStrict(bytes) };
  } catch {
    return { ok: false };
  }
}

/** Fast accepted ⇒ strict accepted with an equal value. Returns whether fast accepted. */
function agree(bytes: Uint8Array): boolean {
  const fast = decodeCborFast(bytes);
  if (fast === fastDecodeDeclined) return false;
  const reference = strict(bytes);
  // node's deep equality first (fast); Jest's only to report a difference.
  if (!reference.ok || !isDeepStrictEqual(fast, reference.value))
    expect({ fast, reference }).toEqual({ fast, reference: { ok: true, value: fast } });
  return true;
}

const integer = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(...cborIntegerBoundaries),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }),
  fc.constantFrom(
    2n ** 53n - 1n,
    2n ** 53n,
    -(2n ** 53n),
    -(2n ** 53n) - 1n,
    2n ** 64n - 1n,
    -(2n ** 64n),
  ),
);
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('\uFEFFbom', 'settle/payment-request/v1', ''),
);
const scalar = fc.oneof(
  integer,
  text,
  fc.uint8Array({ maxLength: 40 }),
  fc.boolean(),
  fc.constant(null),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    tie('array'),
    tie('map'),
    tie('tag'),
  ),
  array: fc.array(tie('value'), { maxLength: 5 }),
  map: fc
    .uniqueArray(fc.tuple(fc.oneof(fc.integer({ min: -70000, max: 70000 }), text), tie('value')), {
      maxLength: 5,
      selector: ([key]) => key,
    })
    .map((entries) => new Map<unknown, unknown>(entries)),
  tag: fc
    .tuple(fc.constantFrom(0, 1, 18, 24, 255, 256, 65536), tie('value'))
    .map(([tag, contents]) => new CborTag(tag, contents)),
}));

describe('decodeCborFast', () => {
  it('property: decodes every deterministic encoding exactly as decodeCborStrict does', () => {
    fc.assert(
      fc.property(value, (input) => {
        const bytes = encodeCborDeterministic(input);
        expect(agree(bytes)).toBe(true);
      }),
      { numRuns: 600 },
    );
  });

  it('property: on any corruption of an encoding, accepts only what decodeCborStrict accepts, with the same value', () => {
    const mutation = fc.record({
      position: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
      kind: fc.constantFrom('set', 'insert', 'delete', 'truncate'),
    });
    fc.assert(
      fc.property(value, fc.array(mutation, { minLength: 1, maxLength: 3 }), (input, mutations) => {
        let bytes = encodeCborDeterministic(input);
        for (const { position, byte, kind } of mutations) {
          const at = position % (bytes.length + 1);
          if (kind === 'set' && at < bytes.length)
            bytes = Uint8Array.from(bytes, (value, index) => (index === at ? byte : value));
          if (kind === 'insert')
            bytes = Uint8Array.from([...bytes.subarray(0, at), byte, ...bytes.subarray(at)]);
          if (kind === 'delete')
            bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + 1)]);
          if (kind === 'truncate') bytes = bytes.slice(0, at);
        }
        agree(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: every single-byte change of every protocol fixture is accepted only if decodeCborStrict accepts it', () => {
    for (const bytes of protocolFixtures()) {
      expect(agree(bytes)).toBe(true);
      for (let index = 0; index < bytes.length; index++) {
        const changed = bytes.slice();
        changed[index] = changed[index]! ^ 0x01;
        agree(changed);
      }
    }
  });

  it.each([
    ['non-minimal integer', '1817'],
    ['non-minimal length', '5801ff'],
    ['indefinite length', '9fff'],
    ['float', 'f93c00'],
    ['undefined', 'f7'],
    ['simple value', 'f0'],
    ['keys out of order', 'a20201 0102'],
    ['duplicate keys', 'a201020103'],
    ['trailing bytes', '0000'],
    ['truncated', '1a0001'],
    ['invalid UTF-8', '62c328'],
    ['empty', ''],
    ['break', 'ff'],
    ['reserved additional information', '1c'],
  ])('declines %s (the strict decoder decides and names it)', (_name, hex) => {
    const bytes = hexToBytes(hex.replace(/ /g, ''));
    expect(decodeCborFast(bytes)).toBe(fastDecodeDeclined);
    expect(strict(bytes).ok).toBe(false);
  });

  it('declines nesting deeper than the strict limit', () => {
    let nested: unknown = 0;
    for (let depth = 0; depth < 17; depth++) nested = [nested];
    expect(decodeCborFast(encodeCborDeterministic(nested))).toBe(fastDecodeDeclined);
  });

  it('gives byte strings as views of the input (the exact bytes received)', () => {
    const bytes = hexToBytes('43010203');
    const decoded = decodeCborFast(bytes) as Uint8Array;
    expect(decoded.buffer).toBe(bytes.buffer);
    expect(decoded.byteOffset).toBe(1);
  });
});

describe('decodeCborDeterministic', () => {
  it('gives the fast value when the fast path decides (a view of the input)', () => {
    const bytes = hexToBytes('43010203');
    const decoded = decodeCborDeterministic(bytes) as Uint8Array;
    expect(decoded.buffer).toBe(bytes.buffer);
    expect([...decoded]).toEqual([1, 2, 3]);
  });

  it('falls back to decodeCborStrict when the fast path declines, with its value or its error code', () => {
    const largeTag = hexToBytes('db000000010000000000'); // tag 2^32 around 0: beyond the fast path
    expect(decodeCborFast(largeTag)).toBe(fastDecodeDeclined);
    expect(decodeCborDeterministic(largeTag)).toEqual(decodeCborStrict(largeTag));
    expect(decodeCborDeterministic(largeTag)).toBeInstanceOf(CborTag);
    expect(() => decodeCborDeterministic(hexToBytes('a201020103'))).toThrow(
      expect.objectContaining({ code: 'ERR_CBOR_DUPLICATE_KEY' }),
    );
  });
});
