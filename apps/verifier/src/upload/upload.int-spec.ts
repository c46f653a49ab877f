// POST /v1/uploads on the real PostgreSQL and Kafka, over TLS 1.3 with bound terminal tokens: receipts
// for CBOR and JSON, rows and payment.uploaded events committed before the 202, idempotent repeats,
// per-transaction refusals, conflicting content with its fraud signal, concurrent uploads of one
// transaction, and every batch-level 4xx as problem+json naming the limit or the field.
import { randomBytes } from 'node:crypto';
import {
  type EventEnvelope,
  type FraudSignalRaisedV1,
  type PaymentUploadedV1,
} from '@settle/contracts';
import {
  decodeOfflineTransaction,
  encodeOfflineTransaction,
  prepareMerchantApproval,
  unwrapProtocolResult,
} from '@settle/protocol';
import { base64UrlEncode, encodeCborDeterministic } from '@settle/crypto';
import { createTestBindingKey } from '@settle/resource-guard/testing';
import {
  type BuiltTransaction,
  createSigningKey,
  deviceToken,
  enrolDevice,
  keyLifecycle,
  offlineTransaction,
  onboardMerchant,
  publishKey,
  registerTerminal,
  type TestDevice,
  type TestTerminal,
  terminalToken,
  uniqueId,
  untilProjected,
  upload,
} from '../testing/payment-world';
import {
  type HttpAnswer,
  startVerifier,
  type VerifierTestKit,
  waitFor,
} from '../testing/verifier-test-kit';
import { uploadContentDigest } from './upload.decider';
import {
  uploadBatchTransactionsMax,
  uploadBodySizeMaxBytes,
  uploadTransactionSizeMaxBytes,
} from './upload-limits';

const clockSkewMs = 5 * 60_000;

/** A raw POST /v1/uploads as the terminal: any body, any content type. */
async function post(
  kit: VerifierTestKit,
  terminal: TestTerminal,
  body: Uint8Array | string,
  contentType: string,
  accessToken?: string,
): Promise<HttpAnswer> {
  const response = await kit.bound({
    method: 'POST',
    path: '/v1/uploads',
    accessToken: accessToken ?? (await terminalToken(kit, terminal)),
    binding: terminal.bindingKey,
    headers: { 'content-type': contentType },
    body,
  });
  return {
    status: response.status,
    headers: response.headers,
    body: JSON.parse(response.body || '{}') as Record<string, unknown>,
  };
}

function uploadedEvents(
  kit: VerifierTestKit,
  transactionIds?: readonly string[],
): EventEnvelope<'payment.uploaded', PaymentUploadedV1>[] {
  return (kit.published as EventEnvelope<'payment.uploaded', PaymentUploadedV1>[]).filter(
    (event) =>
      event.type === 'payment.uploaded' &&
      (transactionIds === undefined || transactionIds.includes(event.payload.transactionId)),
  );
}

/** Waits until the outbox is drained, then a moment for the tap: what was going to be published is. */
async function untilQuiet(kit: VerifierTestKit): Promise<void> {
  await waitFor(
    async () =>
      (await kit.query<{ n: number }>('SELECT count(*)::int AS n FROM messaging_outbox'))[0]!.n ===
      0,
    30_000,
    'outbox drained',
  );
  await new Promise((resolve) => setTimeout(resolve, 1_500));
}

function idOf(built: BuiltTransaction): string {
  return `txn_${base64UrlEncode(unwrapProtocolResult(decodeOfflineTransaction(built.bytes)).transactionId)}`;
}

async function rowsOf(kit: VerifierTestKit, transactionIds: readonly string[]) {
  return kit.query<{
    transaction_id: string;
    status: string;
    transaction_bytes: Buffer;
    content_digest: Buffer;
    consumer_device_id: string;
    upload_batch_id: string;
    amount: string;
    device_counter: string;
  }>(
    'SELECT * FROM verifier_transactions WHERE transaction_id = ANY($1::text[]) ORDER BY transaction_id',
    [transactionIds],
  );
}

