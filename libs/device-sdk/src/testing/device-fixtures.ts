// Test support: a processor, a terminal and a phone wired with the fixed test keys of
// @settle/contracts, at the fixtures' times.
import {
  fixtureDeviceCredential,
  readProtocolFixture,
  testPublicKey,
  testSigner,
} from '@settle/protocol/testing';
import {
  type DeviceCredential,
  type ProtocolPublicKey,
  signDeviceCredential,
} from '@settle/protocol';
import { type DeviceKeystore } from '../keystore/keystore';
import { SoftwareKeystore } from '../keystore/software-keystore';
import { PcdWallet } from '../pcd/pcd-wallet';
import { PosTerminal } from '../pos/pos-terminal';
import { type ProcessorTrust } from '../processor-trust';
import { type DurableStore } from '../storage/durable-store';
import { MemoryStore } from '../storage/memory-store';

export const at = (iso: string): number => Date.parse(iso);

/** The moment of the fixtures' payment: inside every credential's validity. */
export const paymentTimeMs = at('2026-11-28T07:41:00.000Z');

export const trust: ProcessorTrust = {
  credentialKeys: [testPublicKey('processor')],
  receiptKeys: [testPublicKey('processor')],
  algorithms: ['ES256'],
  backend: 'noble',
};

/** A device credential for `paymentKey`, signed by the test processor. */
export function issueDeviceCredential(
  paymentKey: ProtocolPublicKey,
  changes: Partial<DeviceCredential> = {},
): Uint8Array {
  return signDeviceCredential(
    { ...fixtureDeviceCredential, paymentKey, ...changes },
    testSigner('processor'),
  );
}

/** A phone with a fresh ES256 payment key and a device credential for it. */
export async function newWallet(
  options: { authenticateUser?: () => Promise<boolean>; store?: DurableStore } = {},
) {
  const store = options.store ?? new MemoryStore();
  const keystore: DeviceKeystore = new SoftwareKeystore({
    store,
    authenticateUser: options.authenticateUser ?? (async () => true),
    backend: 'noble',
  });
  const wallet = await PcdWallet.open({ store, keystore, trust });
  const paymentKey = await wallet.createPaymentKey('ES256');
  const stored = await wallet.storeDeviceCredential(
    issueDeviceCredential(paymentKey),
    paymentTimeMs,
  );
  if (!stored.ok) throw new Error(stored.message);
  return { wallet, store, keystore, paymentKey };
}

/** The fixtures' terminal (its credential and key). */
export async function newTerminal(store: DurableStore = new MemoryStore()) {
  const signer = testSigner('terminal');
  const pos = await PosTerminal.open({
    store,
    terminalKey: { alg: signer.alg, keyId: signer.keyId, sign: async (data) => signer.sign(data) },
    terminalCredentialBytes: readProtocolFixture('terminal-credential'),
    trust,
  });
  return { pos, store };
}

/** A nonce that differs per call. */
export function nonce(seed: number): Uint8Array {
  return new Uint8Array(16).fill(seed & 0xff);
}
