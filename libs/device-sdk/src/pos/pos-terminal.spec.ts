import {
  decodeOfflineTransaction,
  signConsumerAuthorization,
  signProcessorConfirmation,
  unwrapProtocolResult,
  verifyOfflineTransaction,
} from '@settle/protocol';
import { readProtocolFixture, testPublicKey, testSigner } from '@settle/protocol/testing';
import { encodeCborDeterministic } from '@settle/crypto';
import { MemoryStore } from '../storage/memory-store';
import {
  at,
  issueDeviceCredential,
  newTerminal,
  nonce,
  paymentTimeMs,
} from '../testing/device-fixtures';
import { UploadQueue } from './upload-queue';

// The phone here is the fixtures' device key signing directly: a phone that skips its own checks.
const device = testSigner('deviceEs256');
const deviceCredentialBytes = readProtocolFixture('device-credential');

function authorize(
  requestBytes: Uint8Array,
  deviceCounter: bigint,
  authorizedAtMs = paymentTimeMs + 3_000,
): Uint8Array {
  return signConsumerAuthorization({ requestBytes, deviceCounter, authorizedAtMs }, device);
}

function confirmation(transactionId: Uint8Array, changes: Record<string, unknown> = {}) {
  return signProcessorConfirmation(
    {
      transactionId,
      terminalId: 'trm_9Kx3PqL7vWm2Ra',
      amount: 1250n,
      currency: 'EUR',
      outcome: 'accepted',
      reasonCode: null,
      confirmedAtMs: paymentTimeMs + 60_000,
      ...changes,
    },
    testSigner('processor'),
  );
}