describe('POST /v1/uploads', () => {
  let kit: VerifierTestKit;
  let terminal: TestTerminal;
  let otherTerminal: TestTerminal;
  let device: TestDevice;
  let secondDevice: TestDevice;

  beforeAll(async () => {
    kit = await startVerifier();
    const merchant = await onboardMerchant(kit);
    const otherMerchant = await onboardMerchant(kit);
    terminal = await registerTerminal(kit, merchant.merchantId);
    otherTerminal = await registerTerminal(kit, otherMerchant.merchantId);
    device = await enrolDevice(kit);
    secondDevice = await enrolDevice(kit);
    await untilProjected(kit, [terminal, otherTerminal, device, secondDevice]);
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('accepts a CBOR batch: the rows and payment.uploaded (keyed by the consumer device) are committed before the 202', async () => {
    const first = offlineTransaction(terminal, device, { amount: 1250n });
    const second = offlineTransaction(terminal, secondDevice, { amount: 990n });
    const answer = await upload(kit, terminal, [first.bytes, second.bytes]);
    expect(answer.status).toBe(202);
    const ids = [idOf(first), idOf(second)];
    expect(answer.body).toEqual({
      batchId: expect.stringMatching(/^upl_[A-Za-z0-9_-]{43}$/),
      receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      receipts: [
        { index: 0, transactionId: ids[0], status: 'accepted' },
        { index: 1, transactionId: ids[1], status: 'accepted' },
      ],
    });
    // Read right after the 202, before any event could have been consumed: committed already.
    const rows = await rowsOf(kit, ids);
    const byId = new Map(rows.map((row) => [row.transaction_id, row]));
    expect(Buffer.compare(byId.get(ids[0]!)!.transaction_bytes, Buffer.from(first.bytes))).toBe(0);
    expect(
      Buffer.compare(
        byId.get(ids[0]!)!.content_digest,
        Buffer.from(
          uploadContentDigest(unwrapProtocolResult(decodeOfflineTransaction(first.bytes))),
        ),
      ),
    ).toBe(0);
    expect(byId.get(ids[0]!)).toMatchObject({
      consumer_device_id: device.deviceId,
      upload_batch_id: answer.body.batchId,
      amount: '1250',
      device_counter: String(first.counter),
    });
    const [batch] = await kit.query(
      'SELECT terminal_id, transaction_count, accepted_count FROM verifier_upload_batches WHERE batch_id = $1',
      [answer.body.batchId],
    );
    expect(batch).toEqual({
      terminal_id: terminal.terminalId,
      transaction_count: 2,
      accepted_count: 2,
    });

    await waitFor(() => uploadedEvents(kit, ids).length === 2, 30_000, 'payment.uploaded for both');
    const event = uploadedEvents(kit, [ids[1]!])[0]!;
    expect(event.key).toBe(secondDevice.deviceId);
    expect(event.payload).toEqual({
      transactionId: ids[1],
      consumerDeviceId: secondDevice.deviceId,
      terminalId: terminal.terminalId,
      merchantId: terminal.merchantId,
      uploadBatchId: answer.body.batchId,
      deviceCounter: String(second.counter),
      amount: '990',
      currency: 'EUR',
      uploadedAt: answer.body.receivedAt,
    });
  });

  it('accepts the same as JSON with base64url transactions', async () => {
    const built = offlineTransaction(terminal, device);
    const answer = await upload(kit, terminal, [built.bytes], { format: 'json' });
    expect(answer.status).toBe(202);
    expect(answer.body.receipts).toEqual([
      { index: 0, transactionId: idOf(built), status: 'accepted' },
    ]);
    expect(await rowsOf(kit, [idOf(built)])).toHaveLength(1);
    await waitFor(
      () => uploadedEvents(kit, [idOf(built)]).length === 1,
      30_000,
      'payment.uploaded',
    );
  });

  it('answers a repeated batch exactly as the first time, and a known transaction in another batch as a duplicate, with no new work', async () => {
    const known = offlineTransaction(terminal, device);
    const fresh = offlineTransaction(terminal, secondDevice);
    const first = await upload(kit, terminal, [known.bytes]);
    const repeated = await upload(kit, terminal, [known.bytes], { format: 'json' });
    expect(repeated.status).toBe(202);
    // The batch id hashes the terminal and the bytes, not the media type: the same batch, the same answer.
    expect(repeated.body).toEqual(first.body);

    const another = await upload(kit, terminal, [fresh.bytes, known.bytes]);
    expect(another.body.batchId).not.toBe(first.body.batchId);
    expect(another.body.receipts).toEqual([
      { index: 0, transactionId: idOf(fresh), status: 'accepted' },
      { index: 1, transactionId: idOf(known), status: 'accepted', duplicate: true },
    ]);
    const [row] = await rowsOf(kit, [idOf(known)]);
    expect(row!.upload_batch_id).toBe(first.body.batchId);
    expect(
      await kit.query('SELECT 1 FROM verifier_upload_batches WHERE batch_id = ANY($1::text[])', [
        [first.body.batchId, another.body.batchId],
      ]),
    ).toHaveLength(2);

    await untilQuiet(kit);
    expect(uploadedEvents(kit, [idOf(known)])).toHaveLength(1);
    expect(uploadedEvents(kit, [idOf(fresh)])).toHaveLength(1);
  });

  it('refuses, per transaction, what the terminal did not countersign for its own merchant — and stores nothing of it', async () => {
    const ownOk = offlineTransaction(terminal, device);
    const otherTerminals = offlineTransaction(otherTerminal, device);
    const wrongMerchant = offlineTransaction(terminal, device, {
      merchantId: otherTerminal.merchantId,
    });
    const answer = await upload(kit, terminal, [
      otherTerminals.bytes,
      ownOk.bytes,
      wrongMerchant.bytes,
    ]);
    expect(answer.status).toBe(202);
    expect(answer.body.receipts).toEqual([
      {
        index: 0,
        transactionId: idOf(otherTerminals),
        status: 'refused',
        code: 'TERMINAL_MISMATCH',
        field: 'request/terminalId',
        message: expect.any(String),
      },
      { index: 1, transactionId: idOf(ownOk), status: 'accepted' },
      {
        index: 2,
        transactionId: idOf(wrongMerchant),
        status: 'refused',
        code: 'MERCHANT_MISMATCH',
        field: 'request/merchantId',
        message: expect.any(String),
      },
    ]);
    expect((await rowsOf(kit, [idOf(otherTerminals), idOf(wrongMerchant)])).length).toBe(0);
    const [batch] = await kit.query(
      'SELECT transaction_count, accepted_count FROM verifier_upload_batches WHERE batch_id = $1',
      [answer.body.batchId],
    );
    expect(batch).toEqual({ transaction_count: 3, accepted_count: 1 });
    await untilQuiet(kit);
    expect(uploadedEvents(kit, [idOf(otherTerminals), idOf(wrongMerchant)])).toHaveLength(0);
  });

  it('stores a transaction whose signature byte was flipped (it still decodes; verification rejects it), and refuses a flipped structure as TRANSACTION_MALFORMED', async () => {
    const built = offlineTransaction(terminal, device);
    const flippedSignature = Uint8Array.from(built.bytes);
    flippedSignature[flippedSignature.length - 1]! ^= 0x01;
    // Byte 5 is inside the map's label text (a4 00 78 1d 's' 'e'…): it no longer names the structure.
    const flippedLabel = Uint8Array.from(offlineTransaction(terminal, device).bytes);
    flippedLabel[5]! ^= 0x20;
    const truncated = offlineTransaction(terminal, device).bytes.subarray(0, 100);
    const answer = await upload(kit, terminal, [flippedSignature, flippedLabel, truncated]);
    expect(answer.status).toBe(202);
    const [signatureReceipt, labelReceipt, truncatedReceipt] = answer.body.receipts as Array<
      Record<string, unknown>
    >;
    expect(signatureReceipt).toEqual({ index: 0, transactionId: idOf(built), status: 'accepted' });
    expect(labelReceipt).toMatchObject({
      index: 1,
      transactionId: null,
      status: 'refused',
      code: 'TRANSACTION_MALFORMED',
    });
    expect(truncatedReceipt).toMatchObject({
      index: 2,
      transactionId: null,
      status: 'refused',
      code: 'TRANSACTION_MALFORMED',
      field: expect.any(String),
    });
    const [row] = await rowsOf(kit, [idOf(built)]);
    expect(Buffer.compare(row!.transaction_bytes, Buffer.from(flippedSignature))).toBe(0);
    // …and verification, reading the bytes as received, rejects it.
    const rejected = () =>
      kit.published.find(
        (event) =>
          event.type === 'payment.rejected' &&
          (event.payload as { transactionId: string }).transactionId === idOf(built),
      );
    await waitFor(() => rejected() !== undefined, 30_000, 'payment.rejected');
    expect(rejected()!.payload).toMatchObject({ reasonCode: 'SIGNATURE_INVALID' });
  });

  it('refuses zero and negative amounts and malformed currencies as TRANSACTION_MALFORMED; leaves a well-formed unknown currency to verification', async () => {
    const built = offlineTransaction(terminal, device, { amount: 1250n });
    // The request's amount (key 3: 1250 = 19 04e2) and currency (key 4: "EUR" = 63 455552), rewritten.
    const zero = withRequest(
      built,
      replaceOnce(built.requestBytes, [0x03, 0x19, 0x04, 0xe2], [0x03, 0x00]),
    );
    const negative = withRequest(
      built,
      replaceOnce(built.requestBytes, [0x03, 0x19, 0x04, 0xe2], [0x03, 0x39, 0x04, 0xe1]),
    );
    const badCurrency = withRequest(
      built,
      replaceOnce(
        built.requestBytes,
        [0x04, 0x63, 0x45, 0x55, 0x52],
        [0x04, 0x63, 0x65, 0x75, 0x72],
      ),
    );
    const unknownCurrency = withRequest(
      built,
      replaceOnce(
        built.requestBytes,
        [0x04, 0x63, 0x45, 0x55, 0x52],
        [0x04, 0x63, 0x58, 0x59, 0x5a],
      ),
    );
    const answer = await upload(kit, terminal, [zero, negative, badCurrency, unknownCurrency]);
    const receipts = answer.body.receipts as Array<Record<string, unknown>>;
    expect(
      receipts.slice(0, 3).map(({ status, code, field }) => ({ status, code, field })),
    ).toEqual([
      { status: 'refused', code: 'TRANSACTION_MALFORMED', field: 'request/amount' },
      { status: 'refused', code: 'TRANSACTION_MALFORMED', field: 'request/amount' },
      { status: 'refused', code: 'TRANSACTION_MALFORMED', field: 'request/currency' },
    ]);
    expect(receipts[3]).toMatchObject({ status: 'accepted' });
  });

  it('refuses a transaction whose approval lies in the future beyond the allowed skew, naming the time', async () => {
    const future = offlineTransaction(terminal, device, {
      approvedAtMs: Date.now() + clockSkewMs + 60_000,
      createdAtMs: Date.now() - 60_000,
      authorizedAtMs: Date.now() - 30_000,
    });
    const answer = await upload(kit, terminal, [future.bytes]);
    expect(answer.body.receipts).toEqual([
      {
        index: 0,
        transactionId: idOf(future),
        status: 'refused',
        code: 'TIMESTAMP_IN_FUTURE',
        field: 'approval/approvedAtMs',
        message: expect.any(String),
      },
    ]);
    expect(await rowsOf(kit, [idOf(future)])).toHaveLength(0);
  });

  it('refuses an unknown consumer key as retryable, and accepts the same batch once the key is projected', async () => {
    const unknownDevice: TestDevice = {
      deviceId: uniqueId('dev'),
      accountId: uniqueId('acc'),
      paymentKey: createSigningKey(),
      bindingKey: createTestBindingKey(),
      nextCounter: 1n,
    };
    const built = offlineTransaction(terminal, unknownDevice);
    const before = await upload(kit, terminal, [built.bytes]);
    expect(before.body.receipts).toEqual([
      {
        index: 0,
        transactionId: idOf(built),
        status: 'refused',
        code: 'CONSUMER_KEY_UNKNOWN',
        field: 'authorization/keyId',
        message: expect.any(String),
        retryable: true,
      },
    ]);
    expect(await rowsOf(kit, [idOf(built)])).toHaveLength(0);

    await publishKey(
      kit,
      keyLifecycle(
        { kind: 'device', id: unknownDevice.deviceId },
        'payment',
        unknownDevice.paymentKey.publicJwk,
      ),
    );
    await waitFor(
      async () =>
        (
          await kit.query('SELECT 1 FROM verifier_keys WHERE key_id = $1', [
            unknownDevice.paymentKey.keyId,
          ])
        ).length === 1,
      30_000,
      'key projected',
    );
    const after = await upload(kit, terminal, [built.bytes]);
    expect(after.body).toEqual({
      ...before.body,
      receipts: [{ index: 0, transactionId: idOf(built), status: 'accepted' }],
    });
    const [batch] = await kit.query(
      'SELECT accepted_count FROM verifier_upload_batches WHERE batch_id = $1',
      [after.body.batchId],
    );
    expect(batch).toEqual({ accepted_count: 1 });
    await waitFor(
      () => uploadedEvents(kit, [idOf(built)]).length === 1,
      30_000,
      'payment.uploaded',
    );
    expect(uploadedEvents(kit, [idOf(built)])[0]!.key).toBe(unknownDevice.deviceId);
  });

  it('refuses an approval signed with an unknown key as retryable (TERMINAL_KEY_UNKNOWN), and with another terminal’s key as TERMINAL_MISMATCH', async () => {
    const unprojected = createSigningKey();
    const unknownKey = offlineTransaction(terminal, device, { approvalKey: unprojected });
    const othersKey = offlineTransaction(terminal, device, {
      approvalKey: otherTerminal.approvalKey,
    });
    const before = await upload(kit, terminal, [unknownKey.bytes, othersKey.bytes]);
    expect(before.body.receipts).toEqual([
      {
        index: 0,
        transactionId: idOf(unknownKey),
        status: 'refused',
        code: 'TERMINAL_KEY_UNKNOWN',
        field: 'approval/keyId',
        message: expect.any(String),
        retryable: true,
      },
      {
        index: 1,
        transactionId: idOf(othersKey),
        status: 'refused',
        code: 'TERMINAL_MISMATCH',
        field: 'approval/keyId',
        message: expect.any(String),
      },
    ]);
    expect(await rowsOf(kit, [idOf(unknownKey), idOf(othersKey)])).toHaveLength(0);

    // The registry announces the key as a second payment key of this terminal: the same batch again stores it.
    await publishKey(
      kit,
      keyLifecycle({ kind: 'terminal', id: terminal.terminalId }, 'payment', unprojected.publicJwk),
    );
    await waitFor(
      async () =>
        (await kit.query('SELECT 1 FROM verifier_keys WHERE key_id = $1', [unprojected.keyId]))
          .length === 1,
      30_000,
      'key projected',
    );
    const after = await upload(kit, terminal, [unknownKey.bytes, othersKey.bytes]);
    expect(after.body).toEqual({
      ...before.body,
      receipts: [
        { index: 0, transactionId: idOf(unknownKey), status: 'accepted' },
        (before.body.receipts as unknown[])[1],
      ],
    });
    expect(await rowsOf(kit, [idOf(unknownKey), idOf(othersKey)])).toEqual([
      expect.objectContaining({ transaction_id: idOf(unknownKey), status: expect.any(String) }),
    ]);
    await untilQuiet(kit);
    expect(uploadedEvents(kit, [idOf(unknownKey)])).toHaveLength(1);
    expect(uploadedEvents(kit, [idOf(othersKey)])).toHaveLength(0);
  });

  it('refuses the same id with other signed content, records it once and raises one fraud signal about the terminal', async () => {
    const nonce = new Uint8Array(randomBytes(16));
    const counter = device.nextCounter;
    const original = offlineTransaction(terminal, device, {
      nonce,
      counter,
      approvedAtMs: Date.now() - 60_000,
      createdAtMs: Date.now() - 120_000,
      authorizedAtMs: Date.now() - 90_000,
    });
    // The same request and authorization (so the same id), approved a second time, later.
    const reapproved = reapprove(terminal, original, Date.now() - 30_000);
    expect(idOf(reapproved)).toBe(idOf(original));
    await upload(kit, terminal, [original.bytes]);
    const conflicting = await upload(kit, terminal, [reapproved.bytes]);
    const refusal = {
      index: 0,
      transactionId: idOf(original),
      status: 'refused',
      code: 'DUPLICATE_WITH_DIFFERENT_CONTENT',
      field: 'approval',
      message: expect.any(String),
    };
    expect(conflicting.body.receipts).toEqual([refusal]);
    // Again, in another batch: the same refusal, no second record, no second signal.
    const again = await upload(kit, terminal, [
      offlineTransaction(terminal, secondDevice).bytes,
      reapproved.bytes,
    ]);
    expect((again.body.receipts as unknown[])[1]).toEqual({ ...refusal, index: 1 });

    const records = await kit.query<{ signal_id: string; terminal_id: string }>(
      'SELECT signal_id, terminal_id FROM verifier_conflicting_uploads WHERE transaction_id = $1',
      [idOf(original)],
    );
    expect(records).toEqual([
      { signal_id: expect.stringMatching(/^sig_/), terminal_id: terminal.terminalId },
    ]);
    const [row] = await rowsOf(kit, [idOf(original)]);
    expect(Buffer.compare(row!.transaction_bytes, Buffer.from(original.bytes))).toBe(0);
    await untilQuiet(kit);
    const signals = (
      kit.published as EventEnvelope<'fraud.signal-raised', FraudSignalRaisedV1>[]
    ).filter(
      (event) =>
        event.type === 'fraud.signal-raised' &&
        event.payload.transactionId === idOf(original) &&
        event.payload.kind === 'DUPLICATE_WITH_DIFFERENT_CONTENT' &&
        event.payload.subject.kind === 'terminal',
    );
    expect(signals).toHaveLength(1);
    expect(signals[0]!.payload).toMatchObject({
      signalId: records[0]!.signal_id,
      subject: { kind: 'terminal', id: terminal.terminalId },
      details: { uploadBatchId: conflicting.body.batchId },
    });
    expect(signals[0]!.key).toBe(terminal.terminalId);
    expect(uploadedEvents(kit, [idOf(original)])).toHaveLength(1);
  });

  it('stores one row and publishes one event when two batches carry the same transaction at the same time', async () => {
    const shared = offlineTransaction(terminal, device);
    const [a, b] = await Promise.all([
      upload(kit, terminal, [shared.bytes, offlineTransaction(terminal, secondDevice).bytes]),
      upload(kit, terminal, [offlineTransaction(terminal, secondDevice).bytes, shared.bytes]),
    ]);
    expect([a!.status, b!.status]).toEqual([202, 202]);
    const receipts = [
      (a!.body.receipts as Array<Record<string, unknown>>)[0]!,
      (b!.body.receipts as Array<Record<string, unknown>>)[1]!,
    ];
    expect(
      receipts.every(
        (receipt) => receipt.status === 'accepted' && receipt.transactionId === idOf(shared),
      ),
    ).toBe(true);
    expect(receipts.filter((receipt) => receipt.duplicate === true)).toHaveLength(1);
    expect(await rowsOf(kit, [idOf(shared)])).toHaveLength(1);
    await untilQuiet(kit);
    expect(uploadedEvents(kit, [idOf(shared)])).toHaveLength(1);
  });

  it('refuses an oversized transaction alone (TRANSACTION_TOO_LARGE) and takes the rest of the batch', async () => {
    const ok = offlineTransaction(terminal, device);
    const answer = await upload(kit, terminal, [
      new Uint8Array(randomBytes(uploadTransactionSizeMaxBytes + 1)),
      ok.bytes,
    ]);
    expect(answer.body.receipts).toEqual([
      {
        index: 0,
        transactionId: null,
        status: 'refused',
        code: 'TRANSACTION_TOO_LARGE',
        field: '',
        message: expect.stringContaining('uploadTransactionSizeMaxBytes'),
      },
      { index: 1, transactionId: idOf(ok), status: 'accepted' },
    ]);
  });

  describe('refuses the whole body as problem+json, storing nothing', () => {
    async function expectProblem(
      answer: HttpAnswer,
      status: number,
      fields: Record<string, unknown>,
    ): Promise<void> {
      expect(answer.status).toBe(status);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ status, ...fields });
    }

    it('413 past the body limit, for both media types, naming uploadBodySizeMaxBytes', async () => {
      const huge = new Uint8Array(uploadBodySizeMaxBytes + 1);
      await expectProblem(
        await post(kit, terminal, encodeCborDeterministic([huge]), 'application/cbor'),
        413,
        {
          code: 'PAYLOAD_TOO_LARGE',
          detail: expect.stringContaining('uploadBodySizeMaxBytes'),
          errors: [
            {
              field: 'body',
              code: 'OUT_OF_RANGE',
              message: expect.stringContaining(String(uploadBodySizeMaxBytes)),
            },
          ],
        },
      );
      await expectProblem(
        await post(
          kit,
          terminal,
          JSON.stringify({ transactions: [base64UrlEncode(huge)] }),
          'application/json',
        ),
        413,
        {
          code: 'PAYLOAD_TOO_LARGE',
          detail: expect.stringContaining('uploadBodySizeMaxBytes'),
        },
      );
    });

    it('413 past the transaction count, naming uploadBatchTransactionsMax; 400 for an empty batch', async () => {
      const many = Array.from(
        { length: uploadBatchTransactionsMax + 1 },
        () => new Uint8Array([1]),
      );
      await expectProblem(
        await post(kit, terminal, encodeCborDeterministic(many), 'application/cbor'),
        413,
        {
          code: 'UPLOAD_BATCH_TOO_LARGE',
          errors: [
            {
              field: 'transactions',
              code: 'OUT_OF_RANGE',
              message: expect.stringContaining('uploadBatchTransactionsMax'),
            },
          ],
        },
      );
      await expectProblem(
        await post(kit, terminal, encodeCborDeterministic([]), 'application/cbor'),
        400,
        { code: 'UPLOAD_BATCH_EMPTY' },
      );
      await expectProblem(
        await post(kit, terminal, '{"transactions":[]}', 'application/json'),
        400,
        { code: 'UPLOAD_BATCH_EMPTY' },
      );
    });

    it('400 naming the field: unknown members, numbers instead of strings, bad base64url, wrong CBOR types, malformed CBOR and JSON', async () => {
      await expectProblem(
        await post(kit, terminal, '{"transactions":["AAEC"],"amount":12}', 'application/json'),
        400,
        { code: 'VALIDATION_FAILED', errors: [{ field: 'amount', code: 'UNKNOWN_FIELD' }] },
      );
      await expectProblem(
        await post(kit, terminal, '{"transactions":[12]}', 'application/json'),
        400,
        { code: 'VALIDATION_FAILED', errors: [{ field: 'transactions[0]', code: 'INVALID_TYPE' }] },
      );
      await expectProblem(
        await post(kit, terminal, '{"transactions":["AA=="]}', 'application/json'),
        400,
        {
          code: 'VALIDATION_FAILED',
          errors: [{ field: 'transactions[0]', code: 'INVALID_FORMAT' }],
        },
      );
      await expectProblem(
        await post(kit, terminal, encodeCborDeterministic(['text']), 'application/cbor'),
        400,
        { code: 'VALIDATION_FAILED', errors: [{ field: 'transactions[0]', code: 'INVALID_TYPE' }] },
      );
      await expectProblem(
        await post(kit, terminal, Uint8Array.of(0x9f, 0x41, 0x01, 0xff), 'application/cbor'),
        400,
        { code: 'MALFORMED_CBOR' },
      );
      await expectProblem(await post(kit, terminal, '{"transactions":', 'application/json'), 400, {
        code: 'MALFORMED_JSON',
      });
    });

    it('415 for any other media type', async () => {
      await expectProblem(
        await post(kit, terminal, 'transactions=AAEC', 'application/x-www-form-urlencoded'),
        415,
        { code: 'UNSUPPORTED_MEDIA_TYPE', errors: [{ field: 'content-type' }] },
      );
      await expectProblem(
        await post(kit, terminal, '{"transactions":["AAEC"]}', 'application/problem+json'),
        415,
        { code: 'UNSUPPORTED_MEDIA_TYPE' },
      );
    });

    it('403 for a consumer device token; 401 without a token', async () => {
      const answer = await kit.bound({
        method: 'POST',
        path: '/v1/uploads',
        accessToken: await deviceToken(kit, device),
        binding: device.bindingKey,
        headers: { 'content-type': 'application/cbor' },
        body: encodeCborDeterministic([new Uint8Array([1])]),
      });
      expect(answer.status).toBe(403);
      const anonymous = await kit.bound({
        method: 'POST',
        path: '/v1/uploads',
        headers: { 'content-type': 'application/cbor' },
        body: encodeCborDeterministic([new Uint8Array([1])]),
      });
      expect(anonymous.status).toBe(401);
    });
  });
});

