// The payment client's framing against a local TLS 1.3 server standing in for the token issuer and the
// verifier: uploads go as CBOR arrays of the exact queued bytes, in bounded batches, on one bound
// socket (or with DPoP, the same body again after a nonce challenge); refusals surface with their
// problem code and Retry-After; confirmations are paged from the cursor and handed to a real
// PosTerminal, the cursor never passing one that fails to verify; receipt keys are checked against
// their kid. The real verifier is exercised by test/e2e/offline-payment.e2e-spec.ts.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Server, createServer } from 'node:https';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type TLSSocket } from 'node:tls';
import {
  type ProcessorConfirmation,
  formatTransactionId,
  signDeviceCredential,
  signProcessorConfirmation,
} from '@settle/protocol';
import {
  fixtureDeviceCredential,
  fixtureTerminalCredential,
  readProtocolFixture,
  testPrivateJwks,
  testPublicKey,
  testSigner,
} from '@settle/protocol/testing';
import { calculateJwkThumbprint, decodeCborStrict, generateKeyPair } from '@settle/crypto';
import {
  MemoryStore,
  PcdWallet,
  PosTerminal,
  type ProcessorTrust,
  SoftwareKeystore,
} from '@settle/device-sdk';
import { exportTokenBindingKeyingMaterial, verifyTokenBindingMessage } from '@settle/token-binding';
import { type JWK, decodeJwt } from 'jose';
import {
  DeviceSession,
  type TlsEndpoint,
  fetchConfirmations,
  fetchReceiptKeys,
  fetchTransactionStatus,
  uploadBatchTransactionsMax,
  uploadPendingTransactions,
  uploadTransactions,
} from './index';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  readonly remotePort: number;
  readonly bindingVerified: boolean | null;
  readonly dpopNonce: string | null;
  readonly authorization: string | undefined;
  readonly traceparent: string | undefined;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

const paymentTimeMs = Date.parse('2026-11-28T07:41:00.000Z');
const trust: ProcessorTrust = {
  credentialKeys: [testPublicKey('processor')],
  receiptKeys: [testPublicKey('processor')],
  algorithms: ['ES256'],
  backend: 'native',
};
const processorJwk = (() => {
  const { d: _secret, ...publicJwk } = testPrivateJwks.processor;
  return publicJwk;
})();

