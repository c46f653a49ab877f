import fc from 'fast-check';
import { bytesToHex } from '../encoding/bytes';
import { sha256Concat } from './sha256';

describe('sha256Concat', () => {
  it('gives the FIPS 180-2 digest of "abc" on both back ends', () => {
    const abc = new TextEncoder().encode('abc');
    const expected = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(bytesToHex(sha256Concat([abc], 'native'))).toBe(expected);
    expect(bytesToHex(sha256Concat([abc.subarray(0, 1), abc.subarray(1)], 'noble'))).toBe(expected);
  });

  it('agrees between back ends on any split of any input', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 6 }), (parts) => {
        expect(bytesToHex(sha256Concat(parts, 'native'))).toBe(
          bytesToHex(sha256Concat(parts, 'noble')),
        );
      }),
      { numRuns: 200 },
    );
  });
});
