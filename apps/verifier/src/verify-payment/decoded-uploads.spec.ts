import { decodeOfflineTransaction, formatTransactionId } from '@settle/protocol';
import { readProtocolFixture } from '@settle/protocol/testing';
import { DecodedUploads, decodedUploadsEntriesMax } from './decoded-uploads';

function decodedFixture() {
  const bytes = readProtocolFixture('offline-transaction');
  const decoded = decodeOfflineTransaction(bytes);
  if (!decoded.ok) throw new Error('the fixture decodes');
  return {
    bytes,
    transaction: decoded.value,
    transactionId: formatTransactionId(decoded.value.transactionId),
  };
}

describe('DecodedUploads', () => {
  it('hands a transaction over once, for the same bytes', () => {
    const uploads = new DecodedUploads();
    const { bytes, transaction, transactionId } = decodedFixture();
    uploads.keep(transactionId, bytes, transaction);
    expect(uploads.take(transactionId, new Uint8Array(bytes))).toBe(transaction);
    expect(uploads.take(transactionId, bytes)).toBeUndefined();
    expect(uploads.size).toBe(0);
  });

  it('never for other bytes under the id: the stored row is decoded instead', () => {
    const uploads = new DecodedUploads();
    const { bytes, transaction, transactionId } = decodedFixture();
    uploads.keep(transactionId, bytes, transaction);
    const other = new Uint8Array(bytes);
    other[other.length - 1]! ^= 1;
    expect(uploads.take(transactionId, other)).toBeUndefined();
    expect(uploads.take('txn_unknown', bytes)).toBeUndefined();
    expect(uploads.size).toBe(0);
  });

  it('stays within its bound, dropping the oldest upload', () => {
    const uploads = new DecodedUploads();
    const { bytes, transaction } = decodedFixture();
    for (let index = 0; index <= decodedUploadsEntriesMax; index++)
      uploads.keep(`txn_${index}`, bytes, transaction);
    expect(uploads.size).toBe(decodedUploadsEntriesMax);
    expect(uploads.take('txn_0', bytes)).toBeUndefined();
    expect(uploads.take(`txn_${decodedUploadsEntriesMax}`, bytes)).toBe(transaction);
  });
});
