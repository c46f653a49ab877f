import { encodeCborDeterministic, decodeCborStrict, signatureBackends } from '@settle/crypto';
import fc from 'fast-check';
import {
  decodeOfflineTransaction,
  encodeOfflineTransaction,
  formatTransactionId,
  signMerchantApproval,
  unwrapProtocolResult,
  verifyOfflineTransaction,
  verifyOfflineTransactionAsync,
} from './index';
import { readProtocolFixture, testPublicKey, testSigner } from './testing/protocol-fixtures';

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
    expect(verifyOfflineTransaction(transaction, keys)).toMatchObject({
      ok: true,
      value: { verified: true },
    });
  });

  it('names the part whose signature fails', () => {
    const transaction = decoded();
    expect(
      verifyOfflineTransaction(transaction, { ...keys, terminalKey: testPublicKey('processor') }),
    ).toMatchObject({
      ok: false,
      code: 'KEY_ID_MISMATCH',
      field: 'approval/protected/kid',
    });
    const otherRequest = readProtocolFixture('payment-request.largest');
    expect(
      verifyOfflineTransaction({ ...transaction, requestBytes: otherRequest }, keys),
    ).toMatchObject({
      ok: false,
      code: 'SIGNATURE_INVALID',
      field: 'authorization/signature',
    });
  });

  it('names the part that does not decode, and refuses unknown or missing parts', () => {
    const map = decodeCborStrict(transactionBytes) as Map<unknown, unknown>;
    const withBadRequest = new Map(map).set(1, new Uint8Array([0xa0]));
    expect(decodeOfflineTransaction(encodeCborDeterministic(withBadRequest))).toMatchObject({
      ok: false,
      code: 'FIELD_MISSING',
      field: 'request/label',
    });
    const withoutApproval = new Map(map);
    withoutApproval.delete(3);
    expect(decodeOfflineTransaction(encodeCborDeterministic(withoutApproval))).toMatchObject({
      ok: false,
      code: 'FIELD_MISSING',
      field: 'approval',
    });
    expect(decodeOfflineTransaction(encodeCborDeterministic(new Map(map).set(4, 0)))).toMatchObject(
      { ok: false, code: 'FIELD_UNKNOWN', field: '4' },
    );
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
    const other = decodeOfflineTransaction(
      encodeOfflineTransaction({
        ...(transaction.ok ? transaction.value : ({} as never)),
        authorizationBytes: readProtocolFixture('consumer-authorization.ed25519'),
      }),
    );
    if (!transaction.ok || !other.ok) throw new Error('fixtures decode');
    expect(
      verifyOfflineTransaction(
        { ...transaction.value, authorization: other.value.authorization },
        keys,
      ),
    ).toMatchObject({ ok: false, code: 'STRUCTURE_INVALID', field: 'authorization' });
  });
});

