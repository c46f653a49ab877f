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
// The parties, the sound link and a tampered app's transactions come from demo/src/world (@settle/demo),
// which the demo behind `npm start` runs too; the services start in-process (./support).
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
import { type EventEnvelope } from '@settle/contracts';
import { formatTransactionId, type ProcessorConfirmation } from '@settle/protocol';
import {
  decodedOf,
  idOf,
  kafkaWaitMs,
  ledgerAdmin,
  newPhone,
  newTerminal,
  payOverSound,
  type Phone,
  reapprove,
  registryAdmin,
  roguePaymentOverSound,
  type Terminal,
  uniqueId,
  untilFinal,
  uploadWhenGuardReady,
  waitUntil,
  withAmount,
  wrongMerchantTransaction,
} from '@settle/demo';
import { type WalletPayment } from '@settle/device-sdk';
import {
  type FetchedConfirmation,
  fetchConfirmations,
  fetchTransactionStatus,
  type TransactionStatus,
  uploadPendingTransactions,
  type UploadResult,
  uploadTransactions,
} from '@settle/device-session';
import { type TopicTap } from '@settle/messaging/testing';
import { DataSource } from 'typeorm';
import {
  type InProcessServices,
  runCleanups,
  startInProcessServices,
} from './support/in-process-services';

/** A development policy: Android devices (and, by format `none`, terminals) may register software keys. */
const developmentPolicy = JSON.stringify({
  development: true,
  android: { formats: ['android-key', 'none'], acceptedLevels: ['strongbox', 'tee', 'software'] },
  terminal: { formats: ['android-key', 'none'], acceptedLevels: ['strongbox', 'tee', 'software'] },
});
const perTransactionMax = 2_500n;
const cumulativeMax = 5_000n;
const offlineLimits = [
  {
    currency: 'EUR',
    perTransactionMax: String(perTransactionMax),
    cumulativeMax: String(cumulativeMax),
  },
];
const fundedAmount = 20_000n;
const feeSchedule = { basisPoints: 150, fixedMinorUnits: 10n };
const fee = (amount: bigint) =>
  (amount * BigInt(feeSchedule.basisPoints)) / 10_000n + feeSchedule.fixedMinorUnits;

type Services = InProcessServices;

