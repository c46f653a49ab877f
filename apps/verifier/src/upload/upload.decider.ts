// The upload's rules, pure: what one transaction of a batch is before anything is stored (refused,
// or a candidate for its row), and what it is once the stored state is known. Time, the caller and
// the stored state are passed in. docs/verifier.md, "Upload", lists the checks in this order.
import { type KeyPurpose } from '@settle/contracts';
import {
  decodeOfflineTransaction,
  formatTransactionId,
  type OfflineTransaction,
} from '@settle/protocol';
import { base64UrlEncode, equalBytes, sha256Concat } from '@settle/crypto';
import { uploadReceiptMessageLengthMax, uploadTransactionSizeMaxBytes } from './upload-limits';
import { acceptance, refusal, type UploadReceipt, type UploadRefusal } from './upload-receipts';

/** Who uploads: the bound token's terminal (subject) and its merchant (owner). */
export interface UploadCaller {
  readonly terminalId: string;
  readonly merchantId: string;
}

/** A transaction that passed the checks of its own bytes: what its row and its event are made of. */
export interface UploadCandidate {
  readonly index: number;
  /** `txn_…` */
  readonly transactionId: string;
  /** Exactly as received. */
  readonly bytes: Uint8Array;
  readonly transaction: OfflineTransaction;
  /** See {@link uploadContentDigest}. */
  readonly contentDigest: Uint8Array;
  /** base64url of the authorization's 32-byte kid: the verifier_keys id of the consumer's payment key. */
  readonly consumerKeyId: string;
  /** base64url of the merchant approval's 32-byte kid: the verifier_keys id of the terminal's payment key. */
  readonly terminalKeyId: string;
}

export type Screening =
  | { readonly ok: true; readonly candidate: UploadCandidate }
  | { readonly ok: false; readonly receipt: UploadRefusal };

const batchIdLabel = new TextEncoder().encode('settle/upload-batch/v1');
const contentDigestLabel = new TextEncoder().encode('settle/upload-content/v1');

/** 4-byte big-endian length: what makes the concatenations below unambiguous. */
function lengthPrefix(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0 || length > 0xffffffff)
    throw new Error(`lengthPrefix: ${length} does not fit 32 bits`);
  return Uint8Array.of(length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
}

/**
 * The batch id: `upl_` + base64url SHA-256 over the terminal and the transactions' bytes in order,
 * each length-prefixed. The same batch sent again by the same terminal has the same id.
 *
 * @example
 * uploadBatchId('ter_1', [bytes]); // 'upl_…' (47 characters)
 */
export function uploadBatchId(terminalId: string, transactions: readonly Uint8Array[]): string {
  const terminal = new TextEncoder().encode(terminalId);
  const parts: Uint8Array[] = [
    batchIdLabel,
    lengthPrefix(terminal.length),
    terminal,
    lengthPrefix(transactions.length),
  ];
  for (const bytes of transactions) parts.push(lengthPrefix(bytes.length), bytes);
  return `upl_${base64UrlEncode(sha256Concat(parts))}`;
}

/**
 * SHA-256 over what was signed, never the signatures: the request bytes, the authorization's and
 * the approval's protected headers, each length-prefixed after a label. Equal for a malleated
 * (s, n − s) signature of the same content; different when the terminal approved the same
 * authorization twice (another time or key) — the only way one transaction id gets two contents.
 *
 * @example
 * equalBytes(uploadContentDigest(a), uploadContentDigest(b)); // same transaction, same content
 */
export function uploadContentDigest(
  transaction: Pick<OfflineTransaction, 'requestBytes' | 'authorization' | 'approval'>,
): Uint8Array {
  const parts = [
    transaction.requestBytes,
    transaction.authorization.protectedHeaderBytes,
    transaction.approval.protectedHeaderBytes,
  ];
  return sha256Concat([
    contentDigestLabel,
    ...parts.flatMap((part) => [lengthPrefix(part.length), part]),
  ]);
}

/**
 * Checks one transaction's own bytes against the caller: size, structure, terminal, merchant. The
 * first failing check is the receipt; nothing about the transaction is stored for it.
 */
export function screenTransaction(
  bytes: Uint8Array,
  index: number,
  caller: UploadCaller,
): Screening {
  if (bytes.length > uploadTransactionSizeMaxBytes) {
    return refused(
      refusal(
        index,
        null,
        'TRANSACTION_TOO_LARGE',
        '',
        `${bytes.length} bytes: at most ${uploadTransactionSizeMaxBytes} (uploadTransactionSizeMaxBytes)`,
      ),
    );
  }
  const decoded = decodeOfflineTransaction(bytes);
  if (!decoded.ok)
    return refused(
      refusal(
        index,
        null,
        'TRANSACTION_MALFORMED',
        decoded.field,
        bounded(`${decoded.code}: ${decoded.message}`),
      ),
    );
  const transaction = decoded.value;
  const transactionId = formatTransactionId(transaction.transactionId);
  if (transaction.request.terminalId !== caller.terminalId) {
    return refused(
      refusal(
        index,
        transactionId,
        'TERMINAL_MISMATCH',
        'request/terminalId',
        'the request names another terminal than the one this token is for',
      ),
    );
  }
  if (transaction.request.merchantId !== caller.merchantId) {
    return refused(
      refusal(
        index,
        transactionId,
        'MERCHANT_MISMATCH',
        'request/merchantId',
        'the request names another merchant than the one this terminal belongs to',
      ),
    );
  }
  const candidate: UploadCandidate = {
    index,
    transactionId,
    bytes,
    transaction,
    contentDigest: uploadContentDigest(transaction),
    consumerKeyId: base64UrlEncode(transaction.authorization.keyId),
    terminalKeyId: base64UrlEncode(transaction.approval.keyId),
  };
  return { ok: true, candidate };
}

