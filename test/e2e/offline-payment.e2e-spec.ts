// An offline payment end to end, in-process: the token issuer, the registry, the verifier and the ledger
// on one Kafka topic prefix, real PostgreSQL, TLS 1.3 with a throwaway development PKI (scripts/dev-pki.mjs:
// CA, server certificates, each service's custody document), real bound sessions (libs/device-session,
// token binding) — issue 11, §5.
//
// 1. An operator onboards two merchants, registers two terminals (A, B) of the first, opens a consumer
//    account with two phones (P1, P2) and their offline limits, and funds the wallet (ledger admin API);
//    the ledger gets a fee schedule for the merchant. Terminals and phones enrol software keys (format
//    `none`, the verifier's development policy), start bound sessions at the token issuer, and fetch
//    their credentials (terminal credential; the phones check in for their device credentials).
// 2. Payments are made offline with the device SDK (PosTerminal, PcdWallet): request and credentials
//    to the phone, authorization and device credential back, each time encoded to audio samples by the
//    sound link and decoded from them (a 16-bit recording). Where the SDKs refuse what a case needs
//    (a phone ignoring its cap or reusing a counter, a terminal naming another merchant, tampering
//    after signing), the transaction is built with the protocol's encoders and signed with the real
//    keys held by the keystores — a tampered app, as an attacker would run it.
// 3. The terminals upload over their bound sessions with the payment client (CBOR batches); the
//    verifier verifies, the ledger settles, the verifier signs confirmations.
// 4. Both SDKs fetch their confirmations and verify them offline with the receipt keys they fetched
//    before paying; the ledger's balances match what settled.
//
// Cases and their documented final states (docs/verifier.md):
//   valid                         P1 at A                                  settled
//   tamper base                   P1 at A (the original of "tampered")    settled
//   duplicate upload              A's batch again; one of it in another   the same receipts; accepted, duplicate: true; settled once
//   same id, other content        A re-signs the valid one's approval      refused DUPLICATE_WITH_DIFFERENT_CONTENT + fraud signal
//   tampered amount               A raises the amount after signing        rejected SIGNATURE_INVALID
//   wrong merchant                A's request names the other merchant     refused MERCHANT_MISMATCH
//   key revoked before approval   P2 at A after its key was revoked       rejected KEY_NOT_ACTIVE
//   replayed counter              P1's first counter again, at B           rejected COUNTER_REUSED
//   over the cumulative cap       P1 at B, within B's own view of its cap  rejected CUMULATIVE_CAP_EXCEEDED
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import {
  decodeOfflineTransaction,
  encodeOfflineTransaction,
  encodePaymentRequest,
  type EventEnvelope,
  formatTransactionId,
  type OfflineTransaction,
  prepareConsumerAuthorization,
  prepareMerchantApproval,
  type ProcessorConfirmation,
  type ProtocolPublicKey,
} from '@settle/contracts';
import { calculateJwkThumbprint, generateKeyPair } from '@settle/crypto';
import {
  type AcceptedPayment,
  type DeviceKeystore,
  DeviceCounter,
  MemoryStore,
  PcdWallet,
  PosTerminal,
  type ProcessorTrust,
  SoftwareKeystore,
  type WalletPayment,
} from '@settle/device-sdk';
import {
  DeviceSession,
  type DeviceSessionError,
  type FetchedConfirmation,
  fetchConfirmations,
  fetchCredentialKeys,
  fetchReceiptKeys,
  fetchTransactionStatus,
  isDeviceSessionError,
  type TlsEndpoint,
  type TransactionStatus,
  uploadPendingTransactions,
  type UploadResult,
  uploadTransactions,
} from '@settle/device-session';
import { startTopicTap, type TopicTap } from '@settle/messaging/testing';
import { adminAuthorization, startTestService, type TestService } from '@settle/platform/testing';
import { revocationDelayMsStated } from '@settle/resource-guard';
import { sendBoundRequest } from '@settle/resource-guard/testing';
import { decodeRecording, decodeWav, encodeTransmission, encodeWav, loadGgwaveModem, type OutgoingMessage, type SoundModem, soundMessageFramesMax } from '@settle/sound-link';
import { type JWK } from 'jose';
import { DataSource } from 'typeorm';
/* eslint-disable @nx/enforce-module-boundaries -- applications have no package alias; this test starts them in-process */
import { serviceDefinition as ledgerDefinition } from '../../apps/ledger/src/service-definition';
import { serviceDefinition as registryDefinition } from '../../apps/registry/src/service-definition';
import { serviceDefinition as tokenIssuerDefinition } from '../../apps/token-issuer/src/service-definition';
import { makeTestPki } from '../../apps/token-issuer/src/testing/token-issuer-test-kit';
import { serviceDefinition as verifierDefinition } from '../../apps/verifier/src/service-definition';
/* eslint-enable @nx/enforce-module-boundaries */

/** A development policy: Android devices (and, by format `none`, terminals) may register software keys. */
const developmentPolicy = JSON.stringify({ android: { formats: ['android-key', 'none'], acceptedLevels: ['strongbox', 'tee', 'software'] } });
const perTransactionMax = 2_500n;
const cumulativeMax = 5_000n;
const offlineLimits = [{ currency: 'EUR', perTransactionMax: String(perTransactionMax), cumulativeMax: String(cumulativeMax) }];
const fundedAmount = 20_000n;
const feeSchedule = { basisPoints: 150, fixedMinorUnits: 10n };
/** Bounds of the waits on Kafka (consumer group joins can take seconds on a cold broker). */
const kafkaWaitMs = 30_000;
/** Bound of the wait for one payment to reach its final state (verification, ledger, confirmation). */
const finalStateWaitMs = 60_000;
const prompt = { title: 'Pay', subtitle: 'Café Olé' };
const uniqueId = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;
const portOf = (service: { url: string }) => Number(new URL(service.url).port);
const fee = (amount: bigint) => (amount * BigInt(feeSchedule.basisPoints)) / 10_000n + feeSchedule.fixedMinorUnits;

interface Services {
  readonly issuer: TestService<typeof tokenIssuerDefinition.config>;
  readonly registry: TestService<typeof registryDefinition.config>;
  readonly verifier: TestService<typeof verifierDefinition.config>;
  readonly ledger: TestService<typeof ledgerDefinition.config>;
  /** What the verifier published (payments, fraud signals) and its dead letters. */
  readonly verifierTap: TopicTap;
  /** What the ledger published (settlements) and its dead letters. */
  readonly ledgerTap: TopicTap;
  readonly issuerEndpoint: TlsEndpoint;
  readonly registryEndpoint: TlsEndpoint;
  readonly verifierEndpoint: TlsEndpoint;
  readonly caPem: string;
  readonly modem: SoundModem;
}

interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** A consumer's phone: its wallet over a store and a software keystore, and its bound session. */
interface Phone {
  readonly deviceId: string;
  readonly accountId: string;
  readonly store: MemoryStore;
  readonly keystore: DeviceKeystore;
  readonly wallet: PcdWallet;
  readonly session: DeviceSession;
  readonly paymentKeyId: string;
  readonly bindingKeyId: string;
}

/** A merchant's terminal: the POS SDK with its approval key in a software keystore, and its bound session. */
interface Terminal {
  readonly terminalId: string;
  readonly merchantId: string;
  readonly keystore: DeviceKeystore;
  readonly pos: PosTerminal;
  readonly session: DeviceSession;
  readonly approvalKeyId: string;
  readonly bindingKeyId: string;
  /** Its terminal credential as the registry issued it (sent before every request). */
  readonly credentialBytes: Uint8Array;
}

/** A case's transaction and where it must end. */
interface Case {
  readonly transactionId: string;
  readonly bytes: Uint8Array;
  readonly amount: bigint;
  readonly expected: { readonly state: 'settled' } | { readonly state: 'rejected'; readonly reasonCode: string } | { readonly state: 'refused'; readonly code: string };
}

describe('offline payment end to end: sound link, upload over a bound session, verification, settlement, confirmations', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  let services: Services;
  const world = {} as {
    merchantId: string;
    otherMerchantId: string;
    accountId: string;
    terminalA: Terminal;
    terminalB: Terminal;
    phone1: Phone;
    phone2: Phone;
    cases: Record<string, Case>;
  };

  beforeAll(async () => {
    services = await startServices(cleanups);
  });

  afterAll(async () => {
    // Every service is stopped even when one fails to; the first failure is reported afterwards.
    const failures: unknown[] = [];
    for (const cleanup of cleanups) await Promise.resolve().then(cleanup).catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  });

  it('onboards merchant, terminals and phones; they enrol, start bound sessions and fetch their credentials; the wallet is funded', async () => {
    const admin = (method: string, path: string, body?: unknown) => registryCall(services, method, path, body, adminAuthorization());
    world.merchantId = uniqueId('mer');
    world.otherMerchantId = uniqueId('mer');
    world.accountId = uniqueId('acc');
    for (const merchantId of [world.merchantId, world.otherMerchantId]) {
      expect(await admin('POST', '/admin/merchants', { merchantId, displayName: 'Café Olé', categoryCode: '5812', settlementCurrency: 'EUR', timeZone: 'Europe/Zurich' })).toMatchObject({ status: 200 });
    }
    expect(await admin('POST', '/admin/accounts', { accountId: world.accountId, holderDisplayName: 'Holder', currency: 'EUR' })).toMatchObject({ status: 200 });

    [world.terminalA, world.terminalB] = await Promise.all([newTerminal(services, world.merchantId), newTerminal(services, world.merchantId)]);
    [world.phone1, world.phone2] = await Promise.all([newPhone(services, world.accountId), newPhone(services, world.accountId)]);

    // The ledger learns account and merchant from the registry's events; then the operator funds the
    // wallet and sets the merchant's fees.
    await waitUntil(async () => (await ledgerCall(services, 'GET', `/admin/accounts/payable_${world.merchantId}/balance`)).status === 200, kafkaWaitMs, 'the ledger knows the merchant');
    let funding: HttpAnswer = { status: 0, body: {} };
    await waitUntil(
      async () => (funding = await ledgerCall(services, 'POST', '/admin/fundings', { clientKey: uniqueId('fund'), consumerAccountId: world.accountId, amount: String(fundedAmount), currency: 'EUR' })).status === 200,
      kafkaWaitMs,
      'the wallet funded (the ledger knows the account)',
    );
    expect(funding.body).toMatchObject({ outcome: 'posted' });
    const schedule = await ledgerCall(services, 'POST', `/admin/merchants/${world.merchantId}/fee-schedules`, { basisPoints: feeSchedule.basisPoints, fixedMinorUnits: String(feeSchedule.fixedMinorUnits), effectiveFrom: null });
    expect(schedule.status).toBe(201);
  });

  it('makes the payments offline: request, credentials and authorization travel over the sound link', async () => {
    const { terminalA, terminalB, phone1, phone2 } = world;
    const cases: Record<string, Case> = {};
    const valid = await payOverSound(services.modem, terminalA, phone1, 2_000n);
    cases['valid'] = { transactionId: formatTransactionId(valid.transactionId), bytes: valid.offlineTransactionBytes, amount: 2_000n, expected: { state: 'settled' } };
    const tamperBase = await payOverSound(services.modem, terminalA, phone1, 1_500n);
    cases['tamper base'] = { transactionId: formatTransactionId(tamperBase.transactionId), bytes: tamperBase.offlineTransactionBytes, amount: 1_500n, expected: { state: 'settled' } };

    // The terminal raises the amount after the phone signed (the approval, over the authorization, still verifies).
    const tampered = withAmount(tamperBase.offlineTransactionBytes, 2_400n);
    cases['tampered amount'] = { transactionId: idOf(tampered), bytes: tampered, amount: 2_400n, expected: { state: 'rejected', reasonCode: 'SIGNATURE_INVALID' } };
    // The same transaction id with other signed content: A approves the valid payment again, a millisecond later.
    const reapproved = await reapprove(valid.offlineTransactionBytes, terminalA);
    expect(idOf(reapproved)).toBe(cases['valid'].transactionId);
    cases['same id, other content'] = { transactionId: idOf(reapproved), bytes: reapproved, amount: 2_000n, expected: { state: 'refused', code: 'DUPLICATE_WITH_DIFFERENT_CONTENT' } };

    // A's request names the other merchant: the phone refuses to show it (the terminal credential names
    // A's merchant); a tampered app signs it anyway with a fresh counter, and A countersigns.
    const wrongMerchant = await wrongMerchantTransaction(services.modem, terminalA, phone1, world.otherMerchantId);
    cases['wrong merchant'] = { transactionId: idOf(wrongMerchant), bytes: wrongMerchant, amount: 900n, expected: { state: 'refused', code: 'MERCHANT_MISMATCH' } };

    // P2's payment key is revoked (lost phone) while the phone is offline: it still pays, A still accepts.
    const revoked = await registryCall(services, 'POST', `/admin/keys/${phone2.paymentKeyId}/revoke`, { reason: 'device-lost' }, adminAuthorization());
    expect(revoked).toMatchObject({ status: 200, body: { key: { state: 'revoked' } } });
    const verifierDb = services.verifier.service.app.get(DataSource);
    await waitUntil(
      async () => ((await verifierDb.query('SELECT state FROM verifier_keys WHERE key_id = $1', [phone2.paymentKeyId])) as Array<{ state: string }>)[0]?.state === 'revoked',
      kafkaWaitMs,
      'the verifier\'s projection has the revocation',
    );
    const afterRevocation = await payOverSound(services.modem, terminalA, phone2, 800n);
    cases['key revoked before approval'] = { transactionId: formatTransactionId(afterRevocation.transactionId), bytes: afterRevocation.offlineTransactionBytes, amount: 800n, expected: { state: 'rejected', reasonCode: 'KEY_NOT_ACTIVE' } };

    // At B, a cloned or tampered phone: the first payment's counter again, then a payment its own cap
    // count would refuse (B sees only what it holds itself, so both pass B's offline checks).
    const validCounter = decodedOf(valid.offlineTransactionBytes).authorization.deviceCounter;
    const replayed = await roguePaymentOverSound(services.modem, terminalB, phone1, 1_000n, validCounter);
    cases['replayed counter'] = { transactionId: formatTransactionId(replayed.transactionId), bytes: replayed.offlineTransactionBytes, amount: 1_000n, expected: { state: 'rejected', reasonCode: 'COUNTER_REUSED' } };
    // 2,000 + 1,500 settled since the check-in, + 2,000 > 5,000 (each within the 2,500 per payment).
    const overCap = await roguePaymentOverSound(services.modem, terminalB, phone1, 2_000n);
    cases['over the cumulative cap'] = { transactionId: formatTransactionId(overCap.transactionId), bytes: overCap.offlineTransactionBytes, amount: 2_000n, expected: { state: 'rejected', reasonCode: 'CUMULATIVE_CAP_EXCEEDED' } };

    world.cases = cases;
    expect(terminalA.pos.pendingUploads().map((entry) => formatTransactionId(entry.transactionId))).toEqual([cases['valid'].transactionId, cases['tamper base'].transactionId, cases['key revoked before approval'].transactionId]);
    expect(terminalB.pos.pendingUploads().map((entry) => formatTransactionId(entry.transactionId))).toEqual([cases['replayed counter'].transactionId, cases['over the cumulative cap'].transactionId]);
  });

  it('uploads over the terminals\' bound sessions: receipts, a repeated batch, refusals', async () => {
    const { terminalA, terminalB, cases } = world;
    const final = (terminal: Terminal, entry: Case) => untilFinal(services, terminal, entry);
    await untilVerifierKnows(services, [terminalA, terminalB, world.phone1, world.phone2]);

    const first = await uploadWhenGuardReady(() => uploadPendingTransactions(terminalA.session, terminalA.pos, { verifier: services.verifierEndpoint }));
    expect(receiptsOf(first)).toEqual(terminalA.pos.pendingUploads().map((entry) => ({ transactionId: formatTransactionId(entry.transactionId), status: 'accepted' })));
    // The same batch again (as after a lost answer): the same batch, receipts and time, no new work;
    // one of its transactions in another batch: accepted as a duplicate.
    const again = await uploadPendingTransactions(terminalA.session, terminalA.pos, { verifier: services.verifierEndpoint });
    expect(again).toEqual({ batches: first.batches, transactions: first.transactions });
    const valid = terminalA.pos.pendingUploads().filter((entry) => formatTransactionId(entry.transactionId) === cases['valid']!.transactionId);
    const alone = await uploadTransactions(terminalA.session, valid, { verifier: services.verifierEndpoint });
    expect(alone.batches[0]!.batchId).not.toBe(first.batches[0]!.batchId);
    expect(alone.transactions.map(({ receipt }) => receipt)).toEqual([{ index: 0, transactionId: cases['valid']!.transactionId, status: 'accepted', duplicate: true }]);
    // Built outside the POS SDK (which would never hold them), uploaded over the same kind of session.
    const crafted = [cases['tampered amount']!, cases['same id, other content']!, cases['wrong merchant']!];
    const refusals = await uploadTransactions(terminalA.session, crafted, { verifier: services.verifierEndpoint });
    expect(refusals.transactions.map(({ receipt }) => ({ status: receipt.status, code: receipt.code }))).toEqual(
      crafted.map(({ expected }) => (expected.state === 'refused' ? { status: 'refused', code: expected.code } : { status: 'accepted', code: undefined })),
    );

    // B uploads only once A's payments are final: the verifier judges a device's counters and
    // cumulative spend against what it has verified.
    for (const name of ['valid', 'tamper base', 'tampered amount', 'key revoked before approval']) await final(terminalA, cases[name]!);
    const atB = await uploadWhenGuardReady(() => uploadPendingTransactions(terminalB.session, terminalB.pos, { verifier: services.verifierEndpoint }));
    expect(atB.transactions.map(({ receipt }) => receipt.status)).toEqual(['accepted', 'accepted']);

    // One payment.uploaded per stored transaction: the repeated batch and the refusals published nothing.
    const stored = Object.values(cases).filter((entry) => entry.expected.state !== 'refused');
    const uploaded = () => services.verifierTap.published.filter((event) => event.type === 'payment.uploaded');
    await waitUntil(() => uploaded().length >= stored.length, kafkaWaitMs, 'payment.uploaded of every stored transaction');
    expect(uploaded().map(transactionIdOf).sort()).toEqual(stored.map((entry) => entry.transactionId).sort());
  });

  it('verifies and settles: every case reaches its documented final state', async () => {
    const { terminalA, terminalB, cases } = world;
    const terminalOf = (name: string) => (['replayed counter', 'over the cumulative cap'].includes(name) ? terminalB : terminalA);
    const outcomes: Record<string, unknown> = {};
    for (const [name, entry] of Object.entries(cases)) {
      if (entry.expected.state === 'refused') {
        // Refused at upload: nothing stored under this content. The conflicting upload's id is the valid payment's.
        const status = await fetchTransactionStatus(terminalA.session, entry.transactionId, { verifier: services.verifierEndpoint });
        outcomes[name] = entry.expected.code === 'DUPLICATE_WITH_DIFFERENT_CONTENT' ? { refused: entry.expected.code, original: status?.status } : { refused: entry.expected.code, stored: status };
        continue;
      }
      const status = await untilFinal(services, terminalOf(name), entry);
      outcomes[name] = { status: status.status, reasonCode: status.reasonCode };
    }
    expect(outcomes).toEqual({
      valid: { status: 'settled', reasonCode: null },
      'tamper base': { status: 'settled', reasonCode: null },
      'tampered amount': { status: 'rejected', reasonCode: 'SIGNATURE_INVALID' },
      'same id, other content': { refused: 'DUPLICATE_WITH_DIFFERENT_CONTENT', original: 'settled' },
      'wrong merchant': { refused: 'MERCHANT_MISMATCH', stored: null },
      'key revoked before approval': { status: 'rejected', reasonCode: 'KEY_NOT_ACTIVE' },
      'replayed counter': { status: 'rejected', reasonCode: 'COUNTER_REUSED' },
      'over the cumulative cap': { status: 'rejected', reasonCode: 'CUMULATIVE_CAP_EXCEEDED' },
    });

    // What the topics carried (the taps read them as any consumer would, so wait for them to catch up).
    const ofType = (tap: TopicTap, type: string) => tap.published.filter((event) => event.type === type).map(transactionIdOf).sort();
    const conflicts = () => services.verifierTap.published.filter((event) => event.type === 'fraud.signal-raised' && (event.payload as { kind: string }).kind === 'DUPLICATE_WITH_DIFFERENT_CONTENT');
    const rejected = Object.values(cases).filter((entry) => entry.expected.state === 'rejected');
    await waitUntil(
      () => ofType(services.ledgerTap, 'payment.settled').length >= 2 && ofType(services.verifierTap, 'payment.rejected').length >= rejected.length && conflicts().length >= 1,
      kafkaWaitMs,
      'payment.settled, payment.rejected and the fraud signal on their topics',
    );
    expect(ofType(services.verifierTap, 'payment.verified')).toEqual([cases['valid']!.transactionId, cases['tamper base']!.transactionId].sort());
    expect(ofType(services.ledgerTap, 'payment.settled')).toEqual(ofType(services.verifierTap, 'payment.verified'));
    expect(ofType(services.verifierTap, 'payment.rejected')).toEqual(rejected.map((entry) => entry.transactionId).sort());
    // One fraud signal for the conflicting content, naming the transaction id.
    expect(conflicts().map(transactionIdOf)).toEqual([cases['same id, other content']!.transactionId]);
    expect(services.verifierTap.deadLetters).toEqual([]);
    expect(services.ledgerTap.deadLetters).toEqual([]);
  });

  it('terminals and phones fetch their confirmations and verify them offline; the terminals\' queues empty', async () => {
    const { terminalA, terminalB, phone1, phone2, cases } = world;
    const expectedOf = (entry: Case) => (entry.expected.state === 'settled' ? { outcome: 'accepted', reasonCode: null } : { outcome: 'rejected', reasonCode: (entry.expected as { reasonCode: string }).reasonCode });
    const byId = (names: string[]) => Object.fromEntries(names.map((name) => [cases[name]!.transactionId, { ...expectedOf(cases[name]!), amount: cases[name]!.amount }]));
    // The terminal's SDK answers the confirmation, the phone's the payment it confirmed.
    const confirmationOf = (value: ProcessorConfirmation | WalletPayment): ProcessorConfirmation => ('outcome' in value ? value : value.confirmation!);
    const summary = (confirmations: ReadonlyArray<FetchedConfirmation<ProcessorConfirmation | WalletPayment>>) =>
      Object.fromEntries(
        confirmations.map(({ transactionId, result }) => {
          if (!result.ok) return [transactionId, { failed: result.code }];
          const { outcome, reasonCode, amount } = confirmationOf(result.value);
          return [transactionId, { outcome, reasonCode, amount }];
        }),
      );

    const atA = await fetchConfirmations(terminalA.session, terminalA.pos, { verifier: services.verifierEndpoint });
    expect(atA.complete).toBe(true);
    // The tampered transaction is A's (its request names A) but A's queue never held it: the SDK says so.
    expect(summary(atA.confirmations)).toEqual({
      ...byId(['valid', 'tamper base', 'key revoked before approval']),
      [cases['tampered amount']!.transactionId]: { failed: 'TRANSACTION_UNKNOWN' },
    });
    expect(terminalA.pos.pendingUploads()).toEqual([]);
    const atB = await fetchConfirmations(terminalB.session, terminalB.pos, { verifier: services.verifierEndpoint });
    expect(summary(atB.confirmations)).toEqual(byId(['replayed counter', 'over the cumulative cap']));
    expect(terminalB.pos.pendingUploads()).toEqual([]);
    // Nothing new since the cursor.
    expect(await fetchConfirmations(terminalA.session, terminalA.pos, { verifier: services.verifierEndpoint, after: atA.nextCursor })).toEqual({ confirmations: [], nextCursor: atA.nextCursor, complete: true });

    // The phone learns of every transaction made with its key; its wallet recognises the ones it
    // approved itself and verifies each offline — those a tampered app or terminal made it never knew.
    const ofPhone1 = await fetchConfirmations(phone1.session, phone1.wallet, { verifier: services.verifierEndpoint });
    expect(ofPhone1.complete).toBe(true);
    const unknownToTheWallet = ['tampered amount', 'replayed counter', 'over the cumulative cap'].map((name) => [cases[name]!.transactionId, { failed: 'TRANSACTION_UNKNOWN' }]);
    expect(summary(ofPhone1.confirmations)).toEqual({ ...byId(['valid', 'tamper base']), ...Object.fromEntries(unknownToTheWallet) });
    const ofPhone2 = await fetchConfirmations(phone2.session, phone2.wallet, { verifier: services.verifierEndpoint });
    expect(summary(ofPhone2.confirmations)).toEqual(byId(['key revoked before approval']));
    expect([...phone1.wallet.payments(), ...phone2.wallet.payments()].map((payment) => [formatTransactionId(payment.transactionId), payment.state, payment.confirmation?.outcome])).toEqual([
      [cases['valid']!.transactionId, 'confirmed', 'accepted'],
      [cases['tamper base']!.transactionId, 'confirmed', 'accepted'],
      [cases['key revoked before approval']!.transactionId, 'confirmed', 'rejected'],
    ]);
  });

  it('balances match: the wallet debited by the settled amounts, the merchant credited amount − fee', async () => {
    const { cases } = world;
    const settled = Object.values(cases).filter((entry) => entry.expected.state === 'settled');
    const settledTotal = settled.reduce((sum, entry) => sum + entry.amount, 0n);
    const fees = settled.reduce((sum, entry) => sum + fee(entry.amount), 0n);
    const balance = async (accountId: string) => (await ledgerCall(services, 'GET', `/admin/accounts/${accountId}/balance`)).body.balance;
    expect({
      wallet: await balance(`wallet_${world.accountId}`),
      merchant: await balance(`payable_${world.merchantId}`),
      otherMerchant: await balance(`payable_${world.otherMerchantId}`),
      feeRevenue: await balance('fee-revenue_EUR'),
    }).toEqual({
      wallet: String(fundedAmount - settledTotal),
      merchant: String(settledTotal - fees),
      otherMerchant: '0',
      feeRevenue: String(fees),
    });
    const statement = await ledgerCall(services, 'GET', `/admin/accounts/wallet_${world.accountId}/statement?limit=500`);
    const lines = statement.body.lines as Array<{ kind: string; transactionId: string | null; change: string }>;
    const byTransaction = (left: unknown[], right: unknown[]) => String(left[1]).localeCompare(String(right[1]));
    expect(lines[0]).toMatchObject({ kind: 'funding', change: String(fundedAmount) });
    expect(lines.slice(1).map(({ kind, transactionId, change }) => [kind, transactionId, change]).sort(byTransaction)).toEqual(
      settled.map((entry) => ['payment', entry.transactionId, String(-entry.amount)]).sort(byTransaction),
    );
    for (const entry of settled) {
      expect((await ledgerCall(services, 'GET', `/admin/settlements/${entry.transactionId}`)).body).toMatchObject({ fee: String(fee(entry.amount)) });
    }
  });
});