/** `bytes` with the one occurrence of `from` replaced by `to` (a test of a hand-edited structure). */
function replaceOnce(
  bytes: Uint8Array,
  from: readonly number[],
  to: readonly number[],
): Uint8Array {
  const buffer = Buffer.from(bytes);
  const at = buffer.indexOf(Buffer.from(from));
  if (at < 0 || buffer.indexOf(Buffer.from(from), at + 1) >= 0)
    throw new Error('the pattern must occur exactly once');
  return Uint8Array.from([...buffer.subarray(0, at), ...to, ...buffer.subarray(at + from.length)]);
}

/** The transaction with another request in its wire map, as an attacker would write it (no checks, signatures kept). */
function withRequest(built: BuiltTransaction, requestBytes: Uint8Array): Uint8Array {
  return encodeCborDeterministic(
    new Map<number, unknown>([
      [0, 'settle/offline-transaction/v1'],
      [1, requestBytes],
      [2, built.authorizationBytes],
      [3, built.approvalBytes],
    ]),
  );
}

/** The same request and consumer authorization (so the same id), approved again by the terminal at another time. */
function reapprove(
  terminal: TestTerminal,
  original: BuiltTransaction,
  approvedAtMs: number,
): BuiltTransaction {
  const signer = terminal.approvalKey.signer;
  const prepared = prepareMerchantApproval({
    authorizationBytes: original.authorizationBytes,
    approvedAtMs,
    alg: signer.alg,
    keyId: signer.keyId,
  });
  const approvalBytes = prepared.complete(signer.sign(prepared.toBeSigned));
  return {
    ...original,
    approvalBytes,
    bytes: encodeOfflineTransaction({
      requestBytes: original.requestBytes,
      authorizationBytes: original.authorizationBytes,
      approvalBytes,
    }),
  };
}