/** A case's transaction and where it must end. */
interface Case {
  readonly transactionId: string;
  readonly bytes: Uint8Array;
  readonly amount: bigint;
  readonly expected:
    | { readonly state: 'settled' }
    | { readonly state: 'rejected'; readonly reasonCode: string }
    | { readonly state: 'refused'; readonly code: string };
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
    services = await startInProcessServices(cleanups, {
      SETTLE_VERIFIER_ATTESTATION_POLICY: developmentPolicy,
      SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_URL: 'off',
    });
  });

  afterAll(async () => {
    // Every service is stopped even when one fails to; the first failure is reported afterwards.
    await runCleanups(cleanups);
  });

  it('onboards merchant, terminals and phones; they enrol, start bound sessions and fetch their credentials; the wallet is funded', async () => {
    const admin = (method: string, path: string, body?: unknown) =>
      registryAdmin(services.endpoints, method, path, body);
    world.merchantId = uniqueId('mer');
    world.otherMerchantId = uniqueId('mer');
    world.accountId = uniqueId('acc');
    for (const merchantId of [world.merchantId, world.otherMerchantId]) {
      expect(
        await admin('POST', '/admin/merchants', {
          merchantId,
          displayName: 'Café Olé',
          categoryCode: '5812',
          settlementCurrency: 'EUR',
          timeZone: 'Europe/Zurich',
        }),
      ).toMatchObject({ status: 200 });
    }
    expect(
      await admin('POST', '/admin/accounts', {
        accountId: world.accountId,
        holderDisplayName: 'Holder',
        currency: 'EUR',
      }),
    ).toMatchObject({ status: 200 });

    [world.terminalA, world.terminalB] = await Promise.all([
      newTerminal(services.endpoints, world.merchantId),
      newTerminal(services.endpoints, world.merchantId),
    ]);
    [world.phone1, world.phone2] = await Promise.all([
      newPhone(services.endpoints, world.accountId, offlineLimits),
      newPhone(services.endpoints, world.accountId, offlineLimits),
    ]);
    // Enrolled with software keys (format `none`), checked in: their device credentials carry the limits.
    expect([world.phone1.offlineCaps, world.phone2.offlineCaps]).toEqual([
      offlineLimits,
      offlineLimits,
    ]);

    // The ledger learns account and merchant from the registry's events; then the operator funds the
    // wallet and sets the merchant's fees.
    await waitUntil(
      async () =>
        (
          await ledgerAdmin(
            services.endpoints,
            'GET',
            `/admin/accounts/payable_${world.merchantId}/balance`,
          )
        ).status === 200,
      kafkaWaitMs,
      'the ledger knows the merchant',
    );
    let funding = { status: 0, body: {} as Record<string, unknown> };
    await waitUntil(
      async () =>
        (funding = await ledgerAdmin(services.endpoints, 'POST', '/admin/fundings', {
          clientKey: uniqueId('fund'),
          consumerAccountId: world.accountId,
          amount: String(fundedAmount),
          currency: 'EUR',
          externalReference: uniqueId('transfer'),
        })).status === 200,
      kafkaWaitMs,
      'the wallet funded (the ledger knows the account)',
    );
    expect(funding.body).toMatchObject({ outcome: 'posted' });
    const schedule = await ledgerAdmin(
      services.endpoints,
      'POST',
      `/admin/merchants/${world.merchantId}/fee-schedules`,
      {
        basisPoints: feeSchedule.basisPoints,
        fixedMinorUnits: String(feeSchedule.fixedMinorUnits),
        effectiveFrom: null,
      },
    );
    expect(schedule.status).toBe(201);
  });

  it('makes the payments offline: request, credentials and authorization travel over the sound link', async () => {
    const { terminalA, terminalB, phone1, phone2 } = world;
    const cases: Record<string, Case> = {};
    const valid = await payOverSound(services.modem, terminalA, phone1, 2_000n);
    expect(valid.merchantDisplayName).toBe('Café Olé');
    cases['valid'] = {
      transactionId: formatTransactionId(valid.transactionId),
      bytes: valid.offlineTransactionBytes,
      amount: 2_000n,
      expected: { state: 'settled' },
    };
    const tamperBase = await payOverSound(services.modem, terminalA, phone1, 1_500n);
    cases['tamper base'] = {
      transactionId: formatTransactionId(tamperBase.transactionId),
      bytes: tamperBase.offlineTransactionBytes,
      amount: 1_500n,
      expected: { state: 'settled' },
    };

    // The terminal raises the amount after the phone signed (the approval, over the authorization, still verifies).
    const tampered = withAmount(tamperBase.offlineTransactionBytes, 2_400n);
    cases['tampered amount'] = {
      transactionId: idOf(tampered),
      bytes: tampered,
      amount: 2_400n,
      expected: { state: 'rejected', reasonCode: 'SIGNATURE_INVALID' },
    };
    // The same transaction id with other signed content: A approves the valid payment again, a millisecond later.
    const reapproved = await reapprove(valid.offlineTransactionBytes, terminalA);
    expect(idOf(reapproved)).toBe(cases['valid'].transactionId);
    cases['same id, other content'] = {
      transactionId: idOf(reapproved),
      bytes: reapproved,
      amount: 2_000n,
      expected: { state: 'refused', code: 'DUPLICATE_WITH_DIFFERENT_CONTENT' },
    };

    // A's request names the other merchant: the phone refuses to show it (the terminal credential names
    // A's merchant); a tampered app signs it anyway with a fresh counter, and A countersigns.
    const wrongMerchant = await wrongMerchantTransaction(
      services.modem,
      terminalA,
      phone1,
      world.otherMerchantId,
      900n,
    );
    cases['wrong merchant'] = {
      transactionId: idOf(wrongMerchant),
      bytes: wrongMerchant,
      amount: 900n,
      expected: { state: 'refused', code: 'MERCHANT_MISMATCH' },
    };

    // P2's payment key is revoked (lost phone) while the phone is offline: it still pays, A still accepts.
    const revoked = await registryAdmin(
      services.endpoints,
      'POST',
      `/admin/keys/${phone2.paymentKeyId}/revoke`,
      { reason: 'device-lost' },
    );
    expect(revoked).toMatchObject({ status: 200, body: { key: { state: 'revoked' } } });
    const verifierDb = services.verifier.service.app.get(DataSource);
    await waitUntil(
      async () =>
        (
          (await verifierDb.query('SELECT state FROM verifier_keys WHERE key_id = $1', [
            phone2.paymentKeyId,
          ])) as Array<{ state: string }>
        )[0]?.state === 'revoked',
      kafkaWaitMs,
      "the verifier's projection has the revocation",
    );
    const afterRevocation = await payOverSound(services.modem, terminalA, phone2, 800n);
    cases['key revoked before approval'] = {
      transactionId: formatTransactionId(afterRevocation.transactionId),
      bytes: afterRevocation.offlineTransactionBytes,
      amount: 800n,
      expected: { state: 'rejected', reasonCode: 'KEY_NOT_ACTIVE' },
    };

    // At B, a cloned or tampered phone: the first payment's counter again, then a payment its own cap
    // count would refuse (B sees only what it holds itself, so both pass B's offline checks).
    const validCounter = decodedOf(valid.offlineTransactionBytes).authorization.deviceCounter;
    const replayed = await roguePaymentOverSound(
      services.modem,
      terminalB,
      phone1,
      1_000n,
      validCounter,
    );
    cases['replayed counter'] = {
      transactionId: formatTransactionId(replayed.transactionId),
      bytes: replayed.offlineTransactionBytes,
      amount: 1_000n,
      expected: { state: 'rejected', reasonCode: 'COUNTER_REUSED' },
    };
    // 2,000 + 1,500 settled since the check-in, + 2,000 > 5,000 (each within the 2,500 per payment).
    const overCap = await roguePaymentOverSound(services.modem, terminalB, phone1, 2_000n);
    cases['over the cumulative cap'] = {
      transactionId: formatTransactionId(overCap.transactionId),
      bytes: overCap.offlineTransactionBytes,
      amount: 2_000n,
      expected: { state: 'rejected', reasonCode: 'CUMULATIVE_CAP_EXCEEDED' },
    };

    world.cases = cases;
    expect(
      terminalA.pos.pendingUploads().map((entry) => formatTransactionId(entry.transactionId)),
    ).toEqual([
      cases['valid'].transactionId,
      cases['tamper base'].transactionId,
      cases['key revoked before approval'].transactionId,
    ]);
    expect(
      terminalB.pos.pendingUploads().map((entry) => formatTransactionId(entry.transactionId)),
    ).toEqual([
      cases['replayed counter'].transactionId,
      cases['over the cumulative cap'].transactionId,
    ]);
  });

  it("uploads over the terminals' bound sessions: receipts, a repeated batch, refusals", async () => {
    const { terminalA, terminalB, cases } = world;
    const final = (terminal: Terminal, entry: Case) =>
      untilFinal(services.endpoints, terminal, entry.transactionId);
    await untilVerifierKnows(services, [terminalA, terminalB, world.phone1, world.phone2]);

    const first = await uploadWhenGuardReady(() =>
      uploadPendingTransactions(terminalA.session, terminalA.pos, {
        verifier: services.verifierEndpoint,
      }),
    );
    expect(receiptsOf(first)).toEqual(
      terminalA.pos.pendingUploads().map((entry) => ({
        transactionId: formatTransactionId(entry.transactionId),
        status: 'accepted',
      })),
    );
    // The same batch again (as after a lost answer): the same batch, receipts and time, no new work;
    // one of its transactions in another batch: accepted as a duplicate.
    const again = await uploadPendingTransactions(terminalA.session, terminalA.pos, {
      verifier: services.verifierEndpoint,
    });
    expect(again).toEqual({ batches: first.batches, transactions: first.transactions });
    const valid = terminalA.pos
      .pendingUploads()
      .filter(
        (entry) => formatTransactionId(entry.transactionId) === cases['valid']!.transactionId,
      );
    const alone = await uploadTransactions(terminalA.session, valid, {
      verifier: services.verifierEndpoint,
    });
    expect(alone.batches[0]!.batchId).not.toBe(first.batches[0]!.batchId);
    expect(alone.transactions.map(({ receipt }) => receipt)).toEqual([
      {
        index: 0,
        transactionId: cases['valid']!.transactionId,
        status: 'accepted',
        duplicate: true,
      },
    ]);
    // Built outside the POS SDK (which would never hold them), uploaded over the same kind of session.
    const crafted = [
      cases['tampered amount']!,
      cases['same id, other content']!,
      cases['wrong merchant']!,
    ];
    const refusals = await uploadTransactions(terminalA.session, crafted, {
      verifier: services.verifierEndpoint,
    });
    expect(
      refusals.transactions.map(({ receipt }) => ({ status: receipt.status, code: receipt.code })),
    ).toEqual(
      crafted.map(({ expected }) =>
        expected.state === 'refused'
          ? { status: 'refused', code: expected.code }
          : { status: 'accepted', code: undefined },
      ),
    );

    // B uploads only once A's payments are final: the verifier judges a device's counters and
    // cumulative spend against what it has verified.
    for (const name of ['valid', 'tamper base', 'tampered amount', 'key revoked before approval'])
      await final(terminalA, cases[name]!);
    const atB = await uploadWhenGuardReady(() =>
      uploadPendingTransactions(terminalB.session, terminalB.pos, {
        verifier: services.verifierEndpoint,
      }),
    );
    expect(atB.transactions.map(({ receipt }) => receipt.status)).toEqual(['accepted', 'accepted']);

    // One payment.uploaded per stored transaction: the repeated batch and the refusals published nothing.
    const stored = Object.values(cases).filter((entry) => entry.expected.state !== 'refused');
    const uploaded = () =>
      services.verifierTap.published.filter((event) => event.type === 'payment.uploaded');
    await waitUntil(
      () => uploaded().length >= stored.length,
      kafkaWaitMs,
      'payment.uploaded of every stored transaction',
    );
    expect(uploaded().map(transactionIdOf).sort()).toEqual(
      stored.map((entry) => entry.transactionId).sort(),
    );
  });

  it('verifies and settles: every case reaches its documented final state', async () => {
    const { terminalA, terminalB, cases } = world;
    const terminalOf = (name: string) =>
      ['replayed counter', 'over the cumulative cap'].includes(name) ? terminalB : terminalA;
    const outcomes: Record<string, unknown> = {};
    for (const [name, entry] of Object.entries(cases)) {
      if (entry.expected.state === 'refused') {
        // Refused at upload: nothing stored under this content. The conflicting upload's id is the valid payment's.
        const status = await fetchTransactionStatus(terminalA.session, entry.transactionId, {
          verifier: services.verifierEndpoint,
        });
        outcomes[name] =
          entry.expected.code === 'DUPLICATE_WITH_DIFFERENT_CONTENT'
            ? { refused: entry.expected.code, original: status?.status }
            : { refused: entry.expected.code, stored: status };
        continue;
      }
      const status: TransactionStatus = await untilFinal(
        services.endpoints,
        terminalOf(name),
        entry.transactionId,
      );
      outcomes[name] = { status: status.status, reasonCode: status.reasonCode };
    }
    expect(outcomes).toEqual({
      valid: { status: 'settled', reasonCode: null },
      'tamper base': { status: 'settled', reasonCode: null },
      'tampered amount': { status: 'rejected', reasonCode: 'SIGNATURE_INVALID' },
      'same id, other content': {
        refused: 'DUPLICATE_WITH_DIFFERENT_CONTENT',
        original: 'settled',
      },
      'wrong merchant': { refused: 'MERCHANT_MISMATCH', stored: null },
      'key revoked before approval': { status: 'rejected', reasonCode: 'KEY_NOT_ACTIVE' },
      'replayed counter': { status: 'rejected', reasonCode: 'COUNTER_REUSED' },
      'over the cumulative cap': { status: 'rejected', reasonCode: 'CUMULATIVE_CAP_EXCEEDED' },
    });

    // What the topics carried (the taps read them as any consumer would, so wait for them to catch up).
    const ofType = (tap: TopicTap, type: string) =>
      tap.published
        .filter((event) => event.type === type)
        .map(transactionIdOf)
        .sort();
    const conflicts = () =>
      services.verifierTap.published.filter(
        (event) =>
          event.type === 'fraud.signal-raised' &&
          (event.payload as { kind: string }).kind === 'DUPLICATE_WITH_DIFFERENT_CONTENT',
      );
    const rejected = Object.values(cases).filter((entry) => entry.expected.state === 'rejected');
    await waitUntil(
      () =>
        ofType(services.ledgerTap, 'payment.settled').length >= 2 &&
        ofType(services.verifierTap, 'payment.rejected').length >= rejected.length &&
        conflicts().length >= 1,
      kafkaWaitMs,
      'payment.settled, payment.rejected and the fraud signal on their topics',
    );
    expect(ofType(services.verifierTap, 'payment.verified')).toEqual(
      [cases['valid']!.transactionId, cases['tamper base']!.transactionId].sort(),
    );
    expect(ofType(services.ledgerTap, 'payment.settled')).toEqual(
      ofType(services.verifierTap, 'payment.verified'),
    );
    expect(ofType(services.verifierTap, 'payment.rejected')).toEqual(
      rejected.map((entry) => entry.transactionId).sort(),
    );
    // One fraud signal for the conflicting content, naming the transaction id.
    expect(conflicts().map(transactionIdOf)).toEqual([
      cases['same id, other content']!.transactionId,
    ]);
    expect(services.verifierTap.deadLetters).toEqual([]);
    expect(services.ledgerTap.deadLetters).toEqual([]);
  });

  it("terminals and phones fetch their confirmations and verify them offline; the terminals' queues empty", async () => {
    const { terminalA, terminalB, phone1, phone2, cases } = world;
    const expectedOf = (entry: Case) =>
      entry.expected.state === 'settled'
        ? { outcome: 'accepted', reasonCode: null }
        : {
            outcome: 'rejected',
            reasonCode: (entry.expected as { reasonCode: string }).reasonCode,
          };
    const byId = (names: string[]) =>
      Object.fromEntries(
        names.map((name) => [
          cases[name]!.transactionId,
          { ...expectedOf(cases[name]!), amount: cases[name]!.amount },
        ]),
      );
    // The terminal's SDK answers the confirmation, the phone's the payment it confirmed.
    const confirmationOf = (value: ProcessorConfirmation | WalletPayment): ProcessorConfirmation =>
      'outcome' in value ? value : value.confirmation!;
    const summary = (
      confirmations: ReadonlyArray<FetchedConfirmation<ProcessorConfirmation | WalletPayment>>,
    ) =>
      Object.fromEntries(
        confirmations.map(({ transactionId, result }) => {
          if (!result.ok) return [transactionId, { failed: result.code }];
          const { outcome, reasonCode, amount } = confirmationOf(result.value);
          return [transactionId, { outcome, reasonCode, amount }];
        }),
      );

    const atA = await fetchConfirmations(terminalA.session, terminalA.pos, {
      verifier: services.verifierEndpoint,
    });
    expect(atA.complete).toBe(true);
    // The tampered transaction is A's (its request names A) but A's queue never held it: the SDK says so.
    expect(summary(atA.confirmations)).toEqual({
      ...byId(['valid', 'tamper base', 'key revoked before approval']),
      [cases['tampered amount']!.transactionId]: { failed: 'TRANSACTION_UNKNOWN' },
    });
    expect(terminalA.pos.pendingUploads()).toEqual([]);
    const atB = await fetchConfirmations(terminalB.session, terminalB.pos, {
      verifier: services.verifierEndpoint,
    });
    expect(summary(atB.confirmations)).toEqual(
      byId(['replayed counter', 'over the cumulative cap']),
    );
    expect(terminalB.pos.pendingUploads()).toEqual([]);
    // Nothing new since the cursor.
    expect(
      await fetchConfirmations(terminalA.session, terminalA.pos, {
        verifier: services.verifierEndpoint,
        after: atA.nextCursor,
      }),
    ).toEqual({ confirmations: [], nextCursor: atA.nextCursor, complete: true });

    // The phone learns of every transaction made with its key; its wallet recognises the ones it
    // approved itself and verifies each offline — those a tampered app or terminal made it never knew.
    const ofPhone1 = await fetchConfirmations(phone1.session, phone1.wallet, {
      verifier: services.verifierEndpoint,
    });
    expect(ofPhone1.complete).toBe(true);
    const unknownToTheWallet = [
      'tampered amount',
      'replayed counter',
      'over the cumulative cap',
    ].map((name) => [cases[name]!.transactionId, { failed: 'TRANSACTION_UNKNOWN' }]);
    expect(summary(ofPhone1.confirmations)).toEqual({
      ...byId(['valid', 'tamper base']),
      ...Object.fromEntries(unknownToTheWallet),
    });
    const ofPhone2 = await fetchConfirmations(phone2.session, phone2.wallet, {
      verifier: services.verifierEndpoint,
    });
    expect(summary(ofPhone2.confirmations)).toEqual(byId(['key revoked before approval']));
    expect(
      [...phone1.wallet.payments(), ...phone2.wallet.payments()].map((payment) => [
        formatTransactionId(payment.transactionId),
        payment.state,
        payment.confirmation?.outcome,
      ]),
    ).toEqual([
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
    const balance = async (accountId: string) =>
      (await ledgerAdmin(services.endpoints, 'GET', `/admin/accounts/${accountId}/balance`)).body
        .balance;
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
    const statement = await ledgerAdmin(
      services.endpoints,
      'GET',
      `/admin/accounts/wallet_${world.accountId}/statement?limit=500`,
    );
    const lines = statement.body.lines as Array<{
      kind: string;
      transactionId: string | null;
      change: string;
    }>;
    const byTransaction = (left: unknown[], right: unknown[]) =>
      String(left[1]).localeCompare(String(right[1]));
    expect(lines[0]).toMatchObject({ kind: 'funding', change: String(fundedAmount) });
    expect(
      lines
        .slice(1)
        .map(({ kind, transactionId, change }) => [kind, transactionId, change])
        .sort(byTransaction),
    ).toEqual(
      settled
        .map((entry) => ['payment', entry.transactionId, String(-entry.amount)])
        .sort(byTransaction),
    );
    for (const entry of settled) {
      expect(
        (await ledgerAdmin(services.endpoints, 'GET', `/admin/settlements/${entry.transactionId}`))
          .body,
      ).toMatchObject({ fee: String(fee(entry.amount)) });
    }
  });
});