describe('payment client (uploads, confirmations, receipt keys) against a local TLS 1.3 server', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'settle-verifier-client-'));
  const seen: Seen[] = [];
  let reply: (seenRequest: Seen) => Reply = () => ({ status: 500, body: {} });
  let server: Server;
  let endpoint: TlsEndpoint;
  const { privateJwk, publicJwk } = generateKeyPair('ES256');
  const bindingKeyId = calculateJwkThumbprint(publicJwk);

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const socket = request.socket as TLSSocket;
      const binding = request.headers['sec-token-binding'];
      const proof = request.headers['dpop'];
      const entry: Seen = {
        method: request.method ?? '',
        url: request.url ?? '',
        contentType: request.headers['content-type'],
        body: Buffer.concat(chunks),
        remotePort: socket.remotePort ?? 0,
        bindingVerified:
          typeof binding === 'string'
            ? verifyTokenBindingMessage({
                header: binding,
                ekm: exportTokenBindingKeyingMaterial(socket),
                allowedKeyParameters: ['ecdsap256'],
              }).ok
            : null,
        dpopNonce:
          typeof proof === 'string'
            ? ((decodeJwt(proof)['nonce'] as string | undefined) ?? null)
            : null,
        authorization: request.headers['authorization'],
        traceparent:
          typeof request.headers['traceparent'] === 'string'
            ? request.headers['traceparent']
            : undefined,
      };
      seen.push(entry);
      const answer: Reply =
        request.url === '/v1/sessions'
          ? {
              status: 201,
              body: {
                accessToken: `h.${randomBytes(6).toString('base64url')}.s`,
                tokenType: typeof proof === 'string' ? 'DPoP' : 'Bearer',
                expiresIn: 300,
                sessionId: 'ses_1',
              },
            }
          : reply(entry);
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(JSON.stringify(answer.body));
    });
  };

  beforeAll(async () => {
    execFileSync(
      process.execPath,
      [path.join(__dirname, '../../../scripts/dev-pki.mjs'), '--dir', directory],
      { stdio: 'pipe' },
    );
    server = createServer(
      {
        cert: readFileSync(path.join(directory, 'token-issuer.crt')),
        key: readFileSync(path.join(directory, 'token-issuer.key')),
        minVersion: 'TLSv1.3',
      },
      handle,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = {
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      servername: 'localhost',
      ca: readFileSync(path.join(directory, 'ca.crt')),
    };
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(directory, { recursive: true, force: true });
  });
  beforeEach(() => {
    seen.length = 0;
  });

  const newSession = (mode: 'token-binding' | 'dpop' = 'token-binding') =>
    new DeviceSession({
      issuer: endpoint,
      bindingKeyId,
      bindingPrivateJwk: privateJwk as JWK,
      mode,
    });
  const uploads = () => seen.filter((request) => request.url === '/v1/uploads');
  /** A 202 with one accepted receipt per transaction of the CBOR body, ids made up from the position. */
  const acceptEverything = (request: Seen): Reply => {
    const transactions = decodeCborStrict(new Uint8Array(request.body)) as Uint8Array[];
    const receipts = transactions.map((_bytes, index) => ({
      index,
      transactionId: `txn_${Buffer.alloc(32, index).toString('base64url')}`,
      status: 'accepted',
    }));
    return {
      status: 202,
      body: {
        batchId: `upl_${uploads().length}`,
        receivedAt: '2026-11-28T10:00:00.000Z',
        receipts,
      },
    };
  };

  it('uploads in CBOR batches of at most the batch limit, every batch on one socket with its binding, receipts in input order', async () => {
    reply = acceptEverything;
    const items = Array.from({ length: 2 * uploadBatchTransactionsMax + 3 }, (_unused, index) => ({
      index,
      bytes: new Uint8Array(randomBytes(40 + (index % 7))),
    }));
    const result = await uploadTransactions(newSession(), items, { verifier: endpoint });

    expect(result.batches.map((batch) => batch.size)).toEqual([
      uploadBatchTransactionsMax,
      uploadBatchTransactionsMax,
      3,
    ]);
    expect(result.transactions.map((uploaded) => uploaded.item.index)).toEqual(
      items.map((item) => item.index),
    );
    expect(result.transactions[uploadBatchTransactionsMax]).toMatchObject({
      batchId: 'upl_2',
      receipt: { index: 0, status: 'accepted' },
    });
    const sent = uploads();
    expect(
      sent.map((request) => [request.method, request.contentType, request.bindingVerified]),
    ).toEqual(Array(3).fill(['POST', 'application/cbor', true]));
    expect(new Set(sent.map((request) => request.remotePort)).size).toBe(1);
    const bodies = sent.flatMap(
      (request) => decodeCborStrict(new Uint8Array(request.body)) as Uint8Array[],
    );
    expect(bodies.map((bytes) => Buffer.from(bytes).toString('hex'))).toEqual(
      items.map((item) => Buffer.from(item.bytes).toString('hex')),
    );
  });

  it('sends nothing when there is nothing to upload', async () => {
    const result = await uploadTransactions(newSession(), [], { verifier: endpoint });
    expect(result).toEqual({ batches: [], transactions: [] });
    expect(uploads()).toEqual([]);
  });

  it('sends the same body again when a DPoP server asks for a nonce', async () => {
    const bytes = new Uint8Array(randomBytes(64));
    reply = (request) =>
      request.dpopNonce === 'nonce-7'
        ? acceptEverything(request)
        : {
            status: 401,
            body: { code: 'USE_DPOP_NONCE' },
            headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'nonce-7' },
          };
    const result = await uploadTransactions(newSession('dpop'), [{ bytes }], {
      verifier: endpoint,
    });
    expect(result.transactions).toHaveLength(1);
    const [first, second] = uploads();
    expect([first!.dpopNonce, second!.dpopNonce]).toEqual([null, 'nonce-7']);
    expect(second!.body.equals(first!.body)).toBe(true);
    expect(second!.authorization).toMatch(/^DPoP /);
  });

  it('surfaces a refused request with its problem code, retriability and Retry-After', async () => {
    reply = () => ({
      status: 429,
      body: { status: 429, code: 'RATE_LIMITED', detail: 'slow down' },
      headers: { 'retry-after': '3' },
    });
    await expect(
      uploadTransactions(newSession(), [{ bytes: Uint8Array.of(1) }], { verifier: endpoint }),
    ).rejects.toMatchObject({
      code: 'ERR_REQUEST_REFUSED',
      status: 429,
      problemCode: 'RATE_LIMITED',
      retriable: true,
      retryAfterMs: 3000,
    });
    reply = () => ({ status: 413, body: { status: 413, code: 'BATCH_TOO_LARGE' } });
    await expect(
      uploadTransactions(newSession(), [{ bytes: Uint8Array.of(1) }], { verifier: endpoint }),
    ).rejects.toMatchObject({
      code: 'ERR_REQUEST_REFUSED',
      status: 413,
      problemCode: 'BATCH_TOO_LARGE',
      retriable: false,
    });
  });

  it('refuses an answer without one receipt per transaction', async () => {
    reply = () => ({
      status: 202,
      body: {
        batchId: 'upl_1',
        receivedAt: '2026-11-28T10:00:00.000Z',
        receipts: [{ index: 0, transactionId: null, status: 'accepted' }],
      },
    });
    await expect(
      uploadTransactions(newSession(), [{ bytes: Uint8Array.of(1) }, { bytes: Uint8Array.of(2) }], {
        verifier: endpoint,
      }),
    ).rejects.toMatchObject({ code: 'ERR_RESPONSE_INVALID' });
  });

  it('uploads what a real POS queued, then takes it off the queue with the verified confirmation; the cursor stops before one that does not verify', async () => {
    const { pos, transactionId } = await posWithOnePayment();
    reply = acceptEverything;
    const uploaded = await uploadPendingTransactions(newSession(), pos, { verifier: endpoint });
    expect(uploaded.transactions).toHaveLength(1);
    expect(
      Buffer.from(uploaded.transactions[0]!.item.bytes).equals(
        Buffer.from((decodeCborStrict(new Uint8Array(uploads()[0]!.body)) as Uint8Array[])[0]!),
      ),
    ).toBe(true);

    const confirmation = (
      fields: Partial<ProcessorConfirmation>,
      signer = testSigner('processor'),
    ) =>
      Buffer.from(
        signProcessorConfirmation(
          {
            transactionId,
            terminalId: fixtureTerminalCredential.terminalId,
            amount: 1250n,
            currency: 'EUR',
            outcome: 'accepted',
            reasonCode: null,
            confirmedAtMs: paymentTimeMs + 60_000,
            ...fields,
          },
          signer,
        ),
      ).toString('base64url');
    const listed = [
      {
        cursor: '4',
        transactionId: formatTransactionId(transactionId),
        status: 'settled',
        reasonCode: null,
        confirmation: confirmation({}),
      },
      {
        cursor: '7',
        transactionId: `txn_${Buffer.alloc(32, 9).toString('base64url')}`,
        status: 'rejected',
        reasonCode: 'COUNTER_REUSED',
        confirmation: confirmation({
          transactionId: new Uint8Array(32).fill(9),
          outcome: 'rejected',
          reasonCode: 'COUNTER_REUSED',
        }),
      },
      // Signed by a key the terminal does not trust as a receipt key (as after an unseen rotation).
      {
        cursor: '9',
        transactionId: formatTransactionId(transactionId),
        status: 'settled',
        reasonCode: null,
        confirmation: confirmation({}, testSigner('terminal')),
      },
      {
        cursor: '12',
        transactionId: formatTransactionId(transactionId),
        status: 'settled',
        reasonCode: null,
        confirmation: confirmation({}),
      },
    ];
    reply = (request) => {
      const query = new URL(request.url, 'https://localhost').searchParams;
      const after = BigInt(query.get('after') ?? '0');
      const page = listed
        .filter((entry) => BigInt(entry.cursor) > after)
        .slice(0, Number(query.get('limit')));
      return {
        status: 200,
        body: { confirmations: page, nextCursor: page.at(-1)?.cursor ?? String(after) },
      };
    };
    expect(pos.pendingUploads()).toHaveLength(1);
    const fetched = await fetchConfirmations(newSession(), pos, {
      verifier: endpoint,
      after: '0',
      pageSize: 2,
    });

    expect(fetched).toMatchObject({ nextCursor: '7', complete: false });
    expect(
      fetched.confirmations.map((entry) => [
        entry.cursor,
        entry.result.ok ? 'ok' : entry.result.code,
      ]),
    ).toEqual([
      ['4', 'ok'],
      ['7', 'TRANSACTION_UNKNOWN'],
    ]);
    expect(pos.pendingUploads()).toEqual([]);
    const asked = seen.filter((request) => request.url.startsWith('/v1/confirmations'));
    expect(asked.map((request) => [request.url, request.bindingVerified])).toEqual([
      ['/v1/confirmations?after=0&limit=2', true],
      ['/v1/confirmations?after=7&limit=2', true],
    ]);

    // Once the list ends with a short page, the fetch is complete and the cursor is the last one.
    listed.splice(2, 1);
    const rest = await fetchConfirmations(newSession(), pos, {
      verifier: endpoint,
      after: fetched.nextCursor,
      pageSize: 2,
    });
    expect(rest).toMatchObject({
      nextCursor: '12',
      complete: true,
      confirmations: [{ cursor: '12', result: { ok: true } }],
    });
  });

  it('refuses a confirmation page whose cursors go backwards', async () => {
    reply = () => ({
      status: 200,
      body: {
        confirmations: [
          {
            cursor: '3',
            transactionId: 'txn_x',
            status: 'settled',
            reasonCode: null,
            confirmation: 'AA',
          },
        ],
        nextCursor: '3',
      },
    });
    const sink = { acceptConfirmation: jest.fn() };
    await expect(
      fetchConfirmations(newSession(), sink, { verifier: endpoint, after: '5' }),
    ).rejects.toMatchObject({ code: 'ERR_RESPONSE_INVALID' });
    expect(sink.acceptConfirmation).not.toHaveBeenCalled();
  });

  it('reads receipt keys whose kid is their thumbprint (without a token), and refuses one whose kid is not', async () => {
    const kid = calculateJwkThumbprint(processorJwk);
    reply = () => ({
      status: 200,
      body: { keys: [{ ...processorJwk, kid, alg: 'ES256', use: 'sig' }] },
    });
    const keys = await fetchReceiptKeys(newSession(), { verifier: endpoint });
    expect(keys.map((key) => Buffer.from(key.keyId).toString('base64url'))).toEqual([kid]);
    expect(seen.at(-1)).toMatchObject({ url: '/v1/receipt-keys', authorization: undefined });

    reply = () => ({
      status: 200,
      body: { keys: [{ ...processorJwk, kid: 'another', alg: 'ES256', use: 'sig' }] },
    });
    await expect(fetchReceiptKeys(newSession(), { verifier: endpoint })).rejects.toMatchObject({
      code: 'ERR_RESPONSE_INVALID',
    });
  });

  it('sends the caller’s extra headers (a traceparent) with every request, never in place of its own authorization', async () => {
    const transactionId = `txn_${Buffer.alloc(32, 3).toString('base64url')}`;
    reply = (request) =>
      request.url === '/v1/uploads'
        ? acceptEverything(request)
        : request.url.startsWith('/v1/confirmations')
          ? { status: 200, body: { confirmations: [], nextCursor: '0' } }
          : {
              status: 200,
              body: {
                transactionId,
                status: 'received',
                reasonCode: null,
                uploadedAt: '2026-11-28T10:00:00.000Z',
                decidedAt: null,
                settledAt: null,
                confirmation: null,
              },
            };
    const traceparent = `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`;
    const options = {
      verifier: endpoint,
      headers: { traceparent, authorization: 'Bearer not-mine' },
    };
    const session = newSession();
    await uploadTransactions(session, [{ bytes: new Uint8Array(randomBytes(40)) }], options);
    await fetchConfirmations(
      session,
      { acceptConfirmation: async () => ({ ok: true, value: null }) },
      options,
    );
    await fetchTransactionStatus(session, transactionId, options);
    const resourceRequests = seen.filter((request) => request.url !== '/v1/sessions');
    expect(
      resourceRequests.map((request) => [request.url.split('?')[0], request.traceparent]),
    ).toEqual([
      ['/v1/uploads', traceparent],
      ['/v1/confirmations', traceparent],
      [`/v1/transactions/${transactionId}`, traceparent],
    ]);
    expect(
      resourceRequests.every(
        (request) =>
          request.authorization !== 'Bearer not-mine' && request.bindingVerified === true,
      ),
    ).toBe(true);
  });

  it('reads a transaction status, and null for a transaction the verifier does not know for this caller', async () => {
    const transactionId = `txn_${Buffer.alloc(32, 1).toString('base64url')}`;
    reply = (request) =>
      request.url === `/v1/transactions/${transactionId}`
        ? {
            status: 200,
            body: {
              transactionId,
              status: 'rejected',
              reasonCode: 'KEY_NOT_ACTIVE',
              uploadedAt: '2026-11-28T10:00:00.000Z',
              decidedAt: '2026-11-28T10:00:01.000Z',
              settledAt: null,
              confirmation: 'AA',
            },
          }
        : { status: 404, body: { status: 404, code: 'TRANSACTION_NOT_FOUND' } };
    expect(
      await fetchTransactionStatus(newSession(), transactionId, { verifier: endpoint }),
    ).toMatchObject({ status: 'rejected', reasonCode: 'KEY_NOT_ACTIVE' });
    expect(
      await fetchTransactionStatus(
        newSession(),
        `txn_${Buffer.alloc(32, 2).toString('base64url')}`,
        { verifier: endpoint },
      ),
    ).toBeNull();
  });
});

