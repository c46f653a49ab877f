// Payments with sound forms: a first encounter (both credentials cross), then repeat payments that
// carry only the request and the authorization because each side kept the other's credential —
// across restarts, until the credential expires.
import {
  type DeviceCredential,
  decodeDeviceCredential,
  decodeOfflineTransaction,
  unwrapProtocolResult,
} from '@settle/protocol';
import { testPublicKey } from '@settle/protocol/testing';
import { PcdWallet } from '../pcd/pcd-wallet';
import { type PosTerminal } from '../pos/pos-terminal';
import { type DurableStore } from '../storage/durable-store';
import { MemoryStore } from '../storage/memory-store';
import {
  at,
  issueDeviceCredential,
  newTerminal,
  newWallet,
  nonce,
  paymentTimeMs,
  trust,
} from '../testing/device-fixtures';
import { SoftwareKeystore } from '../keystore/software-keystore';
import { CredentialCache } from './credential-cache';

const prompt = { title: 'Pay 12.50 EUR', subtitle: 'Café Olé' };

interface Sent {
  readonly terminalCredential: boolean;
  readonly deviceCredential: boolean;
}

/** One payment with sound forms only; `sent` says which credentials go over the air. */
async function payWithSoundForms(pos: PosTerminal, wallet: PcdWallet, seed: number, sent: Sent) {
  const created = pos.createRequest({
    amount: 1250n,
    currency: 'EUR',
    nonce: nonce(seed),
    nowMs: paymentTimeMs,
    validityMs: 120_000,
  });
  const presented = await wallet.presentSoundRequest({
    requestSoundForm: created.requestSoundForm,
    ...(sent.terminalCredential
      ? { terminalCredentialSoundForm: created.terminalCredentialSoundForm }
      : {}),
    nowMs: paymentTimeMs + 1_000,
  });
  if (!presented.ok) return { created, failure: presented };
  const approved = await wallet.approve(presented.value, { nowMs: paymentTimeMs + 4_321, prompt });
  if (!approved.ok) throw new Error(approved.message);
  const accepted = await pos.acceptSoundAuthorization({
    authorizationSoundForm: approved.value.authorizationSoundForm,
    ...(sent.deviceCredential
      ? { deviceCredentialSoundForm: approved.value.deviceCredentialSoundForm }
      : {}),
    nowMs: paymentTimeMs + 6_000,
  });
  return { created, presented: presented.value, approved: approved.value, accepted };
}

async function reopenWallet(store: DurableStore): Promise<PcdWallet> {
  return PcdWallet.open({
    store,
    keystore: new SoftwareKeystore({ store, authenticateUser: async () => true, backend: 'noble' }),
    trust,
  });
}