/** Starts the four services on one topic prefix, the taps and the sound modem; registers their stops in `cleanups`. */
async function startServices(cleanups: Array<() => Promise<void> | void>): Promise<Services> {
  const prefix = `e2e${randomBytes(4).toString('hex')}.`;
  const kafka = { SETTLE_KAFKA_TOPIC_PREFIX: prefix, SETTLE_KAFKA_CREATE_TOPICS: 'true' };
  const pki = makeTestPki();
  cleanups.push(() => rmSync(pki.directory, { recursive: true, force: true }));
  const ca = readFileSync(pki.caCert);
  const start = async <TService extends { stop(): Promise<void> }>(starting: Promise<TService>): Promise<TService> => {
    const service = await starting;
    cleanups.unshift(() => service.stop());
    return service;
  };

  const issuer = await start(
    startTestService(tokenIssuerDefinition, {
      env: { ...kafka, SETTLE_HTTP_TLS_CERT_FILE: pki.serverCert, SETTLE_HTTP_TLS_KEY_FILE: pki.serverKey, SETTLE_KEY_CUSTODY_FILE: pki.keyCustody, SETTLE_TOKEN_ISSUER_RATE_LIMIT_KEY_PER_MINUTE: '1000' },
    }),
  );
  // The resource servers trust the issuer's published key set, fetched once over HTTPS (a static
  // SETTLE_AUTH_JWKS; test/e2e/bound-session.e2e-spec.ts covers SETTLE_AUTH_JWKS_URL).
  const jwks = JSON.stringify(await httpsJson(`https://127.0.0.1:${portOf(issuer)}/.well-known/jwks.json`, ca));
  const guard = { SETTLE_AUTH_MODE: 'token-binding', SETTLE_AUTH_JWKS: jwks };
  const registry = await start(
    startTestService(registryDefinition, {
      env: {
        ...kafka,
        ...guard,
        SETTLE_HTTP_TLS_CERT_FILE: join(pki.directory, 'registry.crt'),
        SETTLE_HTTP_TLS_KEY_FILE: join(pki.directory, 'registry.key'),
        SETTLE_KEY_CUSTODY_FILE: join(pki.directory, 'registry-key-custody.json'),
      },
    }),
  );
  // The verifier's certificate and its custody document with one receipt-signing key, from the same PKI.
  const verifier = await start(
    startTestService(verifierDefinition, {
      env: {
        ...kafka,
        ...guard,
        SETTLE_HTTP_TLS_CERT_FILE: join(pki.directory, 'verifier.crt'),
        SETTLE_HTTP_TLS_KEY_FILE: join(pki.directory, 'verifier.key'),
        SETTLE_KEY_CUSTODY_FILE: join(pki.directory, 'verifier-key-custody.json'),
        SETTLE_VERIFIER_ATTESTATION_POLICY: developmentPolicy,
      },
    }),
  );
  const ledger = await start(startTestService(ledgerDefinition, { env: { ...kafka } }));
  const verifierTap = await start(startTopicTap({ service: 'verifier', prefix, outputTopics: ['payments.uploaded.v1', 'payments.verified.v1', 'payments.rejected.v1', 'verifier.fraud-signals.v1'] }));
  const ledgerTap = await start(startTopicTap({ service: 'ledger', prefix, outputTopics: ['payments.settlements.v1'] }));
  const modem = await loadGgwaveModem();
  cleanups.unshift(() => modem.close());
  const endpointOf = (service: { url: string }): TlsEndpoint => ({ host: '127.0.0.1', port: portOf(service), servername: 'localhost', ca });
  return {
    issuer,
    registry,
    verifier,
    ledger,
    verifierTap,
    ledgerTap,
    issuerEndpoint: endpointOf(issuer),
    registryEndpoint: endpointOf(registry),
    verifierEndpoint: endpointOf(verifier),
    caPem: ca.toString('utf8'),
    modem,
  };
}

