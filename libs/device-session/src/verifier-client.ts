import { type ProtocolPublicKey, protocolPublicKey } from '@settle/protocol';
import { encodeCborDeterministic } from '@settle/crypto';
import { type DeviceResult, type QueuedTransaction } from '@settle/device-sdk';
import { type BoundConnection, type HttpAnswer, type TlsEndpoint } from './bound-connection';
import { type DeviceSession } from './device-session';
import { DeviceSessionError } from './errors';

// The payment path's online half (docs/verifier.md): the POS uploads the transactions its queue holds,
// terminal and phone fetch their signed confirmations since a cursor and hand each to the device SDK,
// which verifies it offline with the receipt keys fetched here. Every request goes over a bound
// connection with the session's token (token binding or DPoP, as the session is configured).

/**
 * Most transactions one upload request carries: at most the verifier's own limit
 * (`uploadBatchTransactionsMax` of apps/verifier), so a full queue goes up in several batches.
 *
 * @example
 * ```ts
 * const batches = Math.ceil(pos.pendingUploads().length / uploadBatchTransactionsMax);
 * ```
 */
export const uploadBatchTransactionsMax = 100;

/**
 * Most bytes one upload body (the CBOR array) may take; a batch closes before the next transaction
 * would cross it. 100 transactions of the protocol's largest size (512 bytes) stay below it.
 *
 * @example
 * ```ts
 * encodeCborDeterministic(batch).length <= uploadBatchBodyBytesMax;
 * ```
 */
export const uploadBatchBodyBytesMax = 65_536;

/**
 * Confirmations asked for per page (the verifier answers at most 500).
 *
 * @example
 * ```ts
 * await fetchConfirmations(session, pos, { verifier, after: cursor, pageSize: confirmationsPageSizeDefault });
 * ```
 */
export const confirmationsPageSizeDefault = 100;

/**
 * Pages one {@link fetchConfirmations} call reads at most before it returns (`complete: false`): bounds
 * one call's time; the next call goes on from the cursor it returned.
 *
 * @example
 * ```ts
 * if (!fetched.complete) await fetchConfirmations(session, pos, { verifier, after: fetched.nextCursor });
 * ```
 */
export const confirmationPagesPerFetchMax = 50;

/** CBOR header bytes of one byte string of up to 4 GiB, and of the array: a safe bound per item. */
const cborHeaderBytesMax = 9;
const cursorPattern = /^(0|[1-9][0-9]{0,19})$/;
const transactionIdPattern = /^txn_[A-Za-z0-9_-]{43}$/;

/**
 * Where the verifier is: its TLS endpoint and, for DPoP, the URL proofs name (its external base URL;
 * default `https://<servername>:<port>`).
 *
 * @example
 * ```ts
 * const options: VerifierClientOptions = { verifier: { host: '127.0.0.1', port: 3003, servername: 'localhost', ca } };
 * ```
 */
