import { decodeConsumerAuthorization, encodePaymentRequest, signTerminalCredential, verifyConsumerAuthorization } from '@settle/contracts';
import { fixtureRequest, fixtureTerminalCredential, readProtocolFixture, testPublicKey, testSigner } from '@settle/contracts/protocol/testing/protocol-fixtures';
import { SoftwareKeystore } from '../keystore/software-keystore';
import { MemoryStore } from '../storage/memory-store';
import { at, issueDeviceCredential, newWallet, paymentTimeMs, trust } from '../testing/device-fixtures';
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
    const presented = await wallet.presentRequest({ requestBytes, terminalCredentialBytes, nowMs: paymentTimeMs });
    expect(presented).toMatchObject({ ok: true, value: { merchantDisplayName: 'Café Olé', request: { amount: 1250n }, capCheck: { withinPerTransaction: true, withinCumulative: true } } });
    if (!presented.ok) return;
    const first = await wallet.approve(presented.value, { nowMs: paymentTimeMs + 5_000, prompt });
    const second = await wallet.approve(presented.value, { nowMs: paymentTimeMs + 6_000, prompt });
    expect(first).toMatchObject({ ok: true, value: { deviceCounter: 1n } });
    expect(second).toMatchObject({ ok: true, value: { deviceCounter: 2n } });
    if (!first.ok) return;
    const verified = verifyConsumerAuthorization(first.value.authorizationBytes, { requestBytes, deviceKey: paymentKey, algorithms: ['ES256'], backend: 'native' });
    expect(verified).toMatchObject({ ok: true, value: { authorizedAtMs: paymentTimeMs + 5_000 } });
    expect(verified.ok && verified.value.transactionId).toEqual(first.value.transactionId);
    expect(first.value.authorizationBytes.length).toBeLessThanOrEqual(140);
  });

  it.each([
    ['a request for another terminal', { requestBytes: requestOf({ terminalId: 'trm_other' }) }, 'TERMINAL_MISMATCH'],
    ['a request for another merchant', { requestBytes: requestOf({ merchantId: 'mer_other' }) }, 'TERMINAL_MISMATCH'],
    ['an expired request', { nowMs: fixtureRequest.expiresAtMs + 1 }, 'REQUEST_EXPIRED'],
    ['bytes that are not a request', { requestBytes: Uint8Array.of(0xa0) }, 'REQUEST_INVALID'],
    ['a currency without offline cap', { requestBytes: requestOf({ currency: 'USD' }) }, 'CURRENCY_NOT_ALLOWED'],
    ['a terminal credential the processor did not sign', { terminalCredentialBytes: signTerminalCredential(fixtureTerminalCredential, testSigner('terminal')) }, 'CREDENTIAL_INVALID'],
    ['an expired terminal credential', { terminalCredentialBytes: signTerminalCredential({ ...fixtureTerminalCredential, validUntilMs: paymentTimeMs - 1 }, testSigner('processor')) }, 'CREDENTIAL_EXPIRED'],
    ['an expired device credential', { nowMs: at('2026-12-05T00:00:00.000Z'), requestBytes: requestOf({ createdAtMs: at('2026-12-05T00:00:00.000Z'), expiresAtMs: at('2026-12-05T00:02:00.000Z') }) }, 'CREDENTIAL_EXPIRED'],
  ])('refuses to present %s', async (_name, changes, code) => {
    const { wallet } = await newWallet();
    const input = { requestBytes: requestOf(), terminalCredentialBytes, nowMs: paymentTimeMs, ...changes };
    expect(await wallet.presentRequest(input)).toMatchObject({ ok: false, code });
  });

  it('keeps the offline caps (advisory): per transaction, and cumulative since the check-in', async () => {
    const { wallet } = await newWallet();
    const tooLarge = await wallet.presentRequest({ requestBytes: requestOf({ amount: 5001n }), terminalCredentialBytes, nowMs: paymentTimeMs });
    expect(tooLarge).toMatchObject({ ok: true, value: { capCheck: { withinPerTransaction: false } } });
    if (tooLarge.ok) expect(await wallet.approve(tooLarge.value, { nowMs: paymentTimeMs, prompt })).toMatchObject({ ok: false, code: 'OFFLINE_CAP_EXCEEDED' });
    const presented = await wallet.presentRequest({ requestBytes: requestOf({ amount: 5000n }), terminalCredentialBytes, nowMs: paymentTimeMs });
    if (!presented.ok) throw new Error(presented.message);
    for (let payment = 0; payment < 3; payment++) expect((await wallet.approve(presented.value, { nowMs: paymentTimeMs, prompt })).ok).toBe(true);
    expect(await wallet.approve(presented.value, { nowMs: paymentTimeMs, prompt })).toMatchObject({ ok: false, code: 'OFFLINE_CAP_EXCEEDED' });
  });

  it('a new check-in restarts the offline spend count', async () => {
    const { wallet, paymentKey } = await newWallet();
    const presented = await wallet.presentRequest({ requestBytes: requestOf({ amount: 5000n }), terminalCredentialBytes, nowMs: paymentTimeMs });
    if (!presented.ok) throw new Error(presented.message);
    for (let payment = 0; payment < 3; payment++) await wallet.approve(presented.value, { nowMs: paymentTimeMs, prompt });
    const checkIn = paymentTimeMs + 10_000;
    expect((await wallet.storeDeviceCredential(issueDeviceCredential(paymentKey, { checkedInAtMs: checkIn }), checkIn)).ok).toBe(true);
    expect(await wallet.approve(presented.value, { nowMs: checkIn + 1, prompt })).toMatchObject({ ok: true });
  });

  it('signs only after the user authenticated; a cancelled prompt leaves a counter gap and no spend', async () => {
    let allow = false;
    const { wallet } = await newWallet({ authenticateUser: async () => allow });
    const presented = await wallet.presentRequest({ requestBytes: requestOf({ amount: 5000n }), terminalCredentialBytes, nowMs: paymentTimeMs });
    if (!presented.ok) throw new Error(presented.message);
    expect(await wallet.approve(presented.value, { nowMs: paymentTimeMs, prompt })).toMatchObject({ ok: false, code: 'USER_AUTHENTICATION_FAILED' });
    allow = true;
    const approved = await wallet.approve(presented.value, { nowMs: paymentTimeMs, prompt });
    expect(approved).toMatchObject({ ok: true, value: { deviceCounter: 2n } });
    for (let payment = 0; payment < 2; payment++) expect((await wallet.approve(presented.value, { nowMs: paymentTimeMs, prompt })).ok).toBe(true);
  });

  it('stores only a device credential for its own payment key, signed by the processor, valid now', async () => {
    const { wallet } = await newWallet();
    expect(await wallet.storeDeviceCredential(issueDeviceCredential(testPublicKey('deviceEs256')), paymentTimeMs)).toMatchObject({ ok: false, code: 'CREDENTIAL_KEY_MISMATCH' });
    expect(await wallet.storeDeviceCredential(readProtocolFixture('terminal-credential'), paymentTimeMs)).toMatchObject({ ok: false, code: 'CREDENTIAL_INVALID' });
    const store = new MemoryStore();
    const bare = await PcdWallet.open({ store, keystore: new SoftwareKeystore({ store, authenticateUser: async () => true, backend: 'noble' }), trust });
    expect(await bare.storeDeviceCredential(readProtocolFixture('device-credential'), paymentTimeMs)).toMatchObject({ ok: false, code: 'NO_PAYMENT_KEY' });
    await bare.createPaymentKey();
    expect(await bare.presentRequest({ requestBytes: requestOf(), terminalCredentialBytes, nowMs: paymentTimeMs })).toMatchObject({ ok: false, code: 'NO_DEVICE_CREDENTIAL' });
  });

  it('keeps its state in the store: a wallet reopened over it continues the counter', async () => {
    const { wallet, store, keystore } = await newWallet();
    const presented = await wallet.presentRequest({ requestBytes: requestOf(), terminalCredentialBytes, nowMs: paymentTimeMs });
    if (!presented.ok) throw new Error(presented.message);
    await wallet.approve(presented.value, { nowMs: paymentTimeMs, prompt });
    const reopened = await PcdWallet.open({ store, keystore, trust });
    const approved = await reopened.approve(presented.value, { nowMs: paymentTimeMs, prompt });
    expect(approved.ok && decodeConsumerAuthorization(approved.value.authorizationBytes)).toMatchObject({ ok: true, value: { deviceCounter: 2n } });
  });
});

describe('PCD wallet after a processor key rotation', () => {
  it('reports its stored credential as no longer valid instead of failing', async () => {
    const { store, keystore } = await newWallet();
    const rotated = await PcdWallet.open({ store, keystore, trust: { ...trust, credentialKeys: [testPublicKey('processorNext')] } });
    expect(await rotated.deviceCredential()).toBeUndefined();
    const terminalCredential = signTerminalCredential(fixtureTerminalCredential, testSigner('processorNext'));
    expect(await rotated.presentRequest({ requestBytes: requestOf(), terminalCredentialBytes: terminalCredential, nowMs: paymentTimeMs })).toMatchObject({
      ok: false,
      code: 'CREDENTIAL_INVALID',
    });
  });
});