describe('payments with sound forms', () => {
  it('first encounter with both credentials, then repeat payments with request and authorization only, after restarts', async () => {
    const phone = await newWallet();
    const terminal = await newTerminal();

    const unknown = await payWithSoundForms(terminal.pos, phone.wallet, 1, {
      terminalCredential: false,
      deviceCredential: false,
    });
    expect(unknown.failure).toMatchObject({ ok: false, code: 'TERMINAL_UNKNOWN' });

    const first = await payWithSoundForms(terminal.pos, phone.wallet, 2, {
      terminalCredential: true,
      deviceCredential: true,
    });
    if (first.accepted === undefined || !first.accepted.ok) throw new Error(JSON.stringify(first));
    expect(first.presented.merchantDisplayName).toBe('Café Olé');
    expect(first.approved.terminalHasDeviceCredential).toBe(false);
    // The signed forms the processor receives are exactly what each side made.
    const transaction = unwrapProtocolResult(
      decodeOfflineTransaction(first.accepted.value.offlineTransactionBytes),
    );
    expect(transaction.requestBytes).toEqual(first.created.requestBytes);
    expect(transaction.authorizationBytes).toEqual(first.approved.authorizationBytes);
    expect(transaction.authorization.authorizedAtMs).toBe(paymentTimeMs + 4_000);
    expect({
      request: first.created.requestSoundForm.length,
      authorization: first.approved.authorizationSoundForm.length,
    }).toEqual({ request: 37, authorization: 72 });

    const wallet = await reopenWallet(phone.store);
    const { pos } = await newTerminal(terminal.store);
    const repeat = await payWithSoundForms(pos, wallet, 3, {
      terminalCredential: false,
      deviceCredential: false,
    });
    if (repeat.accepted === undefined || !repeat.accepted.ok)
      throw new Error(JSON.stringify(repeat));
    expect(repeat.presented.merchantDisplayName).toBe('Café Olé');
    expect(repeat.approved.terminalHasDeviceCredential).toBe(true);
    expect(repeat.accepted.value.transactionId).toEqual(repeat.approved.transactionId);
    expect(pos.pendingUploads()).toHaveLength(2);
  });

  it('a phone keeps the terminal credential of a request it was shown in signed form, too', async () => {
    const { wallet } = await newWallet();
    const { pos } = await newTerminal();
    const first = pos.createRequest({
      amount: 500n,
      currency: 'EUR',
      nonce: nonce(8),
      nowMs: paymentTimeMs,
      validityMs: 120_000,
    });
    expect(
      (
        await wallet.presentRequest({
          requestBytes: first.requestBytes,
          terminalCredentialBytes: first.terminalCredentialBytes,
          nowMs: paymentTimeMs,
        })
      ).ok,
    ).toBe(true);
    const second = pos.createRequest({
      amount: 600n,
      currency: 'EUR',
      nonce: nonce(9),
      nowMs: paymentTimeMs,
      validityMs: 120_000,
    });
    expect(
      await wallet.presentSoundRequest({
        requestSoundForm: second.requestSoundForm,
        nowMs: paymentTimeMs,
      }),
    ).toMatchObject({ ok: true, value: { request: { amount: 600n } } });
  });

  it('a terminal credential kept ahead of time (online) lets the first request come without it; a forged one is refused', async () => {
    const { wallet } = await newWallet();
    const { pos } = await newTerminal();
    const created = pos.createRequest({
      amount: 800n,
      currency: 'EUR',
      nonce: nonce(10),
      nowMs: paymentTimeMs,
      validityMs: 120_000,
    });
    const forged = created.terminalCredentialBytes.slice();
    forged[forged.length - 1] = forged[forged.length - 1]! ^ 1;
    expect(await wallet.keepTerminalCredential(forged, paymentTimeMs)).toMatchObject({
      ok: false,
      code: 'CREDENTIAL_INVALID',
    });
    expect(
      await wallet.presentSoundRequest({
        requestSoundForm: created.requestSoundForm,
        nowMs: paymentTimeMs,
      }),
    ).toMatchObject({ ok: false, code: 'TERMINAL_UNKNOWN' });
    expect(
      await wallet.keepTerminalCredential(created.terminalCredentialBytes, paymentTimeMs),
    ).toMatchObject({ ok: true, value: { merchantDisplayName: 'Café Olé' } });
    expect(
      await wallet.presentSoundRequest({
        requestSoundForm: created.requestSoundForm,
        nowMs: paymentTimeMs,
      }),
    ).toMatchObject({ ok: true, value: { merchantDisplayName: 'Café Olé' } });
  });

  it('a terminal that does not keep the phone’s credential answers DEVICE_UNKNOWN; with the credential sent, it accepts', async () => {
    const { wallet } = await newWallet();
    const { pos } = await newTerminal();
    const attempt = await payWithSoundForms(pos, wallet, 4, {
      terminalCredential: true,
      deviceCredential: false,
    });
    expect(attempt.accepted).toMatchObject({ ok: false, code: 'DEVICE_UNKNOWN' });
    expect(pos.pendingUploads()).toEqual([]);
    const retried = await pos.acceptSoundAuthorization({
      authorizationSoundForm: attempt.approved!.authorizationSoundForm,
      deviceCredentialSoundForm: attempt.approved!.deviceCredentialSoundForm,
      nowMs: paymentTimeMs + 8_000,
    });
    expect(retried).toMatchObject({ ok: true });
  });

  it('finds the pending request an authorization answers among several', async () => {
    const { wallet } = await newWallet();
    const { pos } = await newTerminal();
    const older = pos.createRequest({
      amount: 700n,
      currency: 'EUR',
      nonce: nonce(5),
      nowMs: paymentTimeMs,
      validityMs: 120_000,
    });
    pos.createRequest({
      amount: 900n,
      currency: 'EUR',
      nonce: nonce(6),
      nowMs: paymentTimeMs + 1_000,
      validityMs: 120_000,
    });
    const presented = await wallet.presentSoundRequest({
      requestSoundForm: older.requestSoundForm,
      terminalCredentialSoundForm: older.terminalCredentialSoundForm,
      nowMs: paymentTimeMs + 2_000,
    });
    if (!presented.ok) throw new Error(presented.message);
    const approved = await wallet.approve(presented.value, {
      nowMs: paymentTimeMs + 3_000,
      prompt,
    });
    if (!approved.ok) throw new Error(approved.message);
    const accepted = await pos.acceptSoundAuthorization({
      authorizationSoundForm: approved.value.authorizationSoundForm,
      deviceCredentialSoundForm: approved.value.deviceCredentialSoundForm,
      nowMs: paymentTimeMs + 4_000,
    });
    expect(accepted.ok && accepted.value.transaction.request.amount).toBe(700n);
  });

  it('refuses an authorization sound form changed on the air and stores nothing', async () => {
    const { wallet } = await newWallet();
    const { pos } = await newTerminal();
    const created = pos.createRequest({
      amount: 1250n,
      currency: 'EUR',
      nonce: nonce(7),
      nowMs: paymentTimeMs,
      validityMs: 120_000,
    });
    const presented = await wallet.presentSoundRequest({
      requestSoundForm: created.requestSoundForm,
      terminalCredentialSoundForm: created.terminalCredentialSoundForm,
      nowMs: paymentTimeMs,
    });
    if (!presented.ok) throw new Error(presented.message);
    const approved = await wallet.approve(presented.value, {
      nowMs: paymentTimeMs + 2_000,
      prompt,
    });
    if (!approved.ok) throw new Error(approved.message);
    const changed = approved.value.authorizationSoundForm.slice();
    changed[20] = changed[20]! ^ 0x04; // inside the signature
    const refused = await pos.acceptSoundAuthorization({
      authorizationSoundForm: changed,
      deviceCredentialSoundForm: approved.value.deviceCredentialSoundForm,
      nowMs: paymentTimeMs + 3_000,
    });
    expect(refused).toMatchObject({ ok: false, code: 'AUTHORIZATION_INVALID' });
    expect(pos.pendingUploads()).toEqual([]);
    const changedCredential = approved.value.deviceCredentialSoundForm.slice();
    changedCredential[changedCredential.length - 3] =
      changedCredential[changedCredential.length - 3]! ^ 0x01;
    expect(
      await pos.acceptSoundAuthorization({
        authorizationSoundForm: approved.value.authorizationSoundForm,
        deviceCredentialSoundForm: changedCredential,
        nowMs: paymentTimeMs + 3_000,
      }),
    ).toMatchObject({
      ok: false,
      code: 'CREDENTIAL_INVALID',
    });
  });
});