describe('verifyOfflineTransactionAsync: the same checks as verifyOfflineTransaction', () => {
  type Keys = Parameters<typeof verifyOfflineTransaction>[1];
  type Transaction = Parameters<typeof verifyOfflineTransaction>[0];

  /** A signature flipped in the decoded part and in its bytes alike (the part stays consistent). */
  function withFlippedSignature(
    transaction: Transaction,
    part: 'authorization' | 'approval',
    bit: number,
  ): Transaction {
    const bytesField = part === 'authorization' ? 'authorizationBytes' : 'approvalBytes';
    const bytes = transaction[bytesField].slice();
    const at = bytes.length - 64 + ((bit >> 3) % 64);
    bytes[at]! ^= 1 << (bit & 7);
    return {
      ...transaction,
      [bytesField]: bytes,
      [part]: { ...transaction[part], signature: bytes.subarray(bytes.length - 64) },
    };
  }

  async function expectSame(transaction: Transaction, options: Keys): Promise<void> {
    const sync = verifyOfflineTransaction(transaction, options);
    const async = await verifyOfflineTransactionAsync(transaction, options);
    expect(async).toEqual(sync);
  }

  const edAuthorization = readProtocolFixture('consumer-authorization.ed25519');
  const edTransaction = () => {
    const approvalBytes = signMerchantApproval(
      { authorizationBytes: edAuthorization, approvedAtMs: Date.parse('2026-11-28T07:41:12.517Z') },
      testSigner('terminal'),
    );
    return unwrapProtocolResult(
      decodeOfflineTransaction(
        encodeOfflineTransaction({
          requestBytes: decoded().requestBytes,
          authorizationBytes: edAuthorization,
          approvalBytes,
        }),
      ),
    );
  };

  it.each<[string, () => Transaction, Keys, Record<string, unknown>]>([
    ['valid', decoded, keys, { ok: true }],
    [
      'valid, an Ed25519 consumer key',
      edTransaction,
      { ...keys, deviceKey: testPublicKey('deviceEd25519') },
      { ok: true },
    ],
    [
      'another terminal key',
      decoded,
      { ...keys, terminalKey: testPublicKey('processor') },
      { code: 'KEY_ID_MISMATCH', field: 'approval/protected/kid' },
    ],
    [
      'a consumer algorithm not allowed',
      decoded,
      { ...keys, deviceAlgorithms: ['EdDSA'] },
      { code: 'ALGORITHM_NOT_ALLOWED', field: 'authorization/protected/alg' },
    ],
    [
      'an approval algorithm not allowed',
      edTransaction,
      { ...keys, deviceKey: testPublicKey('deviceEd25519'), terminalAlgorithms: ['EdDSA'] },
      { code: 'ALGORITHM_NOT_ALLOWED', field: 'approval/protected/alg' },
    ],
    [
      'other request bytes',
      () => ({ ...decoded(), requestBytes: readProtocolFixture('payment-request.largest') }),
      keys,
      { code: 'SIGNATURE_INVALID', field: 'authorization/signature' },
    ],
    [
      'a flipped approval signature',
      () => withFlippedSignature(decoded(), 'approval', 9),
      keys,
      { code: 'SIGNATURE_INVALID', field: 'approval/signature' },
    ],
    [
      'both parts failing: the authorization is named first',
      () => withFlippedSignature(decoded(), 'authorization', 3),
      { ...keys, terminalKey: testPublicKey('processor') },
      { code: 'SIGNATURE_INVALID', field: 'authorization/signature' },
    ],
    [
      'a decoded part that is not its bytes',
      () => ({ ...decoded(), approval: { ...decoded().approval, signature: new Uint8Array(64) } }),
      keys,
      { code: 'STRUCTURE_INVALID', field: 'approval' },
    ],
  ])('%s', async (_case, transaction, options, expected) => {
    expect(await verifyOfflineTransactionAsync(transaction(), options)).toMatchObject(expected);
    await expectSame(transaction(), options);
  });

  it('agrees on any flipped bit of the request or of either signature, on both back ends (property)', async () => {
    const parts = fc.constantFrom(
      'request' as const,
      'authorization' as const,
      'approval' as const,
      'none' as const,
    );
    await fc.assert(
      fc.asyncProperty(
        parts,
        fc.nat(),
        fc.constantFrom(...signatureBackends),
        async (part, bit, backend) => {
          const transaction = decoded();
          let changed: Transaction = transaction;
          if (part === 'request') {
            const requestBytes = transaction.requestBytes.slice();
            requestBytes[bit % requestBytes.length]! ^= 1 << (bit & 7);
            changed = { ...transaction, requestBytes };
          } else if (part !== 'none') {
            changed = withFlippedSignature(transaction, part, bit);
          }
          const options = { ...keys, backend };
          await expectSame(changed, options);
          expect((await verifyOfflineTransactionAsync(changed, options)).ok).toBe(part === 'none');
        },
      ),
      { numRuns: 60 },
    );
    // 60 runs verify on the JavaScript back end too: seconds on a loaded CI machine, not a hang.
  }, 30_000);

  it('rejects, as the sync form throws, a key that is no protocol key (a bug, not a verdict)', async () => {
    const broken = {
      ...keys,
      deviceKey: { ...keys.deviceKey, publicJwk: { ...keys.deviceKey.publicJwk, d: 'x' } as never },
    };
    expect(() => verifyOfflineTransaction(decoded(), broken)).toThrow(
      expect.objectContaining({ code: 'ERR_JWK_INVALID' }),
    );
    await expect(verifyOfflineTransactionAsync(decoded(), broken)).rejects.toMatchObject({
      code: 'ERR_JWK_INVALID',
    });
  });
});