describe('POST /v1/uploads rate limit', () => {
  let kit: VerifierTestKit;

  beforeAll(async () => {
    kit = await startVerifier({
      SETTLE_VERIFIER_UPLOAD_RATE_PER_SECOND: '1',
      SETTLE_VERIFIER_UPLOAD_BURST: '3',
    });
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('answers 429 problem+json with Retry-After once a terminal used its burst, whatever it sends; another terminal is unaffected', async () => {
    const merchant = await onboardMerchant(kit);
    const [busy, quiet] = [
      await registerTerminal(kit, merchant.merchantId),
      await registerTerminal(kit, merchant.merchantId),
    ];
    await untilProjected(kit, [busy, quiet]);
    const token = await terminalToken(kit, busy);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => post(kit, busy, 'x', 'text/plain', token)),
    );
    const limited = answers.filter((answer) => answer.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(answers.filter((answer) => answer.status === 415).length).toBeGreaterThanOrEqual(3);
    const [first] = limited;
    expect(first!.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(first!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(first!.body).toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      detail: expect.stringContaining('SETTLE_VERIFIER_UPLOAD_RATE_PER_SECOND'),
      errors: [
        {
          field: 'terminal',
          code: 'RATE_LIMITED',
          message: expect.stringContaining('SETTLE_VERIFIER_UPLOAD_BURST'),
        },
      ],
    });
    expect((await post(kit, quiet, 'x', 'text/plain')).status).toBe(415);
    // The bucket is in PostgreSQL, shared by every replica.
    expect(
      await kit.query('SELECT bucket FROM platform_rate_limits WHERE bucket = $1', [
        `upload:${busy.terminalId}`,
      ]),
    ).toHaveLength(1);
  });
});
