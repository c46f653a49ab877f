// Status and signed confirmations on the real PostgreSQL and Kafka: payments uploaded through the real
// upload API and verified by the real consumer, the ledger's outcomes published on its topic, then
// what terminals and phones read over HTTPS with their bound tokens — and what the device SDK makes
// of it offline. The receipt keys sit in a custody file this test rewrites (rotation, outage).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  deviceEnrolledV1,
  type EventEnvelope,
  paymentSettledV1,
  paymentSettlementFailedV1,
} from '@settle/contracts';
import {
  decodeProcessorConfirmation,
  type ProtocolPublicKey,
  protocolPublicKey,
  signDeviceCredential,
  signTerminalCredential,
  verifyProcessorConfirmation,
} from '@settle/protocol';
import { calculateJwkThumbprint, type PublicJwk } from '@settle/crypto';
import {
  MemoryStore,
  PcdWallet,
  PosTerminal,
  type ProcessorTrust,
  SoftwareKeystore,
} from '@settle/device-sdk';
import { createKeyCustodyDocument, type KeyCustodyDocument } from '@settle/key-custody';
import { createTestBindingKey } from '@settle/resource-guard/testing';
import { type Pool, type PoolClient } from 'pg';
import { SQL_POOL } from '@settle/platform';
import {
  checkIn,
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
  type TransactionInput,
  uniqueId,
  untilProjected,
  upload,
} from '../testing/payment-world';
import {
  envelopeOf,
  type HttpAnswer,
  redelivered,
  startVerifier,
  type VerifierTestKit,
  waitFor,
} from '../testing/verifier-test-kit';

const dayMs = 24 * 3_600_000;

interface Party {
  readonly bindingKey: TestTerminal['bindingKey'];
}

/** The receipt keys' custody file, rewritten by the tests; each write gets a newer mtime so custody reloads it. */
class CustodyFile {
  readonly directory = mkdtempSync(join(tmpdir(), 'verifier-confirmations-'));
  readonly path = join(this.directory, 'key-custody.json');
  private writes = 0;

  write(content: KeyCustodyDocument | string): void {
    writeFileSync(this.path, typeof content === 'string' ? content : JSON.stringify(content), {
      mode: 0o600,
    });
    this.writes++;
    const mtime = new Date(Date.now() + this.writes * 1_000);
    utimesSync(this.path, mtime, mtime);
  }
}

