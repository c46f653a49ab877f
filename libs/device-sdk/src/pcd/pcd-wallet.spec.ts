import {
  decodeConsumerAuthorization,
  encodePaymentRequest,
  type ProcessorConfirmation,
  signProcessorConfirmation,
  signTerminalCredential,
  verifyConsumerAuthorization,
} from '@settle/protocol';
import {
  fixtureRequest,
  fixtureTerminalCredential,
  readProtocolFixture,
  testPublicKey,
  testSigner,
} from '@settle/protocol/testing';
import { SoftwareKeystore } from '../keystore/software-keystore';
import { MemoryStore } from '../storage/memory-store';
import {
  at,
  issueDeviceCredential,
  newWallet,
  paymentTimeMs,
  trust,
} from '../testing/device-fixtures';
import { PcdWallet } from './pcd-wallet';

const terminalCredentialBytes = readProtocolFixture('terminal-credential');
const prompt = { title: 'Pay 12.50 EUR', subtitle: 'Café Olé' };

function requestOf(changes: Partial<typeof fixtureRequest> = {}): Uint8Array {
  return encodePaymentRequest({ ...fixtureRequest, ...changes });
}

describe('PCD wallet', () => {
  it('shows the merchant name from the verified terminal credential and approves with a fresh counter', async () => {
    const { wallet, paymentKey } = await newWallet();
    const requestBytes = requestOf();
    const presented = await wallet.presentRequest({
      requestBytes,
      terminalCredentialBytes,
      nowMs: paymentTimeMs,
    });
    expect(presented).toMatchObject({
      ok: true,
      value: {
        merchantDisplayName: 'Café Olé',
        request: { amount: 1250n },
        capCheck: { withinPerTransaction: true, withinCumulative: true },
      },
    });
    if (!presented.ok) return;
    const first = await wallet.approve(presented.value, { nowMs: paymentTimeMs + 5_000, prompt });
    const second = await wallet.approve(presented.value, { nowMs: paymentTimeMs + 6_000, prompt });
    expect(first).toMatchObject({ ok: true, value: { deviceCounter: 1n } });
    expect(second).toMatchObject({ ok: true, value: { deviceCounter: 2n } });
    if (!first.ok) return;
    const verified = verifyConsumerAuthorization(first.value.authorizationBytes, {
      requestBytes,
      deviceKey: paymentKey,
      algorithms: ['ES256'],
      backend: 'native',
    });
    expect(verified).toMatchObject({ ok: true, value: { authorizedAtMs: paymentTimeMs + 5_000 } });
    expect(verified.ok && verified.value.transactionId).toEqual(first.value.transactionId);
    expect(first.value.authorizationBytes.length).toBeLessThanOrEqual(140);
  });

  it.each([
    [
      'a request for another terminal',
      { requestBytes: requestOf({ terminalId: 'trm_other' }) },
      'TERMINAL_MISMATCH',
    ],
    [
      'a request for another merchant',
      { requestBytes: requestOf({ merchantId: 'mer_other' }) },
      'TERMINAL_MISMATCH',
    ],
    ['an expired request', { nowMs: fixtureRequest.expiresAtMs + 1 }, 'REQUEST_EXPIRED'],
    ['bytes that are not a request', { requestBytes: Uint8Array.of(0xa0) }, 'REQUEST_INVALID'],
    [
      'a currency without offline cap',
      { requestBytes: requestOf({ currency: 'USD' }) },
      'CURRENCY_NOT_ALLOWED',
    ],
    [
      'a terminal credential the processor did not sign',
      {
        terminalCredentialBytes: signTerminalCredential(
          fixtureTerminalCredential,
          testSigner('terminal'),
        ),
      },
      'CREDENTIAL_INVALID',
    ],
    [
      'an expired terminal credential',
      {
        terminalCredentialBytes: signTerminalCredential(
          { ...fixtureTerminalCredential, validUntilMs: paymentTimeMs - 1 },
          testSigner('processor'),
        ),
      },
      'CREDENTIAL_EXPIRED',
    ],
    [
      'an expired device credential',
      {
        nowMs: at('2026-12-05T00:00:00.000Z'),
        requestBytes: requestOf({
          createdAtMs: at('2026-12-05T00:00:00.000Z'),
          expiresAtMs: at('2026-12-05T00:02:00.000Z'),
        }),
      },
      'CREDENTIAL_EXPIRED',
    ],
  ])('refuses to present %s', async (_name, changes, code) => {
    const { wallet } = await newWallet();
    const input = {
      requestBytes: requestOf(),
      terminalCredentialBytes,
      nowMs: paymentTimeMs,
      ...changes,
    };
    expect(await wallet.presentRequest(input)).toMatchObject({ ok: false, code });
  });

  it('keeps the offline caps (advisory): per transaction, and cumulative since the check-in', async () => {
    const { wallet } = await newWallet();
    const tooLarge = await wallet.presentRequest({
      requestBytes: requestOf({ amount: 5001n }),
      terminalCredentialBytes,
      nowMs: paymentTimeMs,
    });
    expect(tooLarge).toMatchObject({
      ok: true,
      value: { capCheck: { withinPerTransaction: false } },
    });
    if (tooLarge.ok)
      expect(await wallet.approve(tooLarge.value, { nowMs: paymentTimeMs, prompt })).toMatchObject({
        ok: false,
        code: 'OFFLINE_CAP_EXCEEDED',
      });
    const presented = await wallet.presentRequest({
      requestBytes: requestOf({ amount: 5000n }),
      terminalCredentialBytes,
      nowMs: paymentTimeMs,
    });
    if (!presented.ok) throw new Error(presented.message);
    for (let payment = 0; payment < 3; payment++)
      expect((await wallet.approve(presented.value, { nowMs: paymentTimeMs, prompt })).ok).toBe(
        true,
      );
    expect(await wallet.approve(presented.value, { nowMs: paymentTimeMs, prompt })).toMatchObject({
      ok: false,
      code: 'OFFLINE_CAP_EXCEEDED',
    });
  });

  it('a new check-in restarts the offline spend count', async () => {
    const { wallet, paymentKey } = await newWallet();
    const presented = await wallet.presentRequest({
      requestBytes: requestOf({ amount: 5000n }),
      terminalCredentialBytes,
      nowMs: paymentTimeMs,
    });
    if (!presented.ok) throw new Error(presented.message);
    for (let payment = 0; payment < 3; payment++)
      await wallet.approve(presented.value, { nowMs: paymentTimeMs, prompt });
    const checkIn = paymentTimeMs + 10_000;
    expect(
      (
        await wallet.storeDeviceCredential(
          issueDeviceCredential(paymentKey, { checkedInAtMs: checkIn }),
          checkIn,
        )
      ).ok,
    ).toBe(true);
    expect(await wallet.approve(presented.value, { nowMs: checkIn + 1, prompt })).toMatchObject({
      ok: true,
    });
  });

  it('signs only after the user authenticated; a cancelled prompt leaves a counter gap and no spend', async () => {
    let allow = false;
    const { wallet } = await newWallet({ authenticateUser: async () => allow });
    const presented = await wallet.presentRequest({
      requestBytes: requestOf({ amount: 5000n }),
      terminalCredentialBytes,
      nowMs: paymentTimeMs,
    });
    if (!presented.ok) throw new Error(presented.message);
    expect(await wallet.approve(presented.value, { nowMs: paymentTimeMs, prompt })).toMatchObject({
      ok: false,
      code: 'USER_AUTHENTICATION_FAILED',
    });
    allow = true;
    const approved = await wallet.approve(presented.value, { nowMs: paymentTimeMs, prompt });
    expect(approved).toMatchObject({ ok: true, value: { deviceCounter: 2n } });
    for (let payment = 0; payment < 2; payment++)
      expect((await wallet.approve(presented.value, { nowMs: paymentTimeMs, prompt })).ok).toBe(
        true,
      );
  });

  it('stores only a device credential for its own payment key, signed by the processor, valid now', async () => {
    const { wallet } = await newWallet();
    expect(
      await wallet.storeDeviceCredential(
        issueDeviceCredential(testPublicKey('deviceEs256')),
        paymentTimeMs,
      ),
    ).toMatchObject({ ok: false, code: 'CREDENTIAL_KEY_MISMATCH' });
    expect(
      await wallet.storeDeviceCredential(readProtocolFixture('terminal-credential'), paymentTimeMs),
    ).toMatchObject({ ok: false, code: 'CREDENTIAL_INVALID' });
    const store = new MemoryStore();
    const bare = await PcdWallet.open({
      store,
      keystore: new SoftwareKeystore({
        store,
        authenticateUser: async () => true,
        backend: 'noble',
      }),
      trust,
    });
    expect(
      await bare.storeDeviceCredential(readProtocolFixture('device-credential'), paymentTimeMs),
    ).toMatchObject({ ok: false, code: 'NO_PAYMENT_KEY' });
    await bare.createPaymentKey();
    expect(
      await bare.presentRequest({
        requestBytes: requestOf(),
        terminalCredentialBytes,
        nowMs: paymentTimeMs,
      }),
    ).toMatchObject({ ok: false, code: 'NO_DEVICE_CREDENTIAL' });
  });

  it('keeps its state in the store: a wallet reopened over it continues the counter', async () => {
    const { wallet, store, keystore } = await newWallet();
    const presented = await wallet.presentRequest({
      requestBytes: requestOf(),
      terminalCredentialBytes,
      nowMs: paymentTimeMs,
    });
    if (!presented.ok) throw new Error(presented.message);
    await wallet.approve(presented.value, { nowMs: paymentTimeMs, prompt });
    const reopened = await PcdWallet.open({ store, keystore, trust });
    const approved = await reopened.approve(presented.value, { nowMs: paymentTimeMs, prompt });
    expect(
      approved.ok && decodeConsumerAuthorization(approved.value.authorizationBytes),
    ).toMatchObject({ ok: true, value: { deviceCounter: 2n } });
  });
});

