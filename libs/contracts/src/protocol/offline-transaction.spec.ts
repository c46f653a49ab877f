import { encodeCborDeterministic, decodeCborStrict } from '@settle/crypto';
import { decodeOfflineTransaction, encodeOfflineTransaction, formatTransactionId, verifyOfflineTransaction } from '../index';
import { readProtocolFixture, testPublicKey } from './testing/protocol-fixtures';

const transactionBytes = readProtocolFixture('offline-transaction');
const keys = {
  deviceKey: testPublicKey('deviceEs256'),
  deviceAlgorithms: ['ES256', 'EdDSA'] as const,
  terminalKey: testPublicKey('terminal'),
  terminalAlgorithms: ['ES256'] as const,
  backend: 'native' as const,
};

function decoded() {
  const result = decodeOfflineTransaction(transactionBytes);
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

describe('offline transaction', () => {
  it('decodes its three parts and its transaction id, and both signatures verify', () => {
    const transaction = decoded();
    expect(transaction.request.amount).toBe(1250n);
    expect(transaction.authorization.deviceCounter).toBe(4187n);
    expect(transaction.approval.approvedAtMs).toBe(Date.parse('2026-11-28T07:41:12.517Z'));
    expect(formatTransactionId(transaction.transactionId)).toHaveLength(47);
    expect(verifyOfflineTransaction(transaction, keys)).toMatchObject({ ok: true, value: { verified: true } });
  });

  it('names the part whose signature fails', () => {
    const transaction = decoded();
    expect(verifyOfflineTransaction(transaction, { ...keys, terminalKey: testPublicKey('processor') })).toMatchObject({
      ok: false,
      code: 'KEY_ID_MISMATCH',
      field: 'approval/protected/kid',
    });
    const otherRequest = readProtocolFixture('payment-request.largest');
    expect(verifyOfflineTransaction({ ...transaction, requestBytes: otherRequest }, keys)).toMatchObject({
      ok: false,
      code: 'SIGNATURE_INVALID',
      field: 'authorization/signature',
    });
  });

  it('names the part that does not decode, and refuses unknown or missing parts', () => {
    const map = decodeCborStrict(transactionBytes) as Map<unknown, unknown>;
    const withBadRequest = new Map(map).set(1, new Uint8Array([0xa0]));
    expect(decodeOfflineTransaction(encodeCborDeterministic(withBadRequest))).toMatchObject({ ok: false, code: 'FIELD_MISSING', field: 'request/label' });
    const withoutApproval = new Map(map);
    withoutApproval.delete(3);
    expect(decodeOfflineTransaction(encodeCborDeterministic(withoutApproval))).toMatchObject({ ok: false, code: 'FIELD_MISSING', field: 'approval' });
    expect(decodeOfflineTransaction(encodeCborDeterministic(new Map(map).set(4, 0)))).toMatchObject({ ok: false, code: 'FIELD_UNKNOWN', field: '4' });
  });

  it('the same authorization approved twice has one transaction id (the verifier compares content)', () => {
    const first = decoded();
    const reEncoded = decodeOfflineTransaction(encodeOfflineTransaction(first));
    expect(reEncoded.ok && reEncoded.value.transactionId).toEqual(first.transactionId);
  });
});

describe('offline transaction put together by hand', () => {
  it('refuses decoded parts that are not those of its bytes', () => {
    const transaction = decodeOfflineTransaction(transactionBytes);
    const other = decodeOfflineTransaction(encodeOfflineTransaction({ ...(transaction.ok ? transaction.value : ({} as never)), authorizationBytes: readProtocolFixture('consumer-authorization.ed25519') }));
    if (!transaction.ok || !other.ok) throw new Error('fixtures decode');
    expect(verifyOfflineTransaction({ ...transaction.value, authorization: other.value.authorization }, keys)).toMatchObject({ ok: false, code: 'STRUCTURE_INVALID', field: 'authorization' });
  });
});
