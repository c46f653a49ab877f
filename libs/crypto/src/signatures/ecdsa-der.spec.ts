import fc from 'fast-check';
import { hex } from '../testing/vectors';
import { ecdsaDerToRaw, ecdsaRawToDer } from './ecdsa-der';

const r = '01'.padStart(64, '0');
const highR = `80${'00'.repeat(31)}`;

describe('ECDSA DER ↔ raw r‖s', () => {
  it('round-trips random 64-byte signatures and matches the minimal DER layout', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (raw) => {
        const der = ecdsaRawToDer(raw);
        expect(ecdsaDerToRaw(der)).toEqual(raw);
        expect(der[0]).toBe(0x30);
        expect(der[1]).toBe(der.length - 2);
      }),
    );
  });

  it('encodes small and high-bit integers minimally', () => {
    expect(Buffer.from(ecdsaRawToDer(hex(r + r))).toString('hex')).toBe('3006020101020101');
    expect(Buffer.from(ecdsaRawToDer(hex(highR + r))).toString('hex')).toBe(
      `302602210080${'00'.repeat(31)}020101`,
    );
    expect(Buffer.from(ecdsaRawToDer(new Uint8Array(64))).toString('hex')).toBe('3006020100020100');
  });

  // Hand-written non-strict encodings; each must be refused, never repaired.
  it.each([
    ['BER long-form sequence length', '308106020101020101'],
    ['BER long-form integer length', '300702810101020101'],
    ['indefinite length', '30800201010201010000'],
    ['negative r', '3006020181020101'],
    ['superfluous leading zero', '300702020001020101'],
    ['zero-length integer', '30050200020101'],
    ['trailing bytes inside the sequence', '30080201010201010500'],
    ['trailing bytes after the sequence', '300602010102010100'],
    ['wrong outer tag', '3106020101020101'],
    ['wrong integer tag', '3006030101020101'],
    ['sequence length too short', '3005020101020101'],
    ['r longer than 256 bits', `3027022201${'00'.repeat(32)}020101`],
    ['only one integer', '3003020101'],
    ['empty', ''],
  ])('rejects %s with ERR_ECDSA_SIGNATURE_ENCODING_INVALID', (_what, derHex) => {
    expect(() => ecdsaDerToRaw(hex(derHex))).toThrow(
      expect.objectContaining({ code: 'ERR_ECDSA_SIGNATURE_ENCODING_INVALID' }),
    );
  });

  it('rejects a raw signature of the wrong length', () => {
    expect(() => ecdsaRawToDer(new Uint8Array(63))).toThrow(
      expect.objectContaining({ code: 'ERR_ECDSA_SIGNATURE_ENCODING_INVALID' }),
    );
  });
});