/** The fixtures' terminal with one payment of a fresh phone in its queue (at the fixtures' time). */
async function posWithOnePayment(): Promise<{ pos: PosTerminal; transactionId: Uint8Array }> {
  const terminalSigner = testSigner('terminal');
  const pos = await PosTerminal.open({
    store: new MemoryStore(),
    terminalKey: {
      alg: terminalSigner.alg,
      keyId: terminalSigner.keyId,
      sign: async (data) => terminalSigner.sign(data),
    },
    terminalCredentialBytes: readProtocolFixture('terminal-credential'),
    trust,
  });
  const phoneStore = new MemoryStore();
  const wallet = await PcdWallet.open({
    store: phoneStore,
    keystore: new SoftwareKeystore({
      store: phoneStore,
      authenticateUser: async () => true,
      backend: 'native',
    }),
    trust,
  });
  const paymentKey = await wallet.createPaymentKey('ES256');
  const stored = await wallet.storeDeviceCredential(
    signDeviceCredential({ ...fixtureDeviceCredential, paymentKey }, testSigner('processor')),
    paymentTimeMs,
  );
  if (!stored.ok) throw new Error(stored.message);
  const created = pos.createRequest({
    amount: 1250n,
    currency: 'EUR',
    nonce: new Uint8Array(randomBytes(16)),
    nowMs: paymentTimeMs,
    validityMs: 120_000,
  });
  const presented = await wallet.presentRequest({
    requestBytes: created.requestBytes,
    terminalCredentialBytes: created.terminalCredentialBytes,
    nowMs: paymentTimeMs,
  });
  if (!presented.ok) throw new Error(presented.message);
  const approved = await wallet.approve(presented.value, {
    nowMs: paymentTimeMs + 1_000,
    prompt: { title: 'Pay', subtitle: 'test' },
  });
  if (!approved.ok) throw new Error(approved.message);
  const accepted = await pos.acceptAuthorization({
    requestBytes: created.requestBytes,
    authorizationBytes: approved.value.authorizationBytes,
    deviceCredentialBytes: approved.value.deviceCredentialBytes,
    nowMs: paymentTimeMs + 2_000,
  });
  if (!accepted.ok) throw new Error(accepted.message);
  return { pos, transactionId: accepted.value.transactionId };
}