async function getAs(
  kit: VerifierTestKit,
  party: TestTerminal | TestDevice | null,
  path: string,
): Promise<HttpAnswer> {
  const accessToken =
    party === null
      ? undefined
      : 'approvalKey' in party
        ? await terminalToken(kit, party)
        : await deviceToken(kit, party);
  const response = await kit.bound({
    method: 'GET',
    path,
    ...(party === null ? {} : { accessToken, binding: (party as Party).bindingKey }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: JSON.parse(response.body || '{}') as Record<string, unknown>,
  };
}

async function receiptKeys(
  kit: VerifierTestKit,
): Promise<{ answer: HttpAnswer; keys: ProtocolPublicKey[]; kids: string[] }> {
  const answer = await getAs(kit, null, '/v1/receipt-keys');
  const listed = (answer.body['keys'] ?? []) as Array<{
    kty: string;
    crv: string;
    x: string;
    y: string;
    kid: string;
  }>;
  return {
    answer,
    keys: listed.map(({ kty, crv, x, y }) => protocolPublicKey({ kty, crv, x, y })),
    kids: listed.map((key) => key.kid),
  };
}

function verifyWith(keys: readonly ProtocolPublicKey[], confirmation: string) {
  return verifyProcessorConfirmation(Buffer.from(confirmation, 'base64url'), {
    processorKeys: keys,
    algorithms: ['ES256'],
    backend: 'native',
  });
}

async function statusOf(kit: VerifierTestKit, transactionId: string): Promise<string | undefined> {
  const [row] = await kit.query<{ status: string }>(
    'SELECT status FROM verifier_transactions WHERE transaction_id = $1',
    [transactionId],
  );
  return row?.status;
}

async function untilStatus(
  kit: VerifierTestKit,
  transactionId: string,
  status: string,
): Promise<void> {
  await waitFor(
    async () => (await statusOf(kit, transactionId)) === status,
    30_000,
    `${transactionId} ${status}`,
  );
}

/** Uploads one transaction of `device` at `terminal` and waits for its verdict; its id. */
async function payAndVerify(
  kit: VerifierTestKit,
  terminal: TestTerminal,
  device: TestDevice,
  input: TransactionInput = {},
  status = 'verified',
): Promise<string> {
  const answer = await upload(kit, terminal, [offlineTransaction(terminal, device, input).bytes]);
  const [receipt] = answer.body['receipts'] as Array<{ status: string; transactionId: string }>;
  expect(receipt).toMatchObject({ status: 'accepted' });
  await untilStatus(kit, receipt!.transactionId, status);
  return receipt!.transactionId;
}

function settledEvent(
  terminal: TestTerminal,
  device: TestDevice,
  transactionId: string,
  amount = 1250n,
  entryId = uniqueId('ent'),
): EventEnvelope {
  return envelopeOf(paymentSettledV1, {
    transactionId,
    consumerAccountId: device.accountId,
    merchantId: terminal.merchantId,
    amount: amount.toString(),
    fee: '0',
    merchantAmount: amount.toString(),
    currency: 'EUR',
    entryId,
    settledAt: new Date().toISOString(),
  });
}

async function parties(
  kit: VerifierTestKit,
): Promise<{ terminal: TestTerminal; device: TestDevice }> {
  const merchant = await onboardMerchant(kit);
  const terminal = await registerTerminal(kit, merchant.merchantId);
  const device = await enrolDevice(kit);
  await untilProjected(kit, [terminal, device]);
  await untilCheckedIn(kit, device);
  return { terminal, device };
}

/** untilProjected waits for keys; the caps the rules need come with the check-in, on another topic. */
async function untilCheckedIn(kit: VerifierTestKit, device: TestDevice): Promise<void> {
  await waitFor(
    async () =>
      (
        await kit.query('SELECT 1 FROM verifier_device_check_ins WHERE device_id = $1', [
          device.deviceId,
        ])
      ).length > 0,
    30_000,
    'check-in projected',
  );
}

describe('status and confirmations', () => {
  const custody = new CustodyFile();
  const receiptKeyA = createKeyCustodyDocument(['receipt-signing'], new Date(Date.now() - 60_000));
  let kit: VerifierTestKit;

  beforeAll(async () => {
    custody.write(receiptKeyA);
    kit = await startVerifier({ SETTLE_KEY_CUSTODY_FILE: custody.path });
  });

  afterAll(async () => {
    await kit?.stop();
    rmSync(custody.directory, { recursive: true, force: true });
  });

  it('confirms a settled payment: the POS SDK takes it off its queue and the phone’s wallet accepts its own, both offline', async () => {
    const merchant = await onboardMerchant(kit);
    const terminal = await registerTerminal(kit, merchant.merchantId);
    const processor = createSigningKey();
    const nowMs = Date.now();
    const { keys } = await receiptKeys(kit);
    const trust: ProcessorTrust = {
      credentialKeys: [protocolPublicKey(processor.publicJwk)],
      receiptKeys: keys,
      algorithms: ['ES256'],
      backend: 'native',
    };

    // The phone: a real wallet, its payment key registered with the verifier as the registry would.
    const walletStore = new MemoryStore();
    const wallet = await PcdWallet.open({
      store: walletStore,
      keystore: new SoftwareKeystore({
        store: walletStore,
        authenticateUser: async () => true,
        backend: 'native',
      }),
      trust,
    });
    const paymentKey = await wallet.createPaymentKey('ES256');
    const device: TestDevice = {
      deviceId: uniqueId('dev'),
      accountId: uniqueId('acc'),
      paymentKey: {
        publicJwk: paymentKey.publicJwk,
        keyId: calculateJwkThumbprint(paymentKey.publicJwk),
        signer: {
          alg: 'ES256',
          keyId: paymentKey.keyId,
          sign: () => {
            throw new Error('the wallet signs in its keystore');
          },
        },
      },
      bindingKey: createTestBindingKey(),
      nextCounter: 1n,
    };
    const checkedInAt = new Date(nowMs - 3_600_000);
    await kit.publish(
      envelopeOf(deviceEnrolledV1, {
        deviceId: device.deviceId,
        accountId: device.accountId,
        platform: 'android',
        enrolledAt: new Date(nowMs - 3 * dayMs).toISOString(),
      }),
    );
    await publishKey(
      kit,
      keyLifecycle({ kind: 'device', id: device.deviceId }, 'payment', paymentKey.publicJwk),
    );
    await publishKey(
      kit,
      keyLifecycle(
        { kind: 'device', id: device.deviceId },
        'binding',
        device.bindingKey.publicJwk as unknown as PublicJwk,
      ),
    );
    await checkIn(kit, device, [checkedInAt]);
    await untilProjected(kit, [terminal, device]);
    await untilCheckedIn(kit, device);
    const deviceCredential = signDeviceCredential(
      {
        deviceId: device.deviceId,
        paymentKey,
        offlineCaps: [{ currency: 'EUR', perTransactionMax: 5000n, cumulativeMax: 15000n }],
        checkedInAtMs: checkedInAt.getTime(),
        validUntilMs: nowMs + dayMs,
      },
      processor.signer,
    );
    expect((await wallet.storeDeviceCredential(deviceCredential, nowMs)).ok).toBe(true);

    // The terminal: a real POS with the approval key the verifier knows.
    const terminalCredentialBytes = signTerminalCredential(
      {
        merchantId: terminal.merchantId,
        merchantDisplayName: 'Café Olé',
        terminalId: terminal.terminalId,
        terminalKey: protocolPublicKey(terminal.approvalKey.publicJwk),
        validFromMs: nowMs - dayMs,
        validUntilMs: nowMs + 365 * dayMs,
      },
      processor.signer,
    );
    const approval = terminal.approvalKey.signer;
    const pos = await PosTerminal.open({
      store: new MemoryStore(),
      terminalKey: {
        alg: approval.alg,
        keyId: approval.keyId,
        sign: async (data) => approval.sign(data),
      },
      terminalCredentialBytes,
      trust,
    });

    // Pay offline, upload, verify, settle.
    const created = pos.createRequest({
      amount: 1250n,
      currency: 'EUR',
      nonce: new Uint8Array(randomBytes(16)),
      nowMs,
      validityMs: 120_000,
    });
    const presented = await wallet.presentRequest({
      requestBytes: created.requestBytes,
      terminalCredentialBytes,
      nowMs,
    });
    if (!presented.ok) throw new Error(presented.message);
    const approved = await wallet.approve(presented.value, {
      nowMs,
      prompt: { title: 'Pay 12.50 EUR', subtitle: 'Café Olé' },
    });
    if (!approved.ok) throw new Error(approved.message);
    const accepted = await pos.acceptAuthorization({
      requestBytes: created.requestBytes,
      authorizationBytes: approved.value.authorizationBytes,
      deviceCredentialBytes: approved.value.deviceCredentialBytes,
      nowMs,
    });
    if (!accepted.ok) throw new Error(accepted.message);
    const answer = await upload(
      kit,
      terminal,
      pos.pendingUploads().map((entry) => entry.bytes),
    );
    const transactionId = (answer.body['receipts'] as Array<{ transactionId: string }>)[0]!
      .transactionId;
    await untilStatus(kit, transactionId, 'verified');
    const before = Date.now();
    await kit.publish(settledEvent(terminal, device, transactionId));
    await untilStatus(kit, transactionId, 'settled');
    const after = Date.now();

    const status = await getAs(kit, terminal, `/v1/transactions/${transactionId}`);
    expect(status).toMatchObject({
      status: 200,
      body: {
        transactionId,
        status: 'settled',
        reasonCode: null,
        decidedAt: expect.any(String),
        settledAt: expect.any(String),
      },
    });
    const verified = verifyWith(keys, status.body['confirmation'] as string);
    expect(verified).toMatchObject({
      ok: true,
      value: {
        confirmation: {
          terminalId: terminal.terminalId,
          amount: 1250n,
          currency: 'EUR',
          outcome: 'accepted',
          reasonCode: null,
        },
      },
    });
    const confirmedAtMs = verified.ok ? verified.value.confirmation.confirmedAtMs : 0;
    expect(confirmedAtMs).toBeGreaterThanOrEqual(before);
    expect(confirmedAtMs).toBeLessThanOrEqual(after);

    const forTerminal = await getAs(kit, terminal, '/v1/confirmations?after=0');
    const [entry] = forTerminal.body['confirmations'] as Array<{
      cursor: string;
      transactionId: string;
      status: string;
      confirmation: string;
    }>;
    expect(forTerminal.body).toMatchObject({
      confirmations: [{ transactionId, status: 'settled', reasonCode: null }],
      nextCursor: entry!.cursor,
    });
    expect(
      await pos.acceptConfirmation(Buffer.from(entry!.confirmation, 'base64url')),
    ).toMatchObject({ ok: true, value: { outcome: 'accepted' } });
    expect(pos.pendingUploads()).toEqual([]);

    const forPhone = await getAs(kit, device, '/v1/confirmations');
    expect(forPhone.body['confirmations']).toEqual(forTerminal.body['confirmations']);
    const [phoneEntry] = forPhone.body['confirmations'] as Array<{ confirmation: string }>;
    expect(
      await wallet.acceptConfirmation(Buffer.from(phoneEntry!.confirmation, 'base64url')),
    ).toMatchObject({
      ok: true,
      value: { state: 'confirmed', confirmation: { outcome: 'accepted' } },
    });
    expect(wallet.payments()).toEqual([
      expect.objectContaining({
        amount: 1250n,
        terminalId: terminal.terminalId,
        state: 'confirmed',
      }),
    ]);
  });

  it('confirms a settlement failure as rejected with the ledger’s reason; a replay of either outcome changes nothing', async () => {
    const { terminal, device } = await parties(kit);
    const failedId = await payAndVerify(kit, terminal, device);
    const failure = envelopeOf(paymentSettlementFailedV1, {
      transactionId: failedId,
      consumerAccountId: device.accountId,
      merchantId: terminal.merchantId,
      reasonCode: 'UNKNOWN_ACCOUNT',
      failedAt: new Date().toISOString(),
    });
    await kit.publish(failure);
    await untilStatus(kit, failedId, 'settlement-failed');
    const status = await getAs(kit, terminal, `/v1/transactions/${failedId}`);
    expect(status.body).toMatchObject({
      status: 'settlement-failed',
      reasonCode: 'UNKNOWN_ACCOUNT',
      settledAt: null,
    });
    const { keys } = await receiptKeys(kit);
    expect(verifyWith(keys, status.body['confirmation'] as string)).toMatchObject({
      ok: true,
      value: {
        confirmation: { outcome: 'rejected', reasonCode: 'UNKNOWN_ACCOUNT', amount: 1250n },
      },
    });

    const settledId = await payAndVerify(kit, terminal, device);
    const settlement = settledEvent(terminal, device, settledId);
    await kit.publish(settlement);
    await untilStatus(kit, settledId, 'settled');
    const rowsBefore = await kit.query(
      'SELECT transaction_id, status, confirmation, confirmation_seq, confirmed_at, entry_id FROM verifier_transactions WHERE terminal_id = $1 ORDER BY transaction_id',
      [terminal.terminalId],
    );

    // The same events (the inbox drops them) and the same outcomes under new event ids (a replay after
    // pruning: the status makes them no-ops), then a marker that must be applied after them.
    for (const event of [settlement, redelivered(settlement), failure, redelivered(failure)])
      await kit.publish(event);
    const markerId = await payAndVerify(kit, terminal, device);
    await kit.publish(settledEvent(terminal, device, markerId));
    await untilStatus(kit, markerId, 'settled');

    const rowsAfter = await kit.query(
      'SELECT transaction_id, status, confirmation, confirmation_seq, confirmed_at, entry_id FROM verifier_transactions WHERE terminal_id = $1 AND transaction_id <> $2 ORDER BY transaction_id',
      [terminal.terminalId, markerId],
    );
    expect(rowsAfter).toEqual(rowsBefore);
    const listed = (await getAs(kit, terminal, '/v1/confirmations')).body[
      'confirmations'
    ] as Array<{ transactionId: string }>;
    expect(listed.map((item) => item.transactionId)).toEqual([failedId, settledId, markerId]);
    expect(kit.deadLetters).toEqual([]);
  });

  it('lists confirmations a page at a time, in order, for the terminal and for the phone alike', async () => {
    const { terminal, device } = await parties(kit);
    const ids: string[] = [];
    for (let index = 0; index < 5; index++)
      ids.push(await payAndVerify(kit, terminal, device, { amount: 100n + BigInt(index) }));
    for (const [index, id] of ids.entries())
      await kit.publish(settledEvent(terminal, device, id, 100n + BigInt(index)));
    for (const id of ids) await untilStatus(kit, id, 'settled');
    const expected = await kit.query<{ transaction_id: string }>(
      'SELECT transaction_id FROM verifier_transactions WHERE terminal_id = $1 ORDER BY confirmation_seq',
      [terminal.terminalId],
    );

    for (const party of [terminal, device]) {
      const pages: Array<Array<{ cursor: string; transactionId: string }>> = [];
      let after = '0';
      for (let page = 0; page < 4; page++) {
        const answer = await getAs(kit, party, `/v1/confirmations?after=${after}&limit=2`);
        expect(answer.status).toBe(200);
        const confirmations = answer.body['confirmations'] as Array<{
          cursor: string;
          transactionId: string;
        }>;
        pages.push(confirmations);
        // The cursor moves to the last one listed, or stays where it was on an empty page.
        expect(answer.body['nextCursor']).toBe(
          confirmations[confirmations.length - 1]?.cursor ?? after,
        );
        after = answer.body['nextCursor'] as string;
      }
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1, 0]);
      const cursors = pages.flat().map((item) => BigInt(item.cursor));
      expect(cursors).toEqual([...cursors].sort((left, right) => (left < right ? -1 : 1)));
      expect(new Set(cursors).size).toBe(5);
      expect(pages.flat().map((item) => item.transactionId)).toEqual(
        expected.map((row) => row.transaction_id),
      );
    }
  });

  it('shows a terminal or phone only its own: another gets 404 and an empty list; bad parameters are 400 naming the field', async () => {
    const { terminal, device } = await parties(kit);
    const other = await parties(kit);
    const transactionId = await payAndVerify(kit, terminal, device);
    await kit.publish(settledEvent(terminal, device, transactionId));
    await untilStatus(kit, transactionId, 'settled');

    expect(await getAs(kit, terminal, `/v1/transactions/${transactionId}`)).toMatchObject({
      status: 200,
    });
    expect(await getAs(kit, device, `/v1/transactions/${transactionId}`)).toMatchObject({
      status: 200,
      body: { status: 'settled' },
    });
    for (const party of [other.terminal, other.device]) {
      const notFound = await getAs(kit, party, `/v1/transactions/${transactionId}`);
      expect(notFound).toMatchObject({
        status: 404,
        body: { code: 'TRANSACTION_NOT_FOUND', errors: [{ field: 'transactionId' }] },
      });
      expect(notFound.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(await getAs(kit, party, '/v1/confirmations')).toMatchObject({
        status: 200,
        body: { confirmations: [], nextCursor: '0' },
      });
    }
    expect(await getAs(kit, terminal, `/v1/transactions/txn_${'A'.repeat(43)}`)).toMatchObject({
      status: 404,
    });
    expect((await getAs(kit, null, `/v1/transactions/${transactionId}`)).status).toBe(401);
    expect((await getAs(kit, null, '/v1/confirmations')).status).toBe(401);

    for (const [path, field, code] of [
      ['/v1/transactions/not-a-transaction-id', 'transactionId', 'INVALID_FORMAT'],
      ['/v1/confirmations?limit=501', 'limit', 'OUT_OF_RANGE'],
      ['/v1/confirmations?limit=0', 'limit', 'INVALID_FORMAT'],
      ['/v1/confirmations?after=-1', 'after', 'INVALID_FORMAT'],
      ['/v1/confirmations?after=9223372036854775808', 'after', 'OUT_OF_RANGE'],
      ['/v1/confirmations?cursor=1', 'cursor', 'UNKNOWN_FIELD'],
      ['/v1/confirmations?after=1&after=2', 'after', 'INVALID_TYPE'],
    ] as const) {
      const answer = await getAs(kit, terminal, path);
      expect({ path, status: answer.status, code: answer.body['code'] }).toEqual({
        path,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(answer.body['errors']).toEqual([expect.objectContaining({ field, code })]);
    }
  });

  it('skips an outcome for a transaction it does not hold, and dead-letters one that contradicts a rejection', async () => {
    const { terminal, device } = await parties(kit);
    // Over the per-transaction cap: rejected, and confirmed as such by verification.
    const rejectedId = await payAndVerify(kit, terminal, device, { amount: 6000n }, 'rejected');
    const listed = (await getAs(kit, device, '/v1/confirmations')).body['confirmations'];
    expect(listed).toEqual([
      expect.objectContaining({
        transactionId: rejectedId,
        status: 'rejected',
        reasonCode: 'PER_TRANSACTION_CAP_EXCEEDED',
      }),
    ]);

    const unknownId = `txn_${randomBytes(32).toString('base64url')}`;
    await kit.publish(settledEvent(terminal, device, unknownId));
    await kit.publish(settledEvent(terminal, device, rejectedId, 6000n));
    await waitFor(() => kit.deadLetters.length > 0, 30_000, 'a dead letter');
    expect(kit.deadLetters).toEqual([
      expect.objectContaining({
        reason: 'HANDLER_REJECTED',
        value: expect.stringContaining(rejectedId),
      }),
    ]);
    expect(
      kit.test.logs.lines.some(
        (line) => line['transactionId'] === unknownId && line['level'] === 'warn',
      ),
    ).toBe(true);
    expect(await statusOf(kit, rejectedId)).toBe('rejected');
    expect(await statusOf(kit, unknownId)).toBeUndefined();
    kit.deadLetters.length = 0;
  });

  it('retries while key custody cannot sign (503 for the key set meanwhile), and confirms once it can', async () => {
    const { terminal, device } = await parties(kit);
    const transactionId = await payAndVerify(kit, terminal, device);
    custody.write('{ "keys": "the document is broken" }');
    try {
      expect((await receiptKeys(kit)).answer).toMatchObject({
        status: 503,
        body: { code: 'RECEIPT_KEY_UNAVAILABLE' },
      });
      await kit.publish(settledEvent(terminal, device, transactionId));
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await statusOf(kit, transactionId)).toBe('verified');
      expect(kit.deadLetters).toEqual([]);
    } finally {
      custody.write(receiptKeyA);
    }
    await untilStatus(kit, transactionId, 'settled');
    expect(kit.deadLetters).toEqual([]);
    expect(
      kit.test.logs.lines.some(
        (line) =>
          line['level'] === 'warn' &&
          String((line['err'] as { message?: string } | undefined)?.message ?? '').includes(
            'no receipt key to sign with',
          ),
      ),
    ).toBe(true);
  });

  it('rotates the receipt key: the next key is published before it signs, the old one stays published after', async () => {
    const { terminal, device } = await parties(kit);
    const [keyA] = receiptKeyA.keys;
    const keyB = createKeyCustodyDocument(['receipt-signing'], new Date(Date.now() + 3_600_000))
      .keys[0]!;
    const kidOf = (confirmation: string) => {
      const decoded = decodeProcessorConfirmation(Buffer.from(confirmation, 'base64url'));
      return decoded.ok ? Buffer.from(decoded.value.issuerKeyId).toString('base64url') : '';
    };
    const settle = async () => {
      const id = await payAndVerify(kit, terminal, device);
      await kit.publish(settledEvent(terminal, device, id));
      await untilStatus(kit, id, 'settled');
      return (await getAs(kit, terminal, `/v1/transactions/${id}`)).body['confirmation'] as string;
    };
    const [kidA] = (await receiptKeys(kit)).kids;

    // B prepublished: listed an hour before it signs, while A still signs.
    custody.write({ keys: [keyA!, keyB] });
    const prepublished = await receiptKeys(kit);
    expect(prepublished.answer.headers['cache-control']).toBe('public, max-age=300');
    expect(prepublished.kids).toHaveLength(2);
    expect(prepublished.kids).toContain(kidA);
    const byA = await settle();
    expect(kidOf(byA)).toBe(kidA);
    const kidB = prepublished.kids.find((kid) => kid !== kidA)!;

    // B active: it signs; A stays published for the overlap, so what it signed still verifies.
    custody.write({
      keys: [keyA!, { ...keyB, activatesAt: new Date(Date.now() - 1_000).toISOString() }],
    });
    const byB = await settle();
    expect(kidOf(byB)).toBe(kidB);
    const rotated = await receiptKeys(kit);
    expect(rotated.kids.sort()).toEqual([kidA, kidB].sort());
    expect(verifyWith(rotated.keys, byA)).toMatchObject({ ok: true });
    expect(verifyWith(rotated.keys, byB)).toMatchObject({ ok: true });
  });
});

describe('confirmation cursor order (migration 0006)', () => {
  let kit: VerifierTestKit;
  let pool: Pool;

  beforeAll(async () => {
    kit = await startVerifier();
    pool = kit.test.service.app.get<Pool>(SQL_POOL);
  });

  afterAll(async () => {
    await kit?.stop();
  });

  const confirm = (client: PoolClient, transactionId: string, bytes: number) =>
    client.query(
      `UPDATE verifier_transactions SET status = 'settled', settled_at = now(), entry_id = 'ent_test', confirmation = $2,
              confirmation_seq = nextval('verifier_confirmation_seq'), confirmed_at = now() WHERE transaction_id = $1`,
      [transactionId, Buffer.of(bytes)],
    );
  const seqOf = async (transactionId: string) => {
    const [row] = await kit.query<{ confirmation_seq: string }>(
      'SELECT confirmation_seq FROM verifier_transactions WHERE transaction_id = $1',
      [transactionId],
    );
    return BigInt(row!.confirmation_seq);
  };

  it('gives confirmation_seq in commit order: a later writer waits, so a reader never passes one that commits later', async () => {
    const { terminal, device } = await parties(kit);
    const first = await payAndVerify(kit, terminal, device);
    const second = await payAndVerify(kit, terminal, device);
    const one = await pool.connect();
    const two = await pool.connect();
    try {
      await one.query('BEGIN');
      await two.query('BEGIN');
      await confirm(one, first, 1);
      let secondDone = false;
      const secondWrite = confirm(two, second, 2).then(() => (secondDone = true));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(secondDone).toBe(false);
      // A reader now sees neither; once `one` commits it sees `first`, and `second` can only come after.
      expect((await getAs(kit, terminal, '/v1/confirmations')).body['confirmations']).toEqual([]);
      await one.query('COMMIT');
      await secondWrite;
      await two.query('COMMIT');
    } finally {
      one.release();
      two.release();
    }
    expect(await seqOf(second)).toBeGreaterThan(await seqOf(first));
  });

  it('pages cursors in numeric order past a power of ten (regression: the text cursor sorted "101" before "99")', async () => {
    const { terminal, device } = await parties(kit);
    const first = await payAndVerify(kit, terminal, device);
    const second = await payAndVerify(kit, terminal, device);
    // The SET clause's nextval and the trigger's each take one: the two get 99 and 101.
    await kit.query("SELECT setval('verifier_confirmation_seq', 97)");
    const client = await pool.connect();
    try {
      await confirm(client, first, 1);
      await confirm(client, second, 2);
    } finally {
      client.release();
    }
    const listed = (await getAs(kit, terminal, '/v1/confirmations?after=97')).body as {
      confirmations: Array<{ cursor: string; transactionId: string }>;
      nextCursor: string;
    };
    expect(listed.confirmations.map((item) => item.transactionId)).toEqual([first, second]);
    const [one, two] = listed.confirmations.map((item) => item.cursor);
    // Two digits, then three: text order would put the second first.
    expect([one!.length, two!.length]).toEqual([2, 3]);
    expect(BigInt(two!)).toBeGreaterThan(BigInt(one!));
    expect(listed.nextCursor).toBe(two);
  });

  it('writes a confirmation once: other bytes are refused, the seq cannot move', async () => {
    const { terminal, device } = await parties(kit);
    const transactionId = await payAndVerify(kit, terminal, device);
    const client = await pool.connect();
    try {
      await confirm(client, transactionId, 1);
      const seq = await seqOf(transactionId);
      await expect(
        client.query(
          'UPDATE verifier_transactions SET confirmation = $2 WHERE transaction_id = $1',
          [transactionId, Buffer.of(2)],
        ),
      ).rejects.toMatchObject({ code: '23514' });
      await client.query(
        `UPDATE verifier_transactions SET confirmation_seq = nextval('verifier_confirmation_seq') WHERE transaction_id = $1`,
        [transactionId],
      );
      expect(await seqOf(transactionId)).toBe(seq);
    } finally {
      client.release();
    }
  });
});