/**
 * TIMESTAMP_IN_FUTURE: a signed time later than the receipt plus the allowed clock skew (the request's
 * creation, the consumer's authorization, the terminal's approval — the first such, in that order).
 */
export function checkTimestamps(
  candidate: UploadCandidate,
  receivedAtMs: number,
  clockSkewMs: number,
): UploadRefusal | undefined {
  if (!Number.isSafeInteger(receivedAtMs) || !Number.isSafeInteger(clockSkewMs) || clockSkewMs < 0)
    throw new Error('checkTimestamps: times are whole milliseconds, the skew not negative');
  const latestMs = receivedAtMs + clockSkewMs;
  const { request, authorization, approval } = candidate.transaction;
  const times: ReadonlyArray<readonly [string, number]> = [
    ['request/createdAtMs', request.createdAtMs],
    ['authorization/authorizedAtMs', authorization.authorizedAtMs],
    ['approval/approvedAtMs', approval.approvedAtMs],
  ];
  const future = times.find(([, timeMs]) => timeMs > latestMs);
  if (future === undefined) return undefined;
  const [field, timeMs] = future;
  return refusal(
    candidate.index,
    candidate.transactionId,
    'TIMESTAMP_IN_FUTURE',
    field,
    `${new Date(timeMs).toISOString()} is more than ${clockSkewMs} ms after the upload's receipt`,
  );
}

/** What the upload reads of a key in the registry projection (`verifier_keys`). */
export interface ProjectedKey {
  readonly ownerKind: 'device' | 'terminal';
  /** The device id or terminal id. */
  readonly ownerId: string;
  readonly purpose: KeyPurpose;
}

/** Both keys of a candidate checked: the consumer device its row and event are keyed by, or the refusal. */
export type KeyPlacement =
  | { readonly ok: true; readonly consumerDeviceId: string }
  | { readonly ok: false; readonly receipt: UploadRefusal };

/**
 * The checks of the candidate's keys against the projection, in this order. CONSUMER_KEY_UNKNOWN: the
 * authorization's key is no device payment key the verifier knows (yet) — payment.uploaded is keyed
 * by its device. TERMINAL_KEY_UNKNOWN: the approval's key is not projected (yet). TERMINAL_MISMATCH:
 * it is, but it is not a payment key of the uploading terminal — a terminal uploads only what it
 * countersigned itself. Both unknowns are retryable: the projection catches up.
 */
export function placeByKeys(
  candidate: UploadCandidate,
  keys: {
    readonly consumer: ProjectedKey | undefined;
    readonly terminal: ProjectedKey | undefined;
  },
  caller: UploadCaller,
): KeyPlacement {
  const { consumer, terminal } = keys;
  if (consumer === undefined || consumer.ownerKind !== 'device' || consumer.purpose !== 'payment') {
    return refused(
      refusal(
        candidate.index,
        candidate.transactionId,
        'CONSUMER_KEY_UNKNOWN',
        'authorization/keyId',
        'the consumer payment key is not known (yet); upload again later',
      ),
    );
  }
  if (terminal === undefined) {
    return refused(
      refusal(
        candidate.index,
        candidate.transactionId,
        'TERMINAL_KEY_UNKNOWN',
        'approval/keyId',
        'the key of the approval is not known (yet); upload again later',
      ),
    );
  }
  if (
    terminal.ownerKind !== 'terminal' ||
    terminal.ownerId !== caller.terminalId ||
    terminal.purpose !== 'payment'
  ) {
    return refused(
      refusal(
        candidate.index,
        candidate.transactionId,
        'TERMINAL_MISMATCH',
        'approval/keyId',
        'the approval is not signed with a payment key of the terminal this token is for',
      ),
    );
  }
  return { ok: true, consumerDeviceId: consumer.ownerId };
}

/** What is stored under a transaction id, as far as the upload compares. */
export interface StoredTransaction {
  readonly contentDigest: Uint8Array;
  readonly uploadBatchId: string;
}

/**
 * The receipt of a candidate once its row is known: `inserted` when this upload stored it;
 * `firstInBatch` false for a later occurrence of the same id in the same batch. The same id with the
 * same content is accepted (a duplicate, unless it is this very batch sent again, which answers as
 * it did the first time); with other content it is refused.
 */
export function resolveAgainstStored(
  candidate: UploadCandidate,
  stored: StoredTransaction,
  context: { readonly batchId: string; readonly inserted: boolean; readonly firstInBatch: boolean },
): UploadReceipt {
  if (context.inserted && !context.firstInBatch)
    throw new Error('resolveAgainstStored: only the first occurrence of an id is inserted');
  if (!equalBytes(stored.contentDigest, candidate.contentDigest)) {
    return refusal(
      candidate.index,
      candidate.transactionId,
      'DUPLICATE_WITH_DIFFERENT_CONTENT',
      'approval',
      'this transaction id was received before with other signed content; recorded as a fraud signal',
    );
  }
  const duplicate =
    !context.inserted && (!context.firstInBatch || stored.uploadBatchId !== context.batchId);
  return acceptance(candidate.index, candidate.transactionId, duplicate);
}

function refused(receipt: UploadRefusal): { readonly ok: false; readonly receipt: UploadRefusal } {
  return { ok: false, receipt };
}

function bounded(message: string): string {
  return message.length <= uploadReceiptMessageLengthMax
    ? message
    : `${message.slice(0, uploadReceiptMessageLengthMax - 1)}…`;
}
