// Plain SQL over the upload's tables (migrations/0004-payments.sql), as the messaging backbone does.
// Every write is idempotent by its business key: the batch id, the transaction id, and (transaction
// id, content digest) for a conflicting upload. Rows are written in key order, so two uploads that
// share transactions lock them in the same order and never deadlock.
import { type SqlExecutor } from '@settle/messaging';
import { type UploadCandidate } from './upload.decider';

/** The batch's row: claimed by the first upload of these bytes, found by every later one. */
export interface ClaimedBatch {
  readonly firstSeen: boolean;
  /** When the batch was first received: every later answer and every row of it use this time. */
  readonly uploadedAt: Date;
}

/**
 * Inserts the batch row unless it exists (an upload of the same batch, earlier or concurrent:
 * the insert then waits for it and finds its row).
 */
export async function claimBatch(
  sql: SqlExecutor,
  batch: {
    readonly batchId: string;
    readonly terminalId: string;
    readonly receivedAt: Date;
    readonly transactionCount: number;
  },
): Promise<ClaimedBatch> {
  const inserted = await sql.query<{ uploaded_at: Date }>(
    `INSERT INTO verifier_upload_batches (batch_id, terminal_id, uploaded_at, transaction_count, accepted_count)
     VALUES ($1, $2, $3, $4, 0) ON CONFLICT (batch_id) DO NOTHING RETURNING uploaded_at`,
    [batch.batchId, batch.terminalId, batch.receivedAt, batch.transactionCount],
  );
  if (inserted.rows[0]) return { firstSeen: true, uploadedAt: inserted.rows[0].uploaded_at };
  const { rows } = await sql.query<{
    uploaded_at: Date;
    terminal_id: string;
    transaction_count: number;
  }>(
    'SELECT uploaded_at, terminal_id, transaction_count FROM verifier_upload_batches WHERE batch_id = $1',
    [batch.batchId],
  );
  const found = rows[0];
  // The id hashes the terminal and every transaction: a different batch under it is a bug.
  if (
    !found ||
    found.terminal_id !== batch.terminalId ||
    found.transaction_count !== batch.transactionCount
  ) {
    throw new Error(`claimBatch: batch ${batch.batchId} is not the batch its id was derived from`);
  }
  return { firstSeen: false, uploadedAt: found.uploaded_at };
}

/** The batch's accepted receipts as last answered (a retried refusal may have become an acceptance). */
export async function recordAcceptedCount(
  sql: SqlExecutor,
  batchId: string,
  acceptedCount: number,
): Promise<void> {
  await sql.query(
    'UPDATE verifier_upload_batches SET accepted_count = $2 WHERE batch_id = $1 AND accepted_count <> $2',
    [batchId, acceptedCount],
  );
}

/** A new transaction's row: the candidate and the consumer device its key belongs to. */
export interface NewTransactionRow {
  readonly candidate: UploadCandidate;
  readonly consumerDeviceId: string;
}

/**
 * Inserts the rows (status `received`), skipping ids that exist (`ON CONFLICT DO NOTHING`: a
 * concurrent upload of the same id waits for the other's commit, then skips). Returns the ids
 * this call inserted.
 */