export interface VerifierClientOptions {
  readonly verifier: TlsEndpoint;
  readonly verifierUrl?: string;
  /**
   * Extra headers on every request to the verifier, e.g. a W3C `traceparent` so the verifier's spans
   * join the caller's trace (the demo traces one payment this way). Never authorization headers:
   * the session adds those.
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The verifier's answer for one uploaded transaction (docs/verifier.md, "Upload").
 *
 * @example
 * ```ts
 * if (receipt.status === 'refused' && receipt.retryable) keepForTheNextUpload();
 * ```
 */
export interface UploadReceipt {
  readonly index: number;
  readonly transactionId: string | null;
  readonly status: 'accepted' | 'refused';
  /** The transaction was known already with the same content: accepted, nothing new done. */
  readonly duplicate?: boolean;
  readonly code?: string;
  readonly field?: string;
  readonly message?: string;
  /** A refusal that may pass later (e.g. the consumer's key not yet known to the verifier). */
  readonly retryable?: boolean;
}

/**
 * One uploaded item with the batch it went in and its receipt.
 *
 * @example
 * ```ts
 * const refused = result.transactions.filter(({ receipt }) => receipt.status === 'refused');
 * ```
 */
export interface UploadedItem<TItem> {
  readonly item: TItem;
  readonly batchId: string;
  readonly receipt: UploadReceipt;
}

/**
 * What an upload did: the batches sent and every item's receipt, in input order.
 *
 * @example
 * ```ts
 * const { batches, transactions }: UploadResult<QueuedTransaction> = await uploadPendingTransactions(session, pos, options);
 * ```
 */
export interface UploadResult<TItem> {
  readonly batches: ReadonlyArray<{
    readonly batchId: string;
    readonly receivedAt: string;
    readonly size: number;
  }>;
  readonly transactions: ReadonlyArray<UploadedItem<TItem>>;
}

/**
 * Uploads offline transactions (each exactly as the POS queue holds it) to `POST /v1/uploads` as CBOR,
 * in batches of at most {@link uploadBatchTransactionsMax} and {@link uploadBatchBodyBytesMax}, over one
 * bound connection (a new one if the verifier closed it). Safe to repeat: the same batch answers the
 * receipts it got the first time, a transaction uploaded before in another batch `accepted` with
 * `duplicate: true`; nothing is done twice. A refusal of the whole request (401, 413, 429 …) throws
 * `ERR_REQUEST_REFUSED` with the problem code (and `retryAfterMs`); batches before it were stored.
 *
 * @example
 * ```ts
 * const result = await uploadTransactions(session, [{ bytes: offlineTransactionBytes }], { verifier });
 * ```
 */
export async function uploadTransactions<TItem extends { readonly bytes: Uint8Array }>(
  session: DeviceSession,
  items: readonly TItem[],
  options: VerifierClientOptions,
): Promise<UploadResult<TItem>> {
  const batches: Array<UploadResult<TItem>['batches'][number]> = [];
  const transactions: Array<UploadedItem<TItem>> = [];
  let connection: BoundConnection | undefined;
  try {
    for (const batch of batchesOf(items)) {
      if (connection === undefined || connection.closed)
        connection = await session.connect(options.verifier);
      const answer = await session.send(connection, {
        method: 'POST',
        path: '/v1/uploads',
        url: urlOf(options, '/v1/uploads'),
        headers: { ...options.headers, accept: 'application/json' },
        body: {
          contentType: 'application/cbor',
          bytes: encodeCborDeterministic(batch.map((item) => item.bytes)),
        },
      });
      const accepted = readUploadAnswer(answer, batch.length);
      batches.push({
        batchId: accepted.batchId,
        receivedAt: accepted.receivedAt,
        size: batch.length,
      });
      batch.forEach((item, index) =>
        transactions.push({ item, batchId: accepted.batchId, receipt: accepted.receipts[index]! }),
      );
    }
  } finally {
    connection?.close();
  }
  return { batches, transactions };
}

/**
 * Uploads what the terminal holds for upload (`PosTerminal.pendingUploads()`, oldest first). The
 * queue is not changed: a transaction leaves it when its confirmation arrives
 * ({@link fetchConfirmations}), so one refused as retryable goes up again next time.
 *
 * @example
 * ```ts
 * const { transactions } = await uploadPendingTransactions(session, pos, { verifier });
 * ```
 */
export function uploadPendingTransactions(
  session: DeviceSession,
  pos: { pendingUploads(): QueuedTransaction[] },
  options: VerifierClientOptions,
): Promise<UploadResult<QueuedTransaction>> {
  return uploadTransactions(session, pos.pendingUploads(), options);
}

function batchesOf<TItem extends { readonly bytes: Uint8Array }>(
  items: readonly TItem[],
): TItem[][] {
  const batches: TItem[][] = [];
  let current: TItem[] = [];
  let currentBytes = cborHeaderBytesMax;
  for (const item of items) {
    const itemBytes = item.bytes.length + cborHeaderBytesMax;
    if (
      current.length > 0 &&
      (current.length >= uploadBatchTransactionsMax ||
        currentBytes + itemBytes > uploadBatchBodyBytesMax)
    ) {
      batches.push(current);
      current = [];
      currentBytes = cborHeaderBytesMax;
    }
    current.push(item);
    currentBytes += itemBytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function readUploadAnswer(
  answer: HttpAnswer,
  size: number,
): { batchId: string; receivedAt: string; receipts: UploadReceipt[] } {
  const body = acceptedJson(answer, 202, 'upload');
  const receipts = body['receipts'];
  if (
    typeof body['batchId'] !== 'string' ||
    typeof body['receivedAt'] !== 'string' ||
    !Array.isArray(receipts) ||
    receipts.length !== size
  ) {
    throw invalidAnswer(
      'upload',
      `the answer lacks batchId or receivedAt, or has not one receipt for each of the ${size} transactions`,
      answer.status,
    );
  }
  receipts.forEach((receipt: unknown, index) => {
    const candidate = receipt as Partial<UploadReceipt> | null;
    const shaped =
      candidate !== null &&
      candidate.index === index &&
      (candidate.status === 'accepted' ||
        (candidate.status === 'refused' && typeof candidate.code === 'string')) &&
      (candidate.transactionId === null ||
        (typeof candidate.transactionId === 'string' &&
          transactionIdPattern.test(candidate.transactionId)));
    if (!shaped)
      throw invalidAnswer(
        'upload',
        `receipt ${index} is not a receipt of transaction ${index}`,
        answer.status,
      );
  });
  return {
    batchId: body['batchId'],
    receivedAt: body['receivedAt'],
    receipts: receipts as UploadReceipt[],
  };
}

/**
 * Takes a processor confirmation: `PosTerminal` and `PcdWallet` verify it offline with the receipt
 * keys they trust and record it (`CONFIRMATION_INVALID` when it does not verify).
 *
 * @example
 * ```ts
 * const sink: ConfirmationSink<ProcessorConfirmation> = pos;
 * ```
 */
export interface ConfirmationSink<TValue> {
  acceptConfirmation(confirmationBytes: Uint8Array): Promise<DeviceResult<TValue>>;
}

/**
 * One confirmation fetched, as the verifier listed it, and what the device SDK made of it.
 *
 * @example
 * ```ts
 * const settled = fetched.confirmations.filter((item) => item.result.ok && item.status === 'settled');
 * ```
 */
export interface FetchedConfirmation<TValue> {
  readonly cursor: string;
  readonly transactionId: string;
  readonly status: string;
  readonly reasonCode: string | null;
  readonly confirmationBytes: Uint8Array;
  readonly result: DeviceResult<TValue>;
}

/**
 * The result of {@link fetchConfirmations}: keep `nextCursor` durably and pass it next time.
 *
 * @example
 * ```ts
 * await store.write('confirmations.cursor', new TextEncoder().encode(fetched.nextCursor));
 * ```
 */
export interface ConfirmationsFetched<TValue> {
  readonly confirmations: ReadonlyArray<FetchedConfirmation<TValue>>;
  readonly nextCursor: string;
  /**
   * False when the call stopped early: a confirmation did not verify (`CONFIRMATION_INVALID`: fetch
   * the receipt keys again, reopen the SDK with them, and fetch from `nextCursor`, which stays before
   * it), or {@link confirmationPagesPerFetchMax} pages were read.
   */
  readonly complete: boolean;
}

/**
 * Fetches the caller's confirmations after `after` (`GET /v1/confirmations`, the terminal's or the
 * phone's own, by its token) page by page and hands each to `sink` in cursor order. The cursor moves
 * past a confirmation the SDK accepted or cannot use for good (e.g. `TRANSACTION_UNKNOWN`), never past
 * one that failed to verify.
 *
 * @example
 * ```ts
 * const fetched = await fetchConfirmations(session, pos, { verifier, after: storedCursor });
 * ```
 */
export async function fetchConfirmations<TValue>(
  session: DeviceSession,
  sink: ConfirmationSink<TValue>,
  options: VerifierClientOptions & { readonly after?: string; readonly pageSize?: number },
): Promise<ConfirmationsFetched<TValue>> {
  const pageSize = options.pageSize ?? confirmationsPageSizeDefault;
  let cursor = options.after ?? '0';
  if (!cursorPattern.test(cursor))
    throw new TypeError(`a confirmation cursor is a decimal string, not ${cursor}`);
  const confirmations: Array<FetchedConfirmation<TValue>> = [];
  const connection = await session.connect(options.verifier);
  try {
    for (let page = 0; page < confirmationPagesPerFetchMax; page++) {
      const path = `/v1/confirmations?after=${cursor}&limit=${pageSize}`;
      const answer = await session.send(connection, {
        method: 'GET',
        path,
        url: urlOf(options, '/v1/confirmations'),
        headers: { ...options.headers, accept: 'application/json' },
      });
      const listed = readConfirmationsPage(answer, cursor);
      for (const entry of listed.entries) {
        const result = await sink.acceptConfirmation(entry.confirmationBytes);
        if (!result.ok && result.code === 'CONFIRMATION_INVALID')
          return { confirmations, nextCursor: cursor, complete: false };
        confirmations.push({ ...entry, result });
        cursor = entry.cursor;
      }
      cursor = listed.nextCursor;
      if (listed.entries.length < pageSize)
        return { confirmations, nextCursor: cursor, complete: true };
    }
  } finally {
    connection.close();
  }
  return { confirmations, nextCursor: cursor, complete: false };
}

type ListedConfirmation = Omit<FetchedConfirmation<never>, 'result'>;

function readConfirmationsPage(
  answer: HttpAnswer,
  after: string,
): { entries: ListedConfirmation[]; nextCursor: string } {
  const body = acceptedJson(answer, 200, 'confirmations');
  const listed = body['confirmations'];
  const nextCursor = body['nextCursor'];
  if (!Array.isArray(listed) || typeof nextCursor !== 'string' || !cursorPattern.test(nextCursor)) {
    throw invalidAnswer(
      'confirmations',
      'the answer lacks confirmations or a decimal nextCursor',
      answer.status,
    );
  }
  let previous = BigInt(after);
  const entries = listed.map((raw: unknown, index): ListedConfirmation => {
    const item = (raw ?? {}) as Record<string, unknown>;
    const { cursor, transactionId, status, reasonCode, confirmation } = item;
    if (typeof cursor !== 'string' || !cursorPattern.test(cursor) || BigInt(cursor) <= previous) {
      throw invalidAnswer(
        'confirmations',
        `entry ${index}: its cursor ${JSON.stringify(cursor)} is not a decimal after ${previous}`,
        answer.status,
      );
    }
    const shaped =
      typeof transactionId === 'string' &&
      typeof status === 'string' &&
      (reasonCode === null || typeof reasonCode === 'string') &&
      typeof confirmation === 'string' &&
      /^[A-Za-z0-9_-]+$/.test(confirmation);
    if (!shaped)
      throw invalidAnswer(
        'confirmations',
        `entry ${index} (cursor ${cursor}) lacks transactionId, status, reasonCode or a base64url confirmation`,
        answer.status,
      );
    previous = BigInt(cursor);
    return {
      cursor,
      transactionId,
      status,
      reasonCode,
      confirmationBytes: new Uint8Array(Buffer.from(confirmation, 'base64url')),
    };
  });
  if (BigInt(nextCursor) < previous)
    throw invalidAnswer(
      'confirmations',
      'nextCursor lies before the last confirmation listed',
      answer.status,
    );
  return { entries, nextCursor };
}

/**
 * The receipt keys the verifier publishes (`GET /v1/receipt-keys`, public): what `ProcessorTrust.receiptKeys`
 * must hold for confirmations to verify offline, the next key ahead of its use and retired ones during
 * the overlap. Each key's `kid` must be its RFC 7638 thumbprint (the COSE kid confirmations carry).
 *
 * @example
 * ```ts
 * const trust: ProcessorTrust = { credentialKeys, receiptKeys: await fetchReceiptKeys(session, { verifier }), algorithms: ['ES256'], backend: 'native' };
 * ```
 */
export function fetchReceiptKeys(
  session: DeviceSession,
  options: VerifierClientOptions,
): Promise<ProtocolPublicKey[]> {
  return fetchProcessorKeys(session, options.verifier, '/v1/receipt-keys');
}

/**
 * The processor's credential keys the registry publishes (`GET /v1/credential-keys`, public): what
 * `ProcessorTrust.credentialKeys` must hold for terminal and device credentials to verify offline.
 *
 * @example
 * ```ts
 * const credentialKeys = await fetchCredentialKeys(session, { registry });
 * ```
 */
export function fetchCredentialKeys(
  session: DeviceSession,
  options: { readonly registry: TlsEndpoint },
): Promise<ProtocolPublicKey[]> {
  return fetchProcessorKeys(session, options.registry, '/v1/credential-keys');
}

async function fetchProcessorKeys(
  session: DeviceSession,
  endpoint: TlsEndpoint,
  path: string,
): Promise<ProtocolPublicKey[]> {
  // A public route: no token is sent, the connection is the session's like any other.
  const connection = await session.connect(endpoint);
  let answer: HttpAnswer;
  try {
    answer = await connection.request({
      method: 'GET',
      path,
      headers: { accept: 'application/json' },
    });
  } finally {
    connection.close();
  }
  const keys = acceptedJson(answer, 200, path)['keys'];
  if (!Array.isArray(keys) || keys.length === 0)
    throw invalidAnswer(path, 'the answer is not a JWK Set with keys', answer.status);
  return keys.map((raw: unknown, index) => {
    const { kid, use, kty, crv, x, y } = (raw ?? {}) as Record<string, unknown>;
    let key: ProtocolPublicKey;
    try {
      key = protocolPublicKey({ kty, crv, x, ...(y === undefined ? {} : { y }) });
    } catch (error) {
      throw invalidAnswer(
        path,
        `key ${index} is not a public key: ${(error as Error).message}`,
        answer.status,
      );
    }
    if (
      (use !== undefined && use !== 'sig') ||
      kid !== Buffer.from(key.keyId).toString('base64url')
    ) {
      throw invalidAnswer(
        path,
        `key ${index}: its kid is not its thumbprint, or it is not a signing key`,
        answer.status,
      );
    }
    return key;
  });
}

/**
 * One transaction's state at the verifier (`GET /v1/transactions/{id}`).
 *
 * @example
 * ```ts
 * if (status?.status === 'settled') showPaid();
 * ```
 */
export interface TransactionStatus {
  readonly transactionId: string;
  readonly status: 'received' | 'verified' | 'rejected' | 'settled' | 'settlement-failed';
  readonly reasonCode: string | null;
  readonly uploadedAt: string;
  readonly decidedAt: string | null;
  readonly settledAt: string | null;
  /** base64url of the signed confirmation, once final. */
  readonly confirmation: string | null;
}

const transactionStatuses: ReadonlyArray<TransactionStatus['status']> = [
  'received',
  'verified',
  'rejected',
  'settled',
  'settlement-failed',
];

/**
 * The verifier's state of one of the caller's transactions (`txn_…`), or `null` when it does not
 * know it for this caller (404).
 *
 * @example
 * ```ts
 * const status = await fetchTransactionStatus(session, formatTransactionId(entry.transactionId), { verifier });
 * ```
 */
export async function fetchTransactionStatus(
  session: DeviceSession,
  transactionId: string,
  options: VerifierClientOptions,
): Promise<TransactionStatus | null> {
  if (!transactionIdPattern.test(transactionId))
    throw new TypeError(`not a transaction id: ${transactionId}`);
  const path = `/v1/transactions/${transactionId}`;
  const connection = await session.connect(options.verifier);
  let answer: HttpAnswer;
  try {
    answer = await session.send(connection, {
      method: 'GET',
      path,
      url: urlOf(options, path),
      headers: { ...options.headers, accept: 'application/json' },
    });
  } finally {
    connection.close();
  }
  if (answer.status === 404) return null;
  const body = acceptedJson(answer, 200, 'transaction status');
  if (
    body['transactionId'] !== transactionId ||
    !transactionStatuses.includes(body['status'] as TransactionStatus['status'])
  ) {
    throw invalidAnswer(
      'transaction status',
      'the answer names another transaction or an unknown status',
      answer.status,
    );
  }
  return body as unknown as TransactionStatus;
}

function urlOf(options: VerifierClientOptions, path: string): string {
  const { verifier } = options;
  return `${options.verifierUrl ?? `https://${verifier.servername ?? verifier.host}:${verifier.port}`}${path}`;
}

/** The answer's JSON object when its status is `expected`; otherwise the server's refusal as an error. */
function acceptedJson(answer: HttpAnswer, expected: number, what: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch (error) {
    if (answer.status === expected)
      throw invalidAnswer(what, 'the answer is not JSON', answer.status, error);
  }
  if (answer.status !== expected) throw refusal(answer, body, what);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidAnswer(what, 'the answer is not a JSON object', answer.status);
  return body as Record<string, unknown>;
}

function refusal(answer: HttpAnswer, body: unknown, what: string): DeviceSessionError {
  const problem = (typeof body === 'object' && body !== null ? body : {}) as Record<
    string,
    unknown
  >;
  const problemCode = typeof problem['code'] === 'string' ? problem['code'] : undefined;
  const retryAfter = answer.headers['retry-after'];
  const retryAfterSeconds =
    typeof retryAfter === 'string' && /^[0-9]{1,9}$/.test(retryAfter)
      ? Number(retryAfter)
      : undefined;
  return new DeviceSessionError(
    'ERR_REQUEST_REFUSED',
    `${what} refused: ${answer.status} ${problemCode ?? ''} ${String(problem['detail'] ?? '')}`.trim(),
    {
      retriable: answer.status === 429 || answer.status >= 500,
      status: answer.status,
      ...(problemCode === undefined ? {} : { problemCode }),
      ...(retryAfterSeconds === undefined ? {} : { retryAfterMs: retryAfterSeconds * 1000 }),
    },
  );
}

function invalidAnswer(
  what: string,
  detail: string,
  status: number,
  cause?: unknown,
): DeviceSessionError {
  return new DeviceSessionError('ERR_RESPONSE_INVALID', `${what}: ${detail} (status ${status})`, {
    retriable: false,
    status,
    ...(cause === undefined ? {} : { cause }),
  });
}
