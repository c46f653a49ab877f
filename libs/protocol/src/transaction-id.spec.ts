import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeCborDeterministic } from '@settle/crypto';
import { calculateTransactionId, protocolLabels } from './index';
import { transactionIdInput } from './transaction-id';

describe('transaction id', () => {
  it('property: hashes the deterministic CBOR array [label, request, protected header], written directly', () => {
    const part = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.constantFrom(23, 24, 255, 256).map((length) => new Uint8Array(length).fill(1)),
    );
    fc.assert(
      fc.property(part, part, (request, protectedHeader) => {
        const expected = encodeCborDeterministic([
          protocolLabels.transactionId,
          request,
          protectedHeader,
        ]);
        expect(transactionIdInput(request, protectedHeader)).toEqual(expected);
        expect(calculateTransactionId(request, protectedHeader)).toEqual(sha256(expected));
      }),
      { numRuns: 100 },
    );
  });

  it('keeps the parts apart: moving a byte from one part to the other changes the id', () => {
    const a = calculateTransactionId(Uint8Array.of(1, 2), Uint8Array.of(3));
    const b = calculateTransactionId(Uint8Array.of(1), Uint8Array.of(2, 3));
    expect(a).not.toEqual(b);
  });
});
