// Payment verification on the real PostgreSQL and Kafka: transactions uploaded through POST /v1/uploads
// by terminals the registry announced, verdicts read from the verifier's topics and tables, replays
// publishing nothing, facts the projection has not caught up with waited for (a check-in published
// after the upload, a key missing after a rebuild), and two replicas sharing one database and one
// consumer group.
import { createHash } from 'node:crypto';
import {
  deviceEnrolledV1,
  type EventEnvelope,
  type EventOn,
  type FraudSignalRaisedV1,
  paymentUploadedV1,
  type PaymentUploadedV1,
  type PaymentRejectedV1,
  type PaymentVerifiedV1,
} from '@settle/contracts';
import {
  decodeOfflineTransaction,
  encodeOfflineTransaction,
  encodePaymentRequest,
  formatTransactionId,
  protocolPublicKey,
  unwrapProtocolResult,
  verifyProcessorConfirmation,
} from '@settle/protocol';
import {
  type ConsumedEvent,
  EntityNotYetSeenError,
  inTransaction,
  type SqlPool,
} from '@settle/messaging';
import { type PublicJwk } from '@settle/crypto';
import { createTestBindingKey } from '@settle/resource-guard/testing';
import { SQL_POOL } from '@settle/platform';
import {
  type BuiltTransaction,
  changeOfflineCapability,
  checkIn,
  createSigningKey,
  enrolDevice,
  type KeyPeriod,
  keyLifecycle,
  offlineTransaction,
  onboardMerchant,
  publishKey,
  registerTerminal,
  type TestDevice,
  type TestMerchant,
  type TestTerminal,
  uniqueId,
  untilProjected,
  upload,
} from '../testing/payment-world';
import {
  envelopeOf,
  redelivered,
  startVerifier,
  type VerifierTestKit,
  waitFor,
} from '../testing/verifier-test-kit';
import { DecodedUploads } from './decoded-uploads';
import { PaymentUploadedConsumer } from './payment-uploaded.consumer';
import { checkInProjectionGraceMs } from './verify-payment.decider';

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;
const dayMs = 24 * hourMs;
const verdictWaitMs = 60_000;
/** The smallest presentment window the configuration allows, so that an approval two hours old is late. */
const presentmentWindowMs = hourMs;

type Verdict = EventEnvelope & { payload: PaymentVerifiedV1 | PaymentRejectedV1 };

function verdictsOf(kit: VerifierTestKit, transactionId: string): Verdict[] {
  return kit.published.filter(
    (event): event is Verdict =>
      (event.type === 'payment.verified' || event.type === 'payment.rejected') &&
      (event.payload as { transactionId: string }).transactionId === transactionId,
  );
}

function signalsOf(kit: VerifierTestKit, transactionId: string): FraudSignalRaisedV1[] {
  return kit.published
    .filter(
      (event) =>
        event.type === 'fraud.signal-raised' &&
        (event.payload as FraudSignalRaisedV1).transactionId === transactionId,
    )
    .map((event) => event.payload as FraudSignalRaisedV1);
}

function uploadedEventOf(kit: VerifierTestKit, transactionId: string): EventEnvelope | undefined {
  return kit.published.find(
    (event) =>
      event.type === 'payment.uploaded' &&
      (event.payload as PaymentUploadedV1).transactionId === transactionId,
  );
}

async function verdictOf(kit: VerifierTestKit, transactionId: string): Promise<Verdict> {
  await waitFor(
    () => verdictsOf(kit, transactionId).length > 0,
    verdictWaitMs,
    `the verdict on ${transactionId}`,
  );
  return verdictsOf(kit, transactionId)[0]!;
}

/** The reason code, or 'verified'. */
async function outcomeOf(kit: VerifierTestKit, transactionId: string): Promise<string> {
  const verdict = await verdictOf(kit, transactionId);
  return verdict.type === 'payment.verified'
    ? 'verified'
    : (verdict.payload as PaymentRejectedV1).reasonCode;
}

/** Uploads as the terminal; every transaction must be accepted. Returns their ids in order. */
async function uploadAccepted(
  kit: VerifierTestKit,
  terminal: TestTerminal,
  transactions: readonly BuiltTransaction[],
): Promise<string[]> {
  const answer = await upload(
    kit,
    terminal,
    transactions.map((transaction) => transaction.bytes),
  );
  expect(answer.status).toBe(202);
  const receipts = answer.body['receipts'] as Array<{ transactionId: string; status: string }>;
  expect(receipts.map((receipt) => receipt.status)).toEqual(transactions.map(() => 'accepted'));
  return receipts.map((receipt) => receipt.transactionId);
}

async function count(kit: VerifierTestKit, text: string, values: unknown[]): Promise<number> {
  const [row] = await kit.query<{ n: string }>(text, values);
  return Number(row!.n);
}