describe('credential cache', () => {
  const describeDevice = (bytes: Uint8Array) => {
    const decoded = decodeDeviceCredential(bytes);
    if (!decoded.ok) return undefined;
    const { credential } = decoded.value;
    return {
      credential,
      lookup: credential.paymentKey.keyId.slice(0, 4),
      subjectId: credential.paymentKey.keyId,
      validUntilMs: credential.validUntilMs,
    };
  };
  const open = (store: MemoryStore, entriesMax = 2) =>
    CredentialCache.open<DeviceCredential>(store, {
      keyPrefix: 'test.cache.',
      entriesMax,
      describe: describeDevice,
    });
  const keys = {
    a: testPublicKey('deviceEs256'),
    b: testPublicKey('deviceEd25519'),
    c: testPublicKey('terminal'),
  };
  const lookup = (name: keyof typeof keys) => keys[name].keyId.slice(0, 4);

  it('finds an entry until its credential expires, keeps the longest valid per subject, and survives a restart', async () => {
    const store = new MemoryStore();
    const cache = await open(store);
    const until = at('2026-12-01T00:00:00.000Z');
    expect(
      await cache.remember(issueDeviceCredential(keys.a, { validUntilMs: until }), paymentTimeMs),
    ).toBe(true);
    expect(
      await cache.remember(
        issueDeviceCredential(keys.a, { validUntilMs: until - 1 }),
        paymentTimeMs,
      ),
    ).toBe(false);
    expect(cache.find(lookup('a'), until)).toHaveLength(1);
    expect(cache.find(lookup('a'), until + 1)).toEqual([]);
    expect(
      await cache.remember(
        issueDeviceCredential(keys.a, { validUntilMs: until + 1_000 }),
        paymentTimeMs,
      ),
    ).toBe(true);
    expect(cache.size()).toBe(1);
    const reopened = await open(store);
    expect(reopened.find(lookup('a'), until + 1).map((entry) => entry.validUntilMs)).toEqual([
      until + 1_000,
    ]);
  });

  it('holds at most entriesMax: the entry that expires first makes room, and expired ones go first', async () => {
    const store = new MemoryStore();
    const cache = await open(store);
    await cache.remember(
      issueDeviceCredential(keys.a, { validUntilMs: at('2026-12-03T00:00:00.000Z') }),
      paymentTimeMs,
    );
    await cache.remember(
      issueDeviceCredential(keys.b, { validUntilMs: at('2026-12-02T00:00:00.000Z') }),
      paymentTimeMs,
    );
    await cache.remember(
      issueDeviceCredential(keys.c, { validUntilMs: at('2026-12-04T00:00:00.000Z') }),
      paymentTimeMs,
    );
    expect([
      cache.find(lookup('a'), paymentTimeMs).length,
      cache.find(lookup('b'), paymentTimeMs).length,
      cache.find(lookup('c'), paymentTimeMs).length,
    ]).toEqual([1, 0, 1]);
    expect(await store.list('test.cache.')).toHaveLength(2);
    // Past a's expiry, remembering b deletes a instead of evicting c.
    await cache.remember(
      issueDeviceCredential(keys.b, { validUntilMs: at('2026-12-10T00:00:00.000Z') }),
      at('2026-12-03T00:00:00.001Z'),
    );
    expect(await store.list('test.cache.')).toHaveLength(2);
    expect(cache.find(lookup('c'), at('2026-12-03T00:00:00.001Z'))).toHaveLength(1);
  });

  it('deletes on open an entry that no longer decodes', async () => {
    const store = new MemoryStore();
    const cache = await open(store);
    await cache.remember(issueDeviceCredential(keys.a), paymentTimeMs);
    const [storeKey] = await store.list('test.cache.');
    await store.write(storeKey!, new Uint8Array([1, 2, 3]));
    expect((await open(store)).size()).toBe(0);
    expect(await store.list('test.cache.')).toEqual([]);
  });
});