describe('PCD wallet after a processor key rotation', () => {
  it('reports its stored credential as no longer valid instead of failing', async () => {
    const { store, keystore } = await newWallet();
    const rotated = await PcdWallet.open({
      store,
      keystore,
      trust: { ...trust, credentialKeys: [testPublicKey('processorNext')] },
    });
    expect(await rotated.deviceCredential()).toBeUndefined();
    const terminalCredential = signTerminalCredential(
      fixtureTerminalCredential,
      testSigner('processorNext'),
    );
    expect(
      await rotated.presentRequest({
        requestBytes: requestOf(),
        terminalCredentialBytes: terminalCredential,
        nowMs: paymentTimeMs,
      }),
    ).toMatchObject({
      ok: false,
      code: 'CREDENTIAL_INVALID',
    });
  });
});

describe('PCD wallet: its payments and their confirmations', () => {
  const confirmedAtMs = paymentTimeMs + 3_600_000;

  /** A confirmation as the verifier signs it (the fixtures' processor key is also the trusted receipt key). */
  function confirmation(
    transactionId: Uint8Array,
    changes: Partial<ProcessorConfirmation> = {},
    signer = testSigner('processor'),
  ): Uint8Array {
    return signProcessorConfirmation(
      {
        transactionId,
        terminalId: fixtureRequest.terminalId,
        amount: 1250n,
        currency: 'EUR',
        outcome: 'accepted',
        reasonCode: null,
        confirmedAtMs,
        ...changes,
      },
      signer,
    );
  }

  async function pay(wallet: PcdWallet, nowMs = paymentTimeMs) {
    const presented = await wallet.presentRequest({
      requestBytes: requestOf(),
      terminalCredentialBytes,
      nowMs,
    });
    if (!presented.ok) throw new Error(presented.message);
    const approved = await wallet.approve(presented.value, { nowMs, prompt });
    if (!approved.ok) throw new Error(approved.message);
    return approved.value;
  }

  it('records each payment it approves, in counter order, with what the user approved', async () => {
    const { wallet } = await newWallet();
    const first = await pay(wallet);
    const second = await pay(wallet, paymentTimeMs + 1_000);
    expect(wallet.payments()).toEqual([
      {
        transactionId: first.transactionId,
        deviceCounter: 1n,
        terminalId: fixtureRequest.terminalId,
        merchantId: fixtureRequest.merchantId,
        merchantDisplayName: 'Café Olé',
        amount: 1250n,
        currency: 'EUR',
        authorizedAtMs: paymentTimeMs,
        state: 'authorized',
      },
      expect.objectContaining({
        transactionId: second.transactionId,
        deviceCounter: 2n,
        authorizedAtMs: paymentTimeMs + 1_000,
        state: 'authorized',
      }),
    ]);
  });

  it('records no payment when the user did not authenticate', async () => {
    const { wallet } = await newWallet({ authenticateUser: async () => false });
    const presented = await wallet.presentRequest({
      requestBytes: requestOf(),
      terminalCredentialBytes,
      nowMs: paymentTimeMs,
    });
    if (!presented.ok) throw new Error(presented.message);
    expect(await wallet.approve(presented.value, { nowMs: paymentTimeMs, prompt })).toMatchObject({
      ok: false,
      code: 'USER_AUTHENTICATION_FAILED',
    });
    expect(wallet.payments()).toEqual([]);
  });

  it('accepts the processor’s confirmation of its own payment, durably and idempotently', async () => {
    const { wallet, store, keystore } = await newWallet();
    const { transactionId } = await pay(wallet);
    const bytes = confirmation(transactionId);
    const accepted = await wallet.acceptConfirmation(bytes);
    expect(accepted).toMatchObject({
      ok: true,
      value: {
        transactionId,
        state: 'confirmed',
        confirmation: { outcome: 'accepted', confirmedAtMs },
        confirmationBytes: bytes,
      },
    });
    expect(await wallet.acceptConfirmation(bytes)).toEqual(accepted);
    const reopened = await PcdWallet.open({ store, keystore, trust });
    expect(reopened.payments()).toEqual([
      expect.objectContaining({
        transactionId,
        state: 'confirmed',
        confirmation: expect.objectContaining({ outcome: 'accepted', reasonCode: null }),
        confirmationBytes: bytes,
      }),
    ]);
  });

  it('keeps a rejection as the answer too, and the first confirmation when another arrives', async () => {
    const { wallet } = await newWallet();
    const { transactionId } = await pay(wallet);
    expect(
      await wallet.acceptConfirmation(
        confirmation(transactionId, { outcome: 'rejected', reasonCode: 'COUNTER_REUSED' }),
      ),
    ).toMatchObject({
      ok: true,
      value: {
        state: 'confirmed',
        confirmation: { outcome: 'rejected', reasonCode: 'COUNTER_REUSED' },
      },
    });
    expect(await wallet.acceptConfirmation(confirmation(transactionId))).toMatchObject({
      ok: true,
      value: { confirmation: { outcome: 'rejected' } },
    });
  });

  it.each([
    [
      'one the processor did not sign',
      (id: Uint8Array) => confirmation(id, {}, testSigner('terminal')),
      'CONFIRMATION_INVALID',
    ],
    ['bytes that are not a confirmation', () => Uint8Array.of(0xa0), 'CONFIRMATION_INVALID'],
    [
      'a bit flipped in the signature',
      (id: Uint8Array) =>
        confirmation(id).map((byte, index, all) => (index === all.length - 1 ? byte ^ 1 : byte)),
      'CONFIRMATION_INVALID',
    ],
    [
      'one of a payment this phone never made',
      () => confirmation(new Uint8Array(32).fill(7)),
      'TRANSACTION_UNKNOWN',
    ],
    [
      'another amount',
      (id: Uint8Array) => confirmation(id, { amount: 1251n }),
      'CONFIRMATION_MISMATCH',
    ],
    [
      'another currency',
      (id: Uint8Array) => confirmation(id, { currency: 'CHF' }),
      'CONFIRMATION_MISMATCH',
    ],
    [
      'another terminal',
      (id: Uint8Array) => confirmation(id, { terminalId: 'trm_other' }),
      'CONFIRMATION_MISMATCH',
    ],
  ])('refuses %s and changes nothing', async (_name, make, code) => {
    const { wallet } = await newWallet();
    const { transactionId } = await pay(wallet);
    expect(await wallet.acceptConfirmation(make(transactionId))).toMatchObject({ ok: false, code });
    expect(wallet.payments()).toEqual([
      expect.objectContaining({ transactionId, state: 'authorized' }),
    ]);
  });

  it('verifies with the receipt keys it trusts now: after a rotation, the new key’s confirmations', async () => {
    const { wallet, store, keystore } = await newWallet();
    const { transactionId } = await pay(wallet);
    const rotated = await PcdWallet.open({
      store,
      keystore,
      trust: { ...trust, receiptKeys: [testPublicKey('processorNext')] },
    });
    expect(await rotated.acceptConfirmation(confirmation(transactionId))).toMatchObject({
      ok: false,
      code: 'CONFIRMATION_INVALID',
    });
    expect(
      await rotated.acceptConfirmation(
        confirmation(transactionId, {}, testSigner('processorNext')),
      ),
    ).toMatchObject({ ok: true, value: { state: 'confirmed' } });
  });
});
