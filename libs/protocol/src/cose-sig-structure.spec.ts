// Sig_structure (RFC 9052 §4.4). Known bytes: the ToBeSigned of RFC 9052 Appendix C.2.1.
import fc from 'fast-check';
import { encodeCborDeterministic, hexToBytes as hex } from '@settle/crypto';
import { coseSign1SignatureContext } from './cose-constants';
import { encodeSign1SigStructure } from './cose-sig-structure';

describe('encodeSign1SigStructure', () => {
  it('gives the ToBeSigned bytes of RFC 9052 Appendix C.2.1', () => {
    const toBeSigned = encodeSign1SigStructure(
      hex('a10126'),
      new Uint8Array(0),
      new TextEncoder().encode('This is the content.'),
    );
    expect(Buffer.from(toBeSigned).toString('hex')).toBe(
      '846a5369676e61747572653143a101264054546869732069732074686520636f6e74656e742e',
    );
  });

  it('property: equals the general deterministic encoder, at every length boundary', () => {
    const lengths = fc.oneof(fc.nat(30), fc.constantFrom(23, 24, 255, 256, 65535, 65536));
    fc.assert(
      fc.property(lengths, lengths, lengths, (protectedLength, aadLength, payloadLength) => {
        const [protectedHeader, aad, payload] = [protectedLength, aadLength, payloadLength].map(
          (length) => new Uint8Array(length).fill(7),
        ) as [Uint8Array, Uint8Array, Uint8Array];
        expect(encodeSign1SigStructure(protectedHeader, aad, payload)).toEqual(
          encodeCborDeterministic([coseSign1SignatureContext, protectedHeader, aad, payload]),
        );
      }),
      { numRuns: 60 },
    );
  });
});