export async function insertTransactions(
  sql: SqlExecutor,
  rows: readonly NewTransactionRow[],
  batch: {
    readonly batchId: string;
    readonly terminalId: string;
    readonly merchantId: string;
    readonly uploadedAt: Date;
  },
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const sorted = [...rows].sort((a, b) =>
    compareText(a.candidate.transactionId, b.candidate.transactionId),
  );
  const column = <T>(pick: (row: NewTransactionRow) => T): T[] => sorted.map(pick);
  const { rows: inserted } = await sql.query<{ transaction_id: string }>(
    `INSERT INTO verifier_transactions
       (transaction_id, transaction_bytes, content_digest, terminal_id, merchant_id, consumer_device_id, consumer_key_id, terminal_key_id,
        device_counter, amount, currency, approved_at, upload_batch_id, uploaded_at, status)
     SELECT transaction_id, transaction_bytes, content_digest, $9, $10, consumer_device_id, consumer_key_id, terminal_key_id,
            device_counter, amount, currency, approved_at, $11, $12, 'received'
       FROM unnest($1::text[], $2::bytea[], $3::bytea[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::bigint[], $13::text[], $14::timestamptz[])
         AS rows (transaction_id, transaction_bytes, content_digest, consumer_device_id, consumer_key_id, terminal_key_id, device_counter, amount, currency, approved_at)
     ORDER BY transaction_id
     ON CONFLICT (transaction_id) DO NOTHING
     RETURNING transaction_id`,
    [
      column((row) => row.candidate.transactionId),
      column((row) => row.candidate.bytes),
      column((row) => row.candidate.contentDigest),
      column((row) => row.consumerDeviceId),
      column((row) => row.candidate.consumerKeyId),
      column((row) => row.candidate.terminalKeyId),
      column((row) => row.candidate.transaction.authorization.deviceCounter.toString()),
      column((row) => row.candidate.transaction.request.amount.toString()),
      batch.terminalId,
      batch.merchantId,
      batch.batchId,
      batch.uploadedAt,
      column((row) => row.candidate.transaction.request.currency),
      column((row) => new Date(row.candidate.transaction.approval.approvedAtMs).toISOString()),
    ],
  );
  return new Set(inserted.map((row) => row.transaction_id));
}

/** The stored content digest and batch of each id that has a row. */
export async function loadStoredTransactions(
  sql: SqlExecutor,
  transactionIds: readonly string[],
): Promise<Map<string, { contentDigest: Uint8Array; uploadBatchId: string }>> {
  if (transactionIds.length === 0) return new Map();
  const { rows } = await sql.query<{
    transaction_id: string;
    content_digest: Buffer;
    upload_batch_id: string;
  }>(
    'SELECT transaction_id, content_digest, upload_batch_id FROM verifier_transactions WHERE transaction_id = ANY($1::text[])',
    [[...new Set(transactionIds)]],
  );
  return new Map(
    rows.map((row) => [
      row.transaction_id,
      { contentDigest: new Uint8Array(row.content_digest), uploadBatchId: row.upload_batch_id },
    ]),
  );
}

/** A conflicting upload to record, with the signal id it raises. */
export interface ConflictingUploadRow {
  readonly candidate: UploadCandidate;
  readonly signalId: string;
}

/**
 * Records each distinct conflicting content once (`ON CONFLICT DO NOTHING`); returns the signal ids
 * of the rows this call inserted — the signals to publish.
 */
export async function recordConflictingUploads(
  sql: SqlExecutor,
  rows: readonly ConflictingUploadRow[],
  batch: { readonly terminalId: string; readonly uploadedAt: Date },
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const sorted = [...rows].sort((a, b) => compareText(a.signalId, b.signalId));
  const { rows: inserted } = await sql.query<{ signal_id: string }>(
    `INSERT INTO verifier_conflicting_uploads (transaction_id, content_digest, transaction_bytes, terminal_id, uploaded_at, signal_id)
     SELECT transaction_id, content_digest, transaction_bytes, $5, $6, signal_id
       FROM unnest($1::text[], $2::bytea[], $3::bytea[], $4::text[]) AS rows (transaction_id, content_digest, transaction_bytes, signal_id)
     ORDER BY signal_id
     ON CONFLICT (transaction_id, content_digest) DO NOTHING
     RETURNING signal_id`,
    [
      sorted.map((row) => row.candidate.transactionId),
      sorted.map((row) => row.candidate.contentDigest),
      sorted.map((row) => row.candidate.bytes),
      sorted.map((row) => row.signalId),
      batch.terminalId,
      batch.uploadedAt,
    ],
  );
  return new Set(inserted.map((row) => row.signal_id));
}

/** Byte order of ASCII ids, as PostgreSQL's "C" collation would sort them; independent of the locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
