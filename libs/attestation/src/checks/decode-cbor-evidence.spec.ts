// The two CBOR decoders of this library: strict deterministic CBOR for the structures the project
// defines, well-formed CBOR in any key order for what authenticators and Apple encode (issue 13 §4).
import { hexToBytes } from '@settle/crypto';
import { decodeCborEvidence, decodeThirdPartyCbor } from './decode-cbor-evidence';

const reasonOf = (result: { readonly ok: boolean }) =>
  result.ok ? 'decoded' : 'EVIDENCE_MALFORMED';

describe('decodeThirdPartyCbor', () => {
  it('reads maps in any key order, and keeps the order received', () => {
    const misordered = hexToBytes('a203040102'); // { 3: 4, 1: 2 }
    const result = decodeThirdPartyCbor(misordered, 'x');
    expect(result.ok && [...(result.value as Map<number, number>).entries()]).toEqual([
      [3, 4],
      [1, 2],
    ]);
    expect(reasonOf(decodeCborEvidence(misordered, 'x'))).toBe('EVIDENCE_MALFORMED'); // the project's own structures stay strict
  });

  it.each([
    ['a201020103', 'a key twice'],
    ['0100', 'a trailing byte'],
    ['bf0102ff', 'an indefinite-length map'],
    ['1801', 'an integer not in its shortest form'],
    ['f93c00', 'a float'],
    ['f7', 'undefined'],
    ['', 'nothing'],
    ['a1', 'a truncated map'],
  ])('%s (%s) → EVIDENCE_MALFORMED', (hex, _what) => {
    expect(reasonOf(decodeThirdPartyCbor(hexToBytes(hex), 'x'))).toBe('EVIDENCE_MALFORMED');
  });

  it('bounds the nesting depth', () => {
    const deep = new Uint8Array([...new Uint8Array(40).fill(0x81), 0x00]); // 40 nested one-item arrays
    expect(reasonOf(decodeThirdPartyCbor(deep, 'x'))).toBe('EVIDENCE_MALFORMED');
    expect(
      reasonOf(decodeThirdPartyCbor(new Uint8Array([...new Uint8Array(8).fill(0x81), 0x00]), 'x')),
    ).toBe('decoded');
  });
});