/** GET of a JSON document over HTTPS (TLS 1.3) trusting `ca`. */
function httpsJson(url: string, ca: Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(url, { ca, minVersion: 'TLSv1.3', headers: { accept: 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => (response.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))) : reject(new Error(`${url}: HTTP ${response.statusCode}`))));
    });
    request.on('error', reject);
    request.end();
  });
}

/** An operator's or an enrolling device's call to the registry over HTTPS (no binding). */
async function registryCall(services: Services, method: string, path: string, body?: unknown, authorization?: string): Promise<HttpAnswer> {
  const answer = await sendBoundRequest({
    server: { port: services.registryEndpoint.port, cert: services.caPem },
    method,
    path,
    ...(authorization ? { headers: { authorization } } : {}),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: answer.status, body: JSON.parse(answer.body || '{}') as Record<string, unknown> };
}

/** An operator's call to the ledger's admin API. */
async function ledgerCall(services: Services, method: string, path: string, body?: unknown): Promise<HttpAnswer> {
  const response = await fetch(`${services.ledger.url}${path}`, {
    method,
    headers: { authorization: adminAuthorization(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * Registers a payment key (from the device's keystore) and a binding key with an enrolment code and
 * waits until the verifier's verdict made both active. Returns their key ids.
 */
async function enrol(services: Services, code: string, deviceId: string | undefined, paymentKey: ProtocolPublicKey, bindingJwk: object): Promise<{ paymentKeyId: string; bindingKeyId: string }> {
  const challenge = await registryCall(services, 'POST', '/enrolment/challenges', { enrolmentCode: code, ...(deviceId === undefined ? {} : { deviceId }) });
  expect(challenge.status).toBe(201);
  const keys = [
    { purpose: 'payment', algorithm: paymentKey.alg, publicKeyJwk: paymentKey.publicJwk, format: 'none', evidence: '' },
    { purpose: 'binding', algorithm: 'ES256', publicKeyJwk: bindingJwk, format: 'none', evidence: '' },
  ];
  const registered = await registryCall(services, 'POST', '/enrolment/keys', { enrolmentCode: code, challenge: challenge.body.challenge, keys });
  expect(registered).toMatchObject({ status: 200, body: { outcome: 'registered' } });
  const [paymentKeyId, bindingKeyId] = (registered.body.keys as Array<{ keyId: string }>).map((key) => key.keyId) as [string, string];
  expect(paymentKeyId).toBe(Buffer.from(paymentKey.keyId).toString('base64url'));
  let states: unknown[] = [];
  await waitUntil(
    async () => {
      states = await Promise.all([paymentKeyId, bindingKeyId].map(async (keyId) => (await registryCall(services, 'GET', `/admin/keys/${keyId}`, undefined, adminAuthorization())).body.state));
      return states.every((state) => state === 'active');
    },
    kafkaWaitMs,
    () => `keys ${paymentKeyId}, ${bindingKeyId} active (last seen ${JSON.stringify(states)})`,
  );
  return { paymentKeyId, bindingKeyId };
}

/** Starts the session, retried while the issuer's projection has not caught up with the registry. */
async function startSession(session: DeviceSession): Promise<void> {
  const notYetProjected = new Set(['KEY_UNKNOWN', 'KEY_NOT_ACTIVE', 'SUBJECT_UNKNOWN']);
  let lastRefusal: DeviceSessionError | undefined;
  await waitUntil(
    async () => {
      try {
        await session.start();
        return true;
      } catch (error) {
        if (!isDeviceSessionError(error) || !notYetProjected.has(error.problemCode ?? '')) throw error;
        lastRefusal = error;
        return false;
      }
    },
    kafkaWaitMs,
    () => `session start (last refusal: ${String(lastRefusal?.message)})`,
  );
}

/**
 * A POST to the registry on a new bound connection, repeated while the registry's guard (which reads
 * binding-key states about once a second) does not know the key yet (401), bounded by its stated delay.
 */
async function boundPost(session: DeviceSession, endpoint: TlsEndpoint, path: string): Promise<HttpAnswer> {
  const once = async (): Promise<HttpAnswer> => {
    const connection = await session.connect(endpoint);
    try {
      const answer = await session.send(connection, { method: 'POST', path, url: `https://localhost:${endpoint.port}${path}` });
      return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
    } finally {
      connection.close();
    }
  };
  let answer = await once();
  await waitUntil(
    async () => answer.status !== 401 || ((answer = await once()), false),
    revocationDelayMsStated,
    () => `${path} accepted once the registry's guard knows the key (last: ${answer.status})`,
  );
  return answer;
}

/** A terminal of `merchantId`: registered and enrolled by the operator, its session, its credential, its POS SDK. */
async function newTerminal(services: Services, merchantId: string): Promise<Terminal> {
  const terminalId = uniqueId('ter');
  const admin = (method: string, path: string, body?: unknown) => registryCall(services, method, path, body, adminAuthorization());
  expect(await admin('POST', '/admin/terminals', { terminalId, merchantId })).toMatchObject({ status: 200 });
  const code = await admin('POST', '/admin/enrolment-codes', { subject: { kind: 'terminal', id: terminalId } });
  expect(code.status).toBe(201);
  const store = new MemoryStore();
  // A terminal's approval key: a payment-purpose key whose use needs no person at the counter.
  const keystore = new SoftwareKeystore({ store, authenticateUser: async () => true, backend: 'native' });
  const approvalKey = await keystore.generateKey('approval', { alg: 'ES256', purpose: 'payment' });
  const binding = generateKeyPair('ES256');
  const session = new DeviceSession({ issuer: services.issuerEndpoint, bindingKeyId: calculateJwkThumbprint(binding.publicJwk), bindingPrivateJwk: binding.privateJwk as JWK });
  const trust = await fetchTrust(services, session);
  const { paymentKeyId, bindingKeyId } = await enrol(services, String(code.body.code), undefined, approvalKey.publicKey, binding.publicJwk);
  expect(bindingKeyId).toBe(calculateJwkThumbprint(binding.publicJwk));
  await startSession(session);
  const issued = await boundPost(session, services.registryEndpoint, `/v1/terminals/${terminalId}/credential`);
  expect(issued).toMatchObject({ status: 200, body: { terminalKeyId: paymentKeyId } });
  const credentialBytes = new Uint8Array(Buffer.from(String(issued.body.terminalCredential), 'base64url'));
  const pos = await PosTerminal.open({ store, terminalKey: { alg: 'ES256', keyId: approvalKey.publicKey.keyId, sign: (data) => approvalKey.sign(data) }, terminalCredentialBytes: credentialBytes, trust });
  return { terminalId, merchantId, keystore, pos, session, approvalKeyId: paymentKeyId, bindingKeyId, credentialBytes };
}

/** A phone of `accountId`: created with limits by the operator, enrolled, its session, checked in. */
async function newPhone(services: Services, accountId: string): Promise<Phone> {
  const deviceId = uniqueId('dev');
  const admin = (method: string, path: string, body?: unknown) => registryCall(services, method, path, body, adminAuthorization());
  expect(await admin('POST', '/admin/devices', { deviceId, accountId, platform: 'android' })).toMatchObject({ status: 200 });
  expect(await admin('PUT', `/admin/devices/${deviceId}/offline-limits`, { limits: offlineLimits })).toMatchObject({ status: 200, body: { outcome: 'applied' } });
  const code = await admin('POST', '/admin/enrolment-codes', { subject: { kind: 'account', id: accountId } });
  expect(code.status).toBe(201);
  const store = new MemoryStore();
  const keystore = new SoftwareKeystore({ store, authenticateUser: async () => true, backend: 'native' });
  const binding = generateKeyPair('ES256');
  const session = new DeviceSession({ issuer: services.issuerEndpoint, bindingKeyId: calculateJwkThumbprint(binding.publicJwk), bindingPrivateJwk: binding.privateJwk as JWK });
  const wallet = await PcdWallet.open({ store, keystore, trust: await fetchTrust(services, session) });
  const paymentKey = await wallet.createPaymentKey('ES256');
  const { paymentKeyId, bindingKeyId } = await enrol(services, String(code.body.code), deviceId, paymentKey, binding.publicJwk);
  await startSession(session);
  const checkIn = await boundPost(session, services.registryEndpoint, `/v1/devices/${deviceId}/check-ins`);
  expect(checkIn).toMatchObject({ status: 201, body: { paymentKeyId, offlineCaps: offlineLimits } });
  const stored = await wallet.storeDeviceCredential(new Uint8Array(Buffer.from(String(checkIn.body.deviceCredential), 'base64url')), Date.now());
  expect(stored).toMatchObject({ ok: true, value: { deviceId } });
  return { deviceId, accountId, store, keystore, wallet, session, paymentKeyId, bindingKeyId };
}

/**
 * Sends messages as sound and returns what the other side heard: the audio goes through a 16-bit WAV
 * recording with half a second of silence before it (a microphone that started early).
 */
function overTheAir(modem: SoundModem, messages: readonly OutgoingMessage[]): Uint8Array[] {
  const audio = encodeTransmission(modem, messages);
  const recorded = new Float32Array(audio.sampleRateHz / 2 + audio.samples.length);
  recorded.set(audio.samples, audio.sampleRateHz / 2);
  const heard = decodeRecording(modem, decodeWav(encodeWav({ samples: recorded, sampleRateHz: audio.sampleRateHz })));
  expect(heard.failures).toEqual([]);
  expect(heard.messages.map((bytes) => Buffer.from(bytes).toString('hex'))).toEqual(messages.map((message) => Buffer.from(message.bytes).toString('hex')));
  return heard.messages;
}

/** The terminal's request to the phone: terminal credential (several frames), then the request (one). */
function requestOverSound(modem: SoundModem, terminal: Terminal, amount: bigint) {
  const created = terminal.pos.createRequest({ amount, currency: 'EUR', nonce: new Uint8Array(randomBytes(16)), nowMs: Date.now(), validityMs: 120_000 });
  const [terminalCredentialBytes, requestBytes] = overTheAir(modem, [
    { bytes: created.terminalCredentialBytes, framesMax: soundMessageFramesMax },
    { bytes: created.requestBytes, framesMax: 1 },
  ]) as [Uint8Array, Uint8Array];
  return { created, heard: { terminalCredentialBytes, requestBytes } };
}

/** The phone's answer to the terminal: authorization (one frame), then its device credential; the terminal accepts it. */
async function answerOverSound(modem: SoundModem, terminal: Terminal, requestBytes: Uint8Array, authorizationBytes: Uint8Array, deviceCredentialBytes: Uint8Array): Promise<AcceptedPayment> {
  const [authorizationHeard, deviceCredentialHeard] = overTheAir(modem, [
    { bytes: authorizationBytes, framesMax: 1 },
    { bytes: deviceCredentialBytes, framesMax: soundMessageFramesMax },
  ]) as [Uint8Array, Uint8Array];
  const accepted = await terminal.pos.acceptAuthorization({ requestBytes, authorizationBytes: authorizationHeard, deviceCredentialBytes: deviceCredentialHeard, nowMs: Date.now() });
  if (!accepted.ok) throw new Error(`the terminal refused the payment: ${accepted.code} ${accepted.message}`);
  return accepted.value;
}

/** A payment as the SDKs make it: the phone shows the verified merchant, the user approves, the terminal countersigns. */
async function payOverSound(modem: SoundModem, terminal: Terminal, phone: Phone, amount: bigint): Promise<AcceptedPayment> {
  const { created, heard } = requestOverSound(modem, terminal, amount);
  const presented = await phone.wallet.presentRequest({ ...heard, nowMs: Date.now() });
  if (!presented.ok) throw new Error(`the phone refused the request: ${presented.code}`);
  expect(presented.value).toMatchObject({ merchantDisplayName: 'Café Olé', request: { amount, terminalId: terminal.terminalId } });
  const approved = await phone.wallet.approve(presented.value, { nowMs: Date.now(), prompt });
  if (!approved.ok) throw new Error(`the phone did not approve: ${approved.code}`);
  return answerOverSound(modem, terminal, created.requestBytes, approved.value.authorizationBytes, approved.value.deviceCredentialBytes);
}

/**
 * A consumer authorization made by a tampered app with the phone's real payment key (the wallet's
 * keystore alias `payment`), skipping the wallet's checks; with the next counter of the phone's own
 * durable counter unless `counter` is given.
 */
async function rogueAuthorization(phone: Phone, requestBytes: Uint8Array, counter?: bigint): Promise<Uint8Array> {
  const key = (await phone.keystore.getKey('payment'))!;
  const deviceCounter = counter ?? (await new DeviceCounter(phone.store).reserveNext())!;
  const prepared = prepareConsumerAuthorization({ requestBytes, deviceCounter, authorizedAtMs: Date.now(), alg: key.publicKey.alg, keyId: key.publicKey.keyId });
  return prepared.complete(await key.sign(prepared.toBeSigned, prompt));
}

/** A payment at `terminal` over sound whose authorization a tampered app made (see {@link rogueAuthorization}). */
async function roguePaymentOverSound(modem: SoundModem, terminal: Terminal, phone: Phone, amount: bigint, counter?: bigint): Promise<AcceptedPayment> {
  const { created, heard } = requestOverSound(modem, terminal, amount);
  const authorizationBytes = await rogueAuthorization(phone, heard.requestBytes, counter);
  const credential = (await phone.wallet.deviceCredential())!;
  return answerOverSound(modem, terminal, created.requestBytes, authorizationBytes, credential.bytes);
}

/**
 * A's request naming another merchant, sent over sound: the wallet refuses to show it; a tampered app
 * signs it anyway and A (tampered too: its SDK only makes requests for its own merchant) countersigns.
 */
async function wrongMerchantTransaction(modem: SoundModem, terminal: Terminal, phone: Phone, otherMerchantId: string): Promise<Uint8Array> {
  const nowMs = Date.now();
  const requestBytes = encodePaymentRequest({ merchantId: otherMerchantId, terminalId: terminal.terminalId, amount: 900n, currency: 'EUR', nonce: new Uint8Array(randomBytes(16)), createdAtMs: nowMs, expiresAtMs: nowMs + 120_000 });
  const [terminalCredentialBytes, requestHeard] = overTheAir(modem, [
    { bytes: terminal.credentialBytes, framesMax: soundMessageFramesMax },
    { bytes: requestBytes, framesMax: 1 },
  ]) as [Uint8Array, Uint8Array];
  expect(await phone.wallet.presentRequest({ requestBytes: requestHeard, terminalCredentialBytes, nowMs: Date.now() })).toMatchObject({ ok: false, code: 'TERMINAL_MISMATCH' });
  const authorizationBytes = await rogueAuthorization(phone, requestHeard);
  const [authorizationHeard] = overTheAir(modem, [{ bytes: authorizationBytes, framesMax: 1 }]) as [Uint8Array];
  return encodeOfflineTransaction({ requestBytes, authorizationBytes: authorizationHeard, approvalBytes: await approvalBy(terminal, authorizationHeard, Date.now()) });
}

/** A merchant approval of `authorizationBytes` signed with the terminal's real approval key. */
async function approvalBy(terminal: Terminal, authorizationBytes: Uint8Array, approvedAtMs: number): Promise<Uint8Array> {
  const key = (await terminal.keystore.getKey('approval'))!;
  const prepared = prepareMerchantApproval({ authorizationBytes, approvedAtMs, alg: key.publicKey.alg, keyId: key.publicKey.keyId });
  return prepared.complete(await key.sign(prepared.toBeSigned));
}

/** The transaction approved again by the same terminal a millisecond later: same id, other signed content. */
async function reapprove(bytes: Uint8Array, terminal: Terminal): Promise<Uint8Array> {
  const decoded = decodedOf(bytes);
  return encodeOfflineTransaction({ requestBytes: decoded.requestBytes, authorizationBytes: decoded.authorizationBytes, approvalBytes: await approvalBy(terminal, decoded.authorizationBytes, decoded.approval.approvedAtMs + 1) });
}

/** The transaction with its request's amount changed and both signatures kept (the consumer's no longer matches). */
function withAmount(bytes: Uint8Array, amount: bigint): Uint8Array {
  const decoded = decodedOf(bytes);
  return encodeOfflineTransaction({ requestBytes: encodePaymentRequest({ ...decoded.request, amount }), authorizationBytes: decoded.authorizationBytes, approvalBytes: decoded.approvalBytes });
}

function decodedOf(bytes: Uint8Array): OfflineTransaction {
  const decoded = decodeOfflineTransaction(bytes);
  if (!decoded.ok) throw new Error(`not an offline transaction: ${decoded.code}`);
  return decoded.value;
}

function idOf(bytes: Uint8Array): string {
  return formatTransactionId(decodedOf(bytes).transactionId);
}

function transactionIdOf(event: EventEnvelope): string {
  return (event.payload as { transactionId: string }).transactionId;
}

function receiptsOf(result: UploadResult<unknown>): Array<{ transactionId: string | null; status: string }> {
  return result.transactions.map(({ receipt }) => ({ transactionId: receipt.transactionId, status: receipt.status }));
}

/**
 * Waits until the verifier has projected the parties' payment keys and (for its resource guard) their
 * binding keys; its guard's snapshot of binding keys refreshes about once a second.
 */
async function untilVerifierKnows(services: Services, parties: ReadonlyArray<Terminal | Phone>): Promise<void> {
  const verifierDb = services.verifier.service.app.get(DataSource);
  const keyIds = parties.map((party) => ('approvalKeyId' in party ? party.approvalKeyId : party.paymentKeyId));
  const bindingKeyIds = parties.map((party) => party.bindingKeyId);
  await waitUntil(
    async () => {
      const [keys] = (await verifierDb.query('SELECT count(*)::int AS n FROM verifier_keys WHERE key_id = ANY($1)', [keyIds])) as Array<{ n: number }>;
      const [binding] = (await verifierDb.query('SELECT count(*)::int AS n FROM resource_guard_binding_keys WHERE key_id = ANY($1)', [bindingKeyIds])) as Array<{ n: number }>;
      return keys!.n === keyIds.length && binding!.n === bindingKeyIds.length;
    },
    kafkaWaitMs,
    'the verifier knows every party\'s keys',
  );
}

/** Runs an upload, repeated while the verifier's guard does not know the terminal's binding key yet (401). */
async function uploadWhenGuardReady<TResult>(upload: () => Promise<TResult>): Promise<TResult> {
  const deadline = Date.now() + revocationDelayMsStated;
  for (;;) {
    try {
      return await upload();
    } catch (error) {
      if (!isDeviceSessionError(error) || error.status !== 401 || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Polls the transaction's status as its terminal sees it until it is final (settled, rejected, settlement failed). */
async function untilFinal(services: Services, terminal: Terminal, entry: Case): Promise<TransactionStatus> {
  let status: TransactionStatus | null = null;
  await waitUntil(
    async () => {
      status = await fetchTransactionStatus(terminal.session, entry.transactionId, { verifier: services.verifierEndpoint });
      return status !== null && ['settled', 'rejected', 'settlement-failed'].includes(status.status);
    },
    finalStateWaitMs,
    () => `${entry.transactionId} final (last: ${JSON.stringify(status)})`,
  );
  return status!;
}

/** Polls `condition` every 100 ms until it holds; after `timeoutMs` fails with `what` (evaluated then). */
async function waitUntil(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What a device trusts offline, fetched over TLS with its own (not yet started) session: credential and receipt keys. */
async function fetchTrust(services: Services, session: DeviceSession): Promise<ProcessorTrust> {
  const credentialKeys = await fetchCredentialKeys(session, { registry: services.registryEndpoint });
  const receiptKeys = await fetchReceiptKeys(session, { verifier: services.verifierEndpoint });
  return { credentialKeys, receiptKeys, algorithms: ['ES256'], backend: 'native' };
}