/**
 * Waits until the projection holds what verification reads of these parties: keys and binding keys
 * (untilProjected), devices with `checkIns` check-ins each, terminals and their merchants.
 */
async function untilFactsProjected(
  kit: VerifierTestKit,
  devices: readonly TestDevice[],
  terminals: readonly TestTerminal[],
  checkIns = 1,
): Promise<void> {
  await untilProjected(kit, [...devices, ...terminals]);
  const deviceIds = devices.map((device) => device.deviceId);
  const terminalIds = terminals.map((terminal) => terminal.terminalId);
  await waitFor(
    async () =>
      (await count(kit, 'SELECT count(*) AS n FROM verifier_devices WHERE device_id = ANY($1)', [
        deviceIds,
      ])) === devices.length &&
      (await count(
        kit,
        'SELECT count(*) AS n FROM verifier_device_check_ins WHERE device_id = ANY($1)',
        [deviceIds],
      )) >=
        devices.length * checkIns &&
      (await count(
        kit,
        'SELECT count(*) AS n FROM verifier_terminals WHERE terminal_id = ANY($1)',
        [terminalIds],
      )) === terminals.length &&
      (await count(
        kit,
        'SELECT count(*) AS n FROM verifier_merchants WHERE merchant_id = ANY($1)',
        [terminals.map((terminal) => terminal.merchantId)],
      )) > 0,
    30_000,
    'registry facts projected',
  );
}

/** A device whose payment key has these periods (the binding key active as usual). */
async function deviceWithKey(
  kit: VerifierTestKit,
  terminal: TestTerminal,
  paymentKeyPeriods: readonly KeyPeriod[],
  checkedInAt?: Date,
): Promise<TestDevice> {
  const device = await enrolDevice(kit, {
    paymentKeyPeriods,
    ...(checkedInAt ? { checkedInAt } : {}),
  });
  await untilFactsProjected(kit, [device], [terminal]);
  return device;
}

function tamperedAmount(built: BuiltTransaction, amount: bigint): Uint8Array {
  const requestBytes = encodePaymentRequest({ ...built.request, amount });
  return encodeOfflineTransaction({
    requestBytes,
    authorizationBytes: built.authorizationBytes,
    approvalBytes: built.approvalBytes,
  });
}