function transactionIdOf(event: EventEnvelope): string {
  return (event.payload as { transactionId: string }).transactionId;
}

function receiptsOf(
  result: UploadResult<unknown>,
): Array<{ transactionId: string | null; status: string }> {
  return result.transactions.map(({ receipt }) => ({
    transactionId: receipt.transactionId,
    status: receipt.status,
  }));
}

/**
 * Waits until the verifier has projected the parties' payment keys and (for its resource guard) their
 * binding keys; its guard's snapshot of binding keys refreshes about once a second.
 */
async function untilVerifierKnows(
  services: Services,
  parties: ReadonlyArray<Terminal | Phone>,
): Promise<void> {
  const verifierDb = services.verifier.service.app.get(DataSource);
  const keyIds = parties.map((party) =>
    'approvalKeyId' in party ? party.approvalKeyId : party.paymentKeyId,
  );
  const bindingKeyIds = parties.map((party) => party.bindingKeyId);
  await waitUntil(
    async () => {
      const [keys] = (await verifierDb.query(
        'SELECT count(*)::int AS n FROM verifier_keys WHERE key_id = ANY($1)',
        [keyIds],
      )) as Array<{ n: number }>;
      const [binding] = (await verifierDb.query(
        'SELECT count(*)::int AS n FROM resource_guard_binding_keys WHERE key_id = ANY($1)',
        [bindingKeyIds],
      )) as Array<{ n: number }>;
      return keys!.n === keyIds.length && binding!.n === bindingKeyIds.length;
    },
    kafkaWaitMs,
    "the verifier knows every party's keys",
  );
}