describe('POS terminal', () => {
  it('verifies an authorization offline, countersigns, and stores a transaction the verifier will accept', async () => {
    const { pos } = await newTerminal();
    const { requestBytes, terminalCredentialBytes } = pos.createRequest({
      amount: 1250n,
      currency: 'EUR',
      nonce: nonce(1),
      nowMs: paymentTimeMs,
      validityMs: 120_000,
    });
    expect(terminalCredentialBytes).toEqual(readProtocolFixture('terminal-credential'));
    const accepted = await pos.acceptAuthorization({
      requestBytes,
      authorizationBytes: authorize(requestBytes, 4187n),
      deviceCredentialBytes,
      nowMs: paymentTimeMs + 4_000,
    });
    if (!accepted.ok) throw new Error(accepted.message);
    const transaction = unwrapProtocolResult(
      decodeOfflineTransaction(accepted.value.offlineTransactionBytes),
    );
    expect(transaction.approval.approvedAtMs).toBe(paymentTimeMs + 4_000);
    const keys = {
      deviceKey: testPublicKey('deviceEs256'),
      deviceAlgorithms: ['ES256'] as const,
      terminalKey: testPublicKey('terminal'),
      terminalAlgorithms: ['ES256'] as const,
      backend: 'native' as const,
    };
    expect(verifyOfflineTransaction(transaction, keys).ok).toBe(true);
    expect(pos.pendingUploads().map((entry) => entry.transactionId)).toEqual([
      accepted.value.transactionId,
    ]);
  });

  it('accepts one authorization per request: the request is used up', async () => {
    const { pos } = await newTerminal();
    const { requestBytes } = pos.createRequest({
      amount: 1250n,
      currency: 'EUR',
      nonce: nonce(2),
      nowMs: paymentTimeMs,
      validityMs: 120_000,
    });
    const input = {
      requestBytes,
      authorizationBytes: authorize(requestBytes, 1n),
      deviceCredentialBytes,
      nowMs: paymentTimeMs,
    };
    expect((await pos.acceptAuthorization(input)).ok).toBe(true);
    expect(await pos.acceptAuthorization(input)).toMatchObject({
      ok: false,
      code: 'REQUEST_NOT_PENDING',
    });
  });

  it.each([
    [
      'an authorization over other bytes',
      (requestBytes: Uint8Array) => ({
        authorizationBytes: authorize(
          Uint8Array.from(requestBytes, (byte, index) => (index === 50 ? byte ^ 1 : byte)),
          1n,
        ),
      }),
      'AUTHORIZATION_INVALID',
    ],
    [
      'a damaged authorization',
      (requestBytes: Uint8Array) => ({
        authorizationBytes: authorize(requestBytes, 1n).map((byte, index) =>
          index === 100 ? byte ^ 1 : byte,
        ),
      }),
      'AUTHORIZATION_INVALID',
    ],
    [
      'an authorization by another key than the credential’s',
      (requestBytes: Uint8Array) => ({
        authorizationBytes: signConsumerAuthorization(
          { requestBytes, deviceCounter: 1n, authorizedAtMs: paymentTimeMs },
          testSigner('deviceEd25519'),
        ),
      }),
      'AUTHORIZATION_INVALID',
    ],
    [
      'a device credential the processor did not sign',
      () => ({ deviceCredentialBytes: readProtocolFixture('terminal-credential') }),
      'CREDENTIAL_INVALID',
    ],
    [
      'an expired device credential',
      () => ({
        deviceCredentialBytes: issueDeviceCredential(testPublicKey('deviceEs256'), {
          validUntilMs: paymentTimeMs - 1,
        }),
      }),
      'CREDENTIAL_EXPIRED',
    ],
    [
      'a device credential not yet valid',
      () => ({
        deviceCredentialBytes: issueDeviceCredential(testPublicKey('deviceEs256'), {
          checkedInAtMs: paymentTimeMs + 1,
        }),
      }),
      'CREDENTIAL_NOT_YET_VALID',
    ],
    [
      'an authorization after the request expired',
      () => ({ nowMs: paymentTimeMs + 120_001 }),
      'REQUEST_EXPIRED',
    ],
    [
      'a request this terminal did not make',
      () => ({ requestBytes: readProtocolFixture('payment-request') }),
      'REQUEST_NOT_PENDING',
    ],
  ])('refuses %s', async (_name, change, code) => {
    const { pos } = await newTerminal();
    const { requestBytes } = pos.createRequest({
      amount: 1250n,
      currency: 'EUR',
      nonce: nonce(3),
      nowMs: paymentTimeMs,
      validityMs: 120_000,
    });
    const input = {
      requestBytes,
      authorizationBytes: authorize(requestBytes, 1n),
      deviceCredentialBytes,
      nowMs: paymentTimeMs,
      ...change(requestBytes),
    };
    expect(await pos.acceptAuthorization(input)).toMatchObject({ ok: false, code });
    expect(pos.pendingUploads()).toEqual([]);
  });

  it('enforces the caps of the device credential, whatever the phone says', async () => {
    const { pos } = await newTerminal();
    const pay = async (amount: bigint, counter: bigint, currency = 'EUR') => {
      const { requestBytes } = pos.createRequest({
        amount,
        currency,
        nonce: nonce(Number(counter)),
        nowMs: paymentTimeMs,
        validityMs: 120_000,
      });
      return pos.acceptAuthorization({
        requestBytes,
        authorizationBytes: authorize(requestBytes, counter),
        deviceCredentialBytes,
        nowMs: paymentTimeMs,
      });
    };
    expect(await pay(5001n, 1n)).toMatchObject({ ok: false, code: 'OFFLINE_CAP_EXCEEDED' });
    expect(await pay(100n, 2n, 'USD')).toMatchObject({ ok: false, code: 'CURRENCY_NOT_ALLOWED' });
    for (const counter of [3n, 4n, 5n]) expect((await pay(5000n, counter)).ok).toBe(true);
    expect(await pay(1n, 6n)).toMatchObject({ ok: false, code: 'OFFLINE_CAP_EXCEEDED' });
  });

  it('refuses a device counter it already holds (a replayed or cloned phone)', async () => {
    const { pos } = await newTerminal();
    for (const [index, expected] of [
      [1, true],
      [2, false],
    ] as const) {
      const { requestBytes } = pos.createRequest({
        amount: 100n,
        currency: 'EUR',
        nonce: nonce(10 + index),
        nowMs: paymentTimeMs,
        validityMs: 120_000,
      });
      const result = await pos.acceptAuthorization({
        requestBytes,
        authorizationBytes: authorize(requestBytes, 77n),
        deviceCredentialBytes,
        nowMs: paymentTimeMs,
      });
      expect(result.ok ? true : result.code).toBe(expected ? true : 'COUNTER_REUSED');
    }
  });

  it('keeps its upload queue across a restart and takes a transaction off it on a verified confirmation', async () => {
    const store = new MemoryStore();
    const { pos } = await newTerminal(store);
    const { requestBytes } = pos.createRequest({
      amount: 1250n,
      currency: 'EUR',
      nonce: nonce(20),
      nowMs: paymentTimeMs,
      validityMs: 120_000,
    });
    const accepted = await pos.acceptAuthorization({
      requestBytes,
      authorizationBytes: authorize(requestBytes, 9n),
      deviceCredentialBytes,
      nowMs: paymentTimeMs,
    });
    if (!accepted.ok) throw new Error(accepted.message);
    const { transactionId } = accepted.value;

    const { pos: restarted } = await newTerminal(store);
    expect(restarted.pendingUploads().map((entry) => entry.transactionId)).toEqual([transactionId]);
    expect(await restarted.acceptConfirmation(confirmation(new Uint8Array(32)))).toMatchObject({
      ok: false,
      code: 'TRANSACTION_UNKNOWN',
    });
    expect(
      await restarted.acceptConfirmation(confirmation(transactionId, { amount: 1251n })),
    ).toMatchObject({ ok: false, code: 'CONFIRMATION_MISMATCH' });
    const forged = signProcessorConfirmation(
      {
        transactionId,
        terminalId: 'trm_9Kx3PqL7vWm2Ra',
        amount: 1250n,
        currency: 'EUR',
        outcome: 'accepted',
        reasonCode: null,
        confirmedAtMs: 1,
      },
      testSigner('terminal'),
    );
    expect(await restarted.acceptConfirmation(forged)).toMatchObject({
      ok: false,
      code: 'CONFIRMATION_INVALID',
    });
    expect(await restarted.acceptConfirmation(confirmation(transactionId))).toMatchObject({
      ok: true,
      value: { outcome: 'accepted' },
    });
    expect(await restarted.acceptConfirmation(confirmation(transactionId))).toMatchObject({
      ok: true,
    });
    expect(restarted.pendingUploads()).toEqual([]);
    const { pos: again } = await newTerminal(store);
    expect(again.pendingUploads()).toEqual([]);
  });

  it('finishes a confirmation a crash interrupted (confirmed entry written, upload entry not yet deleted)', async () => {
    const store = new MemoryStore();
    const { pos } = await newTerminal(store);
    const { requestBytes } = pos.createRequest({
      amount: 1250n,
      currency: 'EUR',
      nonce: nonce(30),
      nowMs: paymentTimeMs,
      validityMs: 120_000,
    });
    const accepted = await pos.acceptAuthorization({
      requestBytes,
      authorizationBytes: authorize(requestBytes, 5n),
      deviceCredentialBytes,
      nowMs: paymentTimeMs,
    });
    if (!accepted.ok) throw new Error(accepted.message);
    const [uploadKey] = await store.list('pos.upload.');
    await store.write(
      uploadKey!.replace('upload', 'confirmed'),
      encodeCborDeterministic([
        accepted.value.offlineTransactionBytes,
        confirmation(accepted.value.transactionId),
      ]),
    );
    const queue = await UploadQueue.open(store);
    expect(queue.pending()).toEqual([]);
    expect(queue.entries()).toMatchObject([{ state: 'confirmed' }]);
    expect(await store.list('pos.upload.')).toEqual([]);
  });

  it('rejects at the cumulative cap only what this terminal holds since the credential’s check-in', async () => {
    const { pos } = await newTerminal();
    const checkIn = at('2026-11-28T08:00:00.000Z');
    const later = issueDeviceCredential(testPublicKey('deviceEs256'), { checkedInAtMs: checkIn });
    const payAt = async (nowMs: number, counter: bigint, credential: Uint8Array) => {
      const { requestBytes } = pos.createRequest({
        amount: 5000n,
        currency: 'EUR',
        nonce: nonce(40 + Number(counter)),
        nowMs,
        validityMs: 120_000,
      });
      return pos.acceptAuthorization({
        requestBytes,
        authorizationBytes: authorize(requestBytes, counter, nowMs),
        deviceCredentialBytes: credential,
        nowMs,
      });
    };
    for (const counter of [1n, 2n, 3n])
      expect((await payAt(paymentTimeMs, counter, deviceCredentialBytes)).ok).toBe(true);
    expect((await payAt(checkIn + 1_000, 4n, later)).ok).toBe(true);
  });
});