describe('payment verification', () => {
  let kit: VerifierTestKit;
  let merchant: TestMerchant;
  let terminal: TestTerminal;
  let secondTerminal: TestTerminal;
  let device: TestDevice;

  beforeAll(async () => {
    kit = await startVerifier({
      SETTLE_VERIFIER_PRESENTMENT_WINDOW_MS: String(presentmentWindowMs),
    });
    merchant = await onboardMerchant(kit);
    terminal = await registerTerminal(kit, merchant.merchantId);
    secondTerminal = await registerTerminal(kit, merchant.merchantId);
    device = await enrolDevice(kit);
    await untilFactsProjected(kit, [device], [terminal, secondTerminal]);
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('verifies a valid payment: payment.verified keyed by the consumer account, amounts as strings, the cause kept', async () => {
    const built = offlineTransaction(terminal, device, { amount: 1250n });
    const [transactionId] = await uploadAccepted(kit, terminal, [built]);
    const verdict = await verdictOf(kit, transactionId!);
    const approvedAt = (
      await kit.query<{ approved_at: Date }>(
        'SELECT approved_at FROM verifier_transactions WHERE transaction_id = $1',
        [transactionId],
      )
    )[0]!.approved_at;
    expect(verdict).toMatchObject({
      type: 'payment.verified',
      version: 1,
      producer: 'verifier',
      key: device.accountId,
    });
    expect(verdict.payload).toEqual({
      transactionId,
      consumerAccountId: device.accountId,
      consumerDeviceId: device.deviceId,
      merchantId: merchant.merchantId,
      terminalId: terminal.terminalId,
      amount: '1250',
      currency: 'EUR',
      approvedAt: approvedAt.toISOString(),
      deviceCounter: built.counter.toString(),
      feeInputs: { merchantCategoryCode: merchant.categoryCode, channel: 'offline-sound' },
      verifiedAt: expect.any(String),
    });
    const uploaded = uploadedEventOf(kit, transactionId!)!;
    expect(verdict).toMatchObject({
      correlationId: uploaded.correlationId,
      causationId: uploaded.eventId,
    });
    const [row] = await kit.query(
      'SELECT status, reason_code, consumer_account_id, decided_at IS NOT NULL AS decided, confirmation FROM verifier_transactions WHERE transaction_id = $1',
      [transactionId],
    );
    expect(row).toEqual({
      status: 'verified',
      reason_code: null,
      consumer_account_id: device.accountId,
      decided: true,
      confirmation: null,
    });
    const counters = await kit.query(
      'SELECT device_counter::text AS counter, transaction_id FROM verifier_device_counters WHERE device_id = $1',
      [device.deviceId],
    );
    expect(counters).toContainEqual({
      counter: built.counter.toString(),
      transaction_id: transactionId,
    });
    expect(signalsOf(kit, transactionId!)).toEqual([]);
  });

  it('decodes an upload once: the consumer verifies the transaction the upload decoded, not its row decoded again', async () => {
    const take = jest.spyOn(kit.test.service.app.get(DecodedUploads, { strict: false }), 'take');
    try {
      const built = offlineTransaction(terminal, device, { amount: 300n });
      const [transactionId] = await uploadAccepted(kit, terminal, [built]);
      expect((await verdictOf(kit, transactionId!)).type).toBe('payment.verified');
      const call = take.mock.calls.findIndex(([id]) => id === transactionId);
      expect(call).toBeGreaterThanOrEqual(0);
      expect(take.mock.results[call]!.value).toBeDefined();
    } finally {
      take.mockRestore();
    }
  });

  it('rejects with the signed confirmation at once: KEY_NOT_ACTIVE for a key revoked before the approval', async () => {
    const now = Date.now();
    const revoked = await deviceWithKey(kit, terminal, [
      { state: 'pending', at: new Date(now - 2 * dayMs) },
      { state: 'active', at: new Date(now - dayMs) },
      { state: 'revoked', at: new Date(now - 2 * minuteMs), reason: 'device-lost' },
    ]);
    const [transactionId] = await uploadAccepted(kit, terminal, [
      offlineTransaction(terminal, revoked, { approvedAtMs: now - minuteMs, amount: 990n }),
    ]);
    const verdict = await verdictOf(kit, transactionId!);
    expect(verdict).toMatchObject({ type: 'payment.rejected', key: revoked.deviceId });
    expect(verdict.payload).toEqual({
      transactionId,
      consumerDeviceId: revoked.deviceId,
      terminalId: terminal.terminalId,
      merchantId: merchant.merchantId,
      reasonCode: 'KEY_NOT_ACTIVE',
      rejectedAt: expect.any(String),
    });
    const [row] = await kit.query<{
      status: string;
      reason_code: string;
      confirmation: Buffer;
      confirmation_seq: string;
      confirmed_at: Date;
    }>(
      'SELECT status, reason_code, confirmation, confirmation_seq, confirmed_at FROM verifier_transactions WHERE transaction_id = $1',
      [transactionId],
    );
    expect(row).toMatchObject({
      status: 'rejected',
      reason_code: 'KEY_NOT_ACTIVE',
      confirmation_seq: expect.any(String),
      confirmed_at: expect.any(Date),
    });
    const receiptKeys = kit.custody.keys.map(({ privateJwk: { d: _d, ...publicJwk } }) =>
      protocolPublicKey(publicJwk),
    );
    const confirmed = verifyProcessorConfirmation(new Uint8Array(row!.confirmation), {
      processorKeys: receiptKeys,
      algorithms: ['ES256'],
      backend: 'native',
    });
    expect(confirmed.ok && confirmed.value.confirmation).toMatchObject({
      terminalId: terminal.terminalId,
      amount: 990n,
      currency: 'EUR',
      outcome: 'rejected',
      reasonCode: 'KEY_NOT_ACTIVE',
    });
    expect(
      await count(
        kit,
        'SELECT count(*) AS n FROM verifier_device_counters WHERE transaction_id = $1',
        [transactionId],
      ),
    ).toBe(0);
  });

  it('KEY_COMPROMISED: approved after the last trusted check-in, whatever the phone’s clock says; earlier payments stand', async () => {
    const now = Date.now();
    const compromised = await deviceWithKey(
      kit,
      terminal,
      [
        { state: 'pending', at: new Date(now - 2 * dayMs) },
        { state: 'active', at: new Date(now - dayMs) },
        { state: 'revoked', at: new Date(now - minuteMs), reason: 'compromised' },
      ],
      new Date(now - 50 * minuteMs),
    );
    await checkIn(kit, compromised, [new Date(now - 50 * minuteMs), new Date(now - 30 * minuteMs)]);
    await untilFactsProjected(kit, [compromised], [terminal], 2);
    const before = offlineTransaction(terminal, compromised, { approvedAtMs: now - 40 * minuteMs });
    const after = offlineTransaction(terminal, compromised, {
      approvedAtMs: now - 20 * minuteMs,
      authorizedAtMs: now - 55 * minuteMs,
    });
    const [beforeId, afterId] = await uploadAccepted(kit, terminal, [before, after]);
    expect(await outcomeOf(kit, beforeId!)).toBe('verified');
    expect(await outcomeOf(kit, afterId!)).toBe('KEY_COMPROMISED');
    expect(signalsOf(kit, afterId!)).toEqual([
      expect.objectContaining({
        kind: 'COMPROMISED_KEY_USED',
        subject: { kind: 'key', id: compromised.paymentKey.keyId },
        transactionId: afterId,
        signalId: expect.stringMatching(/^sig_/),
      }),
    ]);
  });

  it('MERCHANT_MISMATCH: the registry puts the terminal at another merchant than its token and request say', async () => {
    const otherMerchant = await onboardMerchant(kit);
    const registeredElsewhere = await registerTerminal(kit, otherMerchant.merchantId);
    await untilFactsProjected(kit, [device], [registeredElsewhere]);
    const claimingOurs: TestTerminal = { ...registeredElsewhere, merchantId: merchant.merchantId };
    const [transactionId] = await uploadAccepted(kit, claimingOurs, [
      offlineTransaction(claimingOurs, device),
    ]);
    expect(await outcomeOf(kit, transactionId!)).toBe('MERCHANT_MISMATCH');
    expect(signalsOf(kit, transactionId!)).toEqual([
      expect.objectContaining({
        kind: 'MERCHANT_MISMATCH',
        subject: { kind: 'terminal', id: registeredElsewhere.terminalId },
      }),
    ]);
  });

  it('TERMINAL_MISMATCH: approved with another terminal’s key — refused at upload, and rejected if such a row was stored anyway', async () => {
    const built = offlineTransaction(terminal, device, { approvalKey: secondTerminal.approvalKey });
    const answer = await upload(kit, terminal, [built.bytes]);
    expect(answer.body['receipts']).toEqual([
      expect.objectContaining({
        status: 'refused',
        code: 'TERMINAL_MISMATCH',
        field: 'approval/keyId',
      }),
    ]);
    // A row stored before the upload checked the approval key (an older verifier) still meets rule 7.
    const [event] = await storeReceived(kit, terminal, device, [built], new Date());
    await handleDirectly(kit, [event!]);
    const [stored] = await kit.query(
      'SELECT status, reason_code FROM verifier_transactions WHERE transaction_id = $1',
      [(event!.envelope.payload as PaymentUploadedV1).transactionId],
    );
    expect(stored).toEqual({ status: 'rejected', reason_code: 'TERMINAL_MISMATCH' });
  });

  it('REQUEST_EXPIRED and PRESENTMENT_WINDOW_EXCEEDED', async () => {
    const now = Date.now();
    const expired = offlineTransaction(terminal, device, {
      createdAtMs: now - 5 * minuteMs,
      expiresAtMs: now - 4 * minuteMs,
      approvedAtMs: now - minuteMs,
    });
    const late = offlineTransaction(terminal, device, { approvedAtMs: now - 2 * hourMs });
    const [expiredId, lateId] = await uploadAccepted(kit, terminal, [expired, late]);
    expect(await outcomeOf(kit, expiredId!)).toBe('REQUEST_EXPIRED');
    expect(await outcomeOf(kit, lateId!)).toBe('PRESENTMENT_WINDOW_EXCEEDED');
  });

  it('SIGNATURE_INVALID: a tampered amount is another transaction id whose consumer signature fails', async () => {
    const built = offlineTransaction(terminal, device, { amount: 1000n });
    const answer = await upload(kit, terminal, [tamperedAmount(built, 1n)]);
    const [receipt] = answer.body['receipts'] as Array<{ transactionId: string; status: string }>;
    expect(receipt).toMatchObject({ status: 'accepted' });
    expect(await outcomeOf(kit, receipt!.transactionId)).toBe('SIGNATURE_INVALID');
    expect(signalsOf(kit, receipt!.transactionId)).toEqual([
      expect.objectContaining({
        kind: 'SIGNATURE_INVALID',
        subject: { kind: 'terminal', id: terminal.terminalId },
      }),
    ]);
  });

  it('PER_TRANSACTION_CAP_EXCEEDED over the check-in’s cap', async () => {
    const [transactionId] = await uploadAccepted(kit, terminal, [
      offlineTransaction(terminal, device, { amount: 5001n }),
    ]);
    expect(await outcomeOf(kit, transactionId!)).toBe('PER_TRANSACTION_CAP_EXCEEDED');
  });

  it('COUNTER_REUSED: the same counter in another transaction uploaded by a second terminal; replays decide and signal nothing again', async () => {
    const reuser = await enrolDevice(kit);
    await untilFactsProjected(kit, [reuser], [terminal, secondTerminal]);
    const first = offlineTransaction(terminal, reuser, { counter: 5n });
    const again = offlineTransaction(secondTerminal, reuser, { counter: 5n });
    const [firstId] = await uploadAccepted(kit, terminal, [first]);
    expect(await outcomeOf(kit, firstId!)).toBe('verified');
    const [againId] = await uploadAccepted(kit, secondTerminal, [again]);
    expect(await outcomeOf(kit, againId!)).toBe('COUNTER_REUSED');
    expect(signalsOf(kit, againId!)).toEqual([
      expect.objectContaining({
        kind: 'COUNTER_REUSED',
        subject: { kind: 'device', id: reuser.deviceId },
        details: { deviceCounter: '5', firstTransactionId: firstId },
      }),
    ]);

    // The upload events again: the same ones (inbox) and under new event ids (the rows' status).
    for (const transactionId of [firstId!, againId!]) {
      const uploaded = uploadedEventOf(kit, transactionId)!;
      await kit.publish(uploaded);
      await kit.publish(redelivered(uploaded));
    }
    const [markerId] = await uploadAccepted(kit, terminal, [
      offlineTransaction(terminal, reuser, { counter: 6n }),
    ]);
    expect(await outcomeOf(kit, markerId!)).toBe('verified');
    expect(verdictsOf(kit, firstId!)).toHaveLength(1);
    expect(verdictsOf(kit, againId!)).toHaveLength(1);
    expect(signalsOf(kit, againId!)).toHaveLength(1);
    const rows = await kit.query(
      'SELECT transaction_id, status, reason_code FROM verifier_transactions WHERE transaction_id = ANY($1) ORDER BY status DESC',
      [[firstId, againId]],
    );
    expect(rows).toEqual([
      { transaction_id: firstId, status: 'verified', reason_code: null },
      { transaction_id: againId, status: 'rejected', reason_code: 'COUNTER_REUSED' },
    ]);
    expect(kit.deadLetters).toEqual([]);
  });

  it('CUMULATIVE_CAP_EXCEEDED: the check-in window’s spend, and while suspended after an overdraft', async () => {
    const spender = await enrolDevice(kit);
    await untilFactsProjected(kit, [spender], [terminal]);
    const payments = [1n, 2n, 3n, 4n].map((counter) =>
      offlineTransaction(terminal, spender, { counter, amount: 5000n }),
    );
    const ids = await uploadAccepted(kit, terminal, payments);
    const outcomes = await Promise.all(ids.map((transactionId) => outcomeOf(kit, transactionId)));
    expect(outcomes).toEqual(['verified', 'verified', 'verified', 'CUMULATIVE_CAP_EXCEEDED']);
    expect(signalsOf(kit, ids[3]!)).toEqual([
      expect.objectContaining({
        kind: 'CUMULATIVE_CAP_EXCEEDED',
        details: expect.objectContaining({ spent: '15000', cumulativeMax: '15000' }),
      }),
    ]);

    const now = Date.now();
    const overdrawn = await enrolDevice(kit, { checkedInAt: new Date(now - 50 * minuteMs) });
    await changeOfflineCapability(
      kit,
      overdrawn,
      'suspended',
      new Date(now - 10 * minuteMs),
      new Date(now - 50 * minuteMs),
    );
    await untilFactsProjected(kit, [overdrawn], [terminal]);
    await waitFor(
      async () =>
        (await count(
          kit,
          'SELECT count(*) AS n FROM verifier_device_capability_changes WHERE device_id = $1',
          [overdrawn.deviceId],
        )) === 1,
      30_000,
      'the suspension projected',
    );
    const beforeSuspension = offlineTransaction(terminal, overdrawn, {
      approvedAtMs: now - 20 * minuteMs,
      amount: 100n,
    });
    const whileSuspended = offlineTransaction(terminal, overdrawn, {
      approvedAtMs: now - 5 * minuteMs,
      amount: 100n,
    });
    const [beforeId, whileId] = await uploadAccepted(kit, terminal, [
      beforeSuspension,
      whileSuspended,
    ]);
    expect(await outcomeOf(kit, beforeId!)).toBe('verified');
    expect(await outcomeOf(kit, whileId!)).toBe('CUMULATIVE_CAP_EXCEEDED');
  });

  it('evaluates the cumulative cap in counter order within a batch, whatever order the events arrive in', async () => {
    const ordered = await enrolDevice(kit);
    await untilFactsProjected(kit, [ordered], [terminal]);
    // Rows stored as the upload stores them, but no payment.uploaded published: this test hands the
    // consumer one batch itself, in reverse counter order.
    const payments = [1n, 2n, 3n, 4n].map((counter) =>
      offlineTransaction(terminal, ordered, { counter, amount: 5000n }),
    );
    const uploadedAt = new Date();
    const batchId = `upl_${createHash('sha256').update(ordered.deviceId).digest('base64url')}`;
    await kit.query(
      'INSERT INTO verifier_upload_batches (batch_id, terminal_id, uploaded_at, transaction_count, accepted_count) VALUES ($1, $2, $3, 4, 4)',
      [batchId, terminal.terminalId, uploadedAt],
    );
    const events: ConsumedEvent<EventOn<'payments.uploaded.v1'>>[] = [];
    for (const built of [...payments].reverse()) {
      const payload = await insertReceived(kit, built, {
        device: ordered,
        terminal,
        batchId,
        uploadedAt,
      });
      events.push({
        envelope: envelopeOf(paymentUploadedV1, payload),
        topic: `${kit.prefix}${paymentUploadedV1.topic}`,
        partition: 0,
        offset: BigInt(events.length),
      });
    }
    const consumer = kit.test.service.app.get(PaymentUploadedConsumer, { strict: false });
    const pool = kit.test.service.app.get<SqlPool>(SQL_POOL);
    await inTransaction(pool, (sql) => consumer.handle(sql, events));
    const rows = await kit.query<{
      device_counter: string;
      status: string;
      reason_code: string | null;
    }>(
      'SELECT device_counter::text, status, reason_code FROM verifier_transactions WHERE consumer_device_id = $1 ORDER BY device_counter',
      [ordered.deviceId],
    );
    expect(rows).toEqual([
      { device_counter: '1', status: 'verified', reason_code: null },
      { device_counter: '2', status: 'verified', reason_code: null },
      { device_counter: '3', status: 'verified', reason_code: null },
      { device_counter: '4', status: 'rejected', reason_code: 'CUMULATIVE_CAP_EXCEEDED' },
    ]);
  });

  describe('facts the projection has not caught up with are waited for, not judged', () => {
    it('verifies a payment uploaded before its device’s check-in was projected, once the check-in arrives a few seconds later', async () => {
      const late = await enrolWithoutCheckIn(kit);
      const [transactionId] = await uploadAccepted(kit, terminal, [
        offlineTransaction(terminal, late, { approvedAtMs: Date.now() - minuteMs }),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      // Still waiting: no verdict, the row received.
      expect(verdictsOf(kit, transactionId!)).toEqual([]);
      expect(
        (
          await kit.query('SELECT status FROM verifier_transactions WHERE transaction_id = $1', [
            transactionId,
          ])
        )[0],
      ).toEqual({ status: 'received' });
      await checkIn(kit, late, [new Date(Date.now() - hourMs)]);
      expect(await outcomeOf(kit, transactionId!)).toBe('verified');
      expect(verdictsOf(kit, transactionId!)).toHaveLength(1);
      expect(kit.deadLetters.filter((letter) => letter.value.includes(transactionId!))).toEqual([]);
    });

    it('waits for a check-in while the upload is younger than checkInProjectionGraceMs, and rejects PER_TRANSACTION_CAP_EXCEEDED after it', async () => {
      const never = await enrolWithoutCheckIn(kit);
      const fresh = offlineTransaction(terminal, never, { approvedAtMs: Date.now() - minuteMs });
      const [freshEvent] = await storeReceived(kit, terminal, never, [fresh], new Date());
      await expect(handleDirectly(kit, [freshEvent!])).rejects.toMatchObject({
        name: 'EntityNotYetSeenError',
        entity: 'check-in',
        entityId: never.deviceId,
      });
      const freshId = (freshEvent!.envelope.payload as PaymentUploadedV1).transactionId;
      expect(
        (
          await kit.query('SELECT status FROM verifier_transactions WHERE transaction_id = $1', [
            freshId,
          ])
        )[0],
      ).toEqual({ status: 'received' });

      const old = offlineTransaction(terminal, never, { approvedAtMs: Date.now() - 2 * minuteMs });
      const [oldEvent] = await storeReceived(
        kit,
        terminal,
        never,
        [old],
        new Date(Date.now() - checkInProjectionGraceMs - 1_000),
      );
      await handleDirectly(kit, [oldEvent!]);
      const oldId = (oldEvent!.envelope.payload as PaymentUploadedV1).transactionId;
      expect(
        (
          await kit.query(
            'SELECT status, reason_code FROM verifier_transactions WHERE transaction_id = $1',
            [oldId],
          )
        )[0],
      ).toEqual({ status: 'rejected', reason_code: 'PER_TRANSACTION_CAP_EXCEEDED' });
    });

    it('waits for a key missing from the projection (a rebuild, a reset) instead of rejecting KEY_UNKNOWN', async () => {
      // Uploaded while the key was known; the projection lost it since (simulated: never announced).
      const unannounced = { ...terminal, approvalKey: createSigningKey() };
      const built = offlineTransaction(unannounced, device);
      const [event] = await storeReceived(
        kit,
        terminal,
        device,
        [built],
        new Date(Date.now() - 10 * minuteMs),
      );
      const error = await handleDirectly(kit, [event!]).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(EntityNotYetSeenError);
      expect(error).toMatchObject({ entity: 'key', entityId: unannounced.approvalKey.keyId });
      const transactionId = (event!.envelope.payload as PaymentUploadedV1).transactionId;
      expect(
        (
          await kit.query('SELECT status FROM verifier_transactions WHERE transaction_id = $1', [
            transactionId,
          ])
        )[0],
      ).toEqual({ status: 'received' });

      await publishKey(
        kit,
        keyLifecycle(
          { kind: 'terminal', id: terminal.terminalId },
          'payment',
          unannounced.approvalKey.publicJwk,
        ),
      );
      await waitFor(
        async () =>
          (await count(kit, 'SELECT count(*) AS n FROM verifier_keys WHERE key_id = $1', [
            unannounced.approvalKey.keyId,
          ])) === 1,
        30_000,
        'the key projected',
      );
      await handleDirectly(kit, [event!]);
      expect(
        (
          await kit.query('SELECT status FROM verifier_transactions WHERE transaction_id = $1', [
            transactionId,
          ])
        )[0],
      ).toEqual({ status: 'verified' });
    });
  });
});

/** Stores a transaction as the upload would (status received) and returns its payment.uploaded payload. */
async function insertReceived(
  kit: VerifierTestKit,
  built: BuiltTransaction,
  context: { device: TestDevice; terminal: TestTerminal; batchId: string; uploadedAt: Date },
): Promise<PaymentUploadedV1> {
  const transaction = unwrapProtocolResult(decodeOfflineTransaction(built.bytes));
  const transactionId = formatTransactionId(transaction.transactionId);
  await kit.query(
    `INSERT INTO verifier_transactions (transaction_id, transaction_bytes, content_digest, terminal_id, merchant_id, consumer_device_id, consumer_key_id,
       terminal_key_id, device_counter, amount, currency, approved_at, upload_batch_id, uploaded_at, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'EUR', $11, $12, $13, 'received')`,
    [
      transactionId,
      Buffer.from(built.bytes),
      createHash('sha256').update(built.bytes).digest(),
      context.terminal.terminalId,
      context.terminal.merchantId,
      context.device.deviceId,
      context.device.paymentKey.keyId,
      context.terminal.approvalKey.keyId,
      built.counter.toString(),
      built.request.amount.toString(),
      new Date(transaction.approval.approvedAtMs),
      context.batchId,
      context.uploadedAt,
    ],
  );
  return {
    transactionId,
    consumerDeviceId: context.device.deviceId,
    terminalId: context.terminal.terminalId,
    merchantId: context.terminal.merchantId,
    uploadBatchId: context.batchId,
    deviceCounter: built.counter.toString(),
    amount: built.request.amount.toString(),
    currency: 'EUR',
    uploadedAt: context.uploadedAt.toISOString(),
  };
}

/** A device announced with its keys but no check-in yet (device.checked-in still on its way); waits until projected. */
async function enrolWithoutCheckIn(kit: VerifierTestKit): Promise<TestDevice> {
  const device: TestDevice = {
    deviceId: uniqueId('dev'),
    accountId: uniqueId('acc'),
    paymentKey: createSigningKey(),
    bindingKey: createTestBindingKey(),
    nextCounter: 1n,
  };
  const owner = { kind: 'device' as const, id: device.deviceId };
  await kit.publish(
    envelopeOf(deviceEnrolledV1, {
      deviceId: device.deviceId,
      accountId: device.accountId,
      platform: 'android',
      enrolledAt: new Date(Date.now() - 3 * dayMs).toISOString(),
    }),
  );
  await publishKey(kit, keyLifecycle(owner, 'payment', device.paymentKey.publicJwk));
  await publishKey(
    kit,
    keyLifecycle(owner, 'binding', device.bindingKey.publicJwk as unknown as PublicJwk),
  );
  await untilProjected(kit, [device]);
  await waitFor(
    async () =>
      (await count(kit, 'SELECT count(*) AS n FROM verifier_devices WHERE device_id = $1', [
        device.deviceId,
      ])) === 1,
    30_000,
    'the device projected',
  );
  return device;
}

/** Stores transactions as one upload batch would (status received, no event published) and returns their payment.uploaded events. */
async function storeReceived(
  kit: VerifierTestKit,
  terminal: TestTerminal,
  device: TestDevice,
  built: readonly BuiltTransaction[],
  uploadedAt: Date,
): Promise<ConsumedEvent<EventOn<'payments.uploaded.v1'>>[]> {
  const batchId = `upl_${createHash('sha256').update(uniqueId('batch')).digest('base64url')}`;
  await kit.query(
    'INSERT INTO verifier_upload_batches (batch_id, terminal_id, uploaded_at, transaction_count, accepted_count) VALUES ($1, $2, $3, $4, $4)',
    [batchId, terminal.terminalId, uploadedAt, built.length],
  );
  const events: ConsumedEvent<EventOn<'payments.uploaded.v1'>>[] = [];
  for (const transaction of built) {
    const payload = await insertReceived(kit, transaction, {
      device,
      terminal,
      batchId,
      uploadedAt,
    });
    events.push({
      envelope: envelopeOf(paymentUploadedV1, payload),
      topic: `${kit.prefix}${paymentUploadedV1.topic}`,
      partition: 0,
      offset: BigInt(events.length),
    });
  }
  return events;
}

/** Hands the running verifier's consumer these events in one transaction, as the inbox would. */
async function handleDirectly(
  kit: VerifierTestKit,
  events: readonly ConsumedEvent<EventOn<'payments.uploaded.v1'>>[],
): Promise<void> {
  const consumer = kit.test.service.app.get(PaymentUploadedConsumer, { strict: false });
  const pool = kit.test.service.app.get<SqlPool>(SQL_POOL);
  await inTransaction(pool, (sql) => consumer.handle(sql, events));
}

describe('payment verification with two replicas', () => {
  const devicesCount = 16;
  let first: VerifierTestKit;
  let second: VerifierTestKit;

  beforeAll(async () => {
    first = await startVerifier();
    // The second replica: the same database, topics, consumer groups and token issuer.
    second = await startVerifier(
      {},
      { prefix: first.prefix, database: first.test.database, tokenIssuer: first.tokenIssuer },
    );
  });

  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  function decidedBy(kit: VerifierTestKit): number {
    return kit.test.logs.lines
      .filter((line) => line['msg'] === 'payments decided')
      .reduce((sum, line) => sum + Number(line['verified']) + Number(line['rejected']), 0);
  }

  it('gives every transaction exactly one verdict; counters and caps hold across partitions', async () => {
    const merchant = await onboardMerchant(first);
    const terminal = await registerTerminal(first, merchant.merchantId);
    const otherTerminal = await registerTerminal(first, merchant.merchantId);
    // Warm-up: payments of fresh devices until both replicas have decided some (both joined the group).
    await waitFor(
      async () => {
        const warmUp = await enrolDevice(first);
        await untilFactsProjected(first, [warmUp], [terminal]);
        const [transactionId] = await uploadAccepted(first, terminal, [
          offlineTransaction(terminal, warmUp),
        ]);
        await verdictOf(first, transactionId!);
        return decidedBy(first) > 0 && decidedBy(second) > 0;
      },
      90_000,
      'both replicas deciding',
    );
    const decidedBefore = [decidedBy(first), decidedBy(second)];

    const devices: TestDevice[] = [];
    for (let index = 0; index < devicesCount; index++) devices.push(await enrolDevice(first));
    await untilFactsProjected(first, devices, [terminal, otherTerminal]);
    // Per device: counters 1–4 of 50.00 each (the cap is 150.00), then counter 2 again from the other terminal.
    const payments = devices.flatMap((device) =>
      [1n, 2n, 3n, 4n].map((counter) =>
        offlineTransaction(terminal, device, { counter, amount: 5000n }),
      ),
    );
    const reuses = devices.map((device) =>
      offlineTransaction(otherTerminal, device, { counter: 2n, amount: 5000n }),
    );
    const paymentIds = await uploadAccepted(first, terminal, payments);
    const reuseIds = await uploadAccepted(second, otherTerminal, reuses);
    const ids = [...paymentIds, ...reuseIds];
    await waitFor(
      () => ids.every((transactionId) => verdictsOf(first, transactionId).length > 0),
      verdictWaitMs,
      'every verdict',
    );

    expect(ids.filter((transactionId) => verdictsOf(first, transactionId).length !== 1)).toEqual(
      [],
    );
    const rows = await first.query<{
      consumer_device_id: string;
      device_counter: string;
      amount: string;
      status: string;
    }>(
      'SELECT consumer_device_id, device_counter::text, amount::text, status FROM verifier_transactions WHERE transaction_id = ANY($1)',
      [ids],
    );
    expect(rows.filter((row) => row.status === 'received')).toEqual([]);
    for (const device of devices) {
      const verified = rows.filter(
        (row) => row.consumer_device_id === device.deviceId && row.status === 'verified',
      );
      // Four distinct counters, one reused, a cap of three payments: exactly three verified, each counter once.
      expect(verified).toHaveLength(3);
      expect(new Set(verified.map((row) => row.device_counter)).size).toBe(3);
      expect(verified.reduce((sum, row) => sum + BigInt(row.amount), 0n)).toBe(15000n);
    }
    const counters = await first.query<{ n: string }>(
      'SELECT count(*) AS n FROM verifier_device_counters WHERE device_id = ANY($1)',
      [devices.map((device) => device.deviceId)],
    );
    expect(Number(counters[0]!.n)).toBe(3 * devicesCount);
    // Both replicas decided part of the workload, each on its own partitions.
    expect(decidedBy(first)).toBeGreaterThan(decidedBefore[0]!);
    expect(decidedBy(second)).toBeGreaterThan(decidedBefore[1]!);
    expect([...first.deadLetters, ...second.deadLetters]).toEqual([]);
  });
});
