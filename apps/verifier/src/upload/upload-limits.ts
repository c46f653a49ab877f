// Every limit of POST /v1/uploads, units last (docs/verifier.md, "Upload"). The per-transaction
// limit is the protocol's (`offlineTransactionSizeMaxBytes`, 512 bytes; the largest possible
// transaction is 447): re-exported here so the route's limits are read in one place.
import { offlineTransactionSizeMaxBytes } from '@settle/protocol';

/**
 * Most transactions in one upload batch. A POS with more queued sends several batches; a batch is
 * one PostgreSQL transaction, so this also bounds how long an upload holds its locks.
 */
export const uploadBatchTransactionsMax = 500;

/**
 * Largest upload body, in bytes, either media type (a larger one: 413 before any handler runs).
 * The largest legitimate batch is 500 × 512-byte transactions: about 258 KB as CBOR and 344 KB as
 * JSON (base64url is 4/3 of the bytes); a unit test holds both under this limit.
 */
export const uploadBodySizeMaxBytes = 524_288;

/** Largest transaction, in bytes: a larger one is refused alone (TRANSACTION_TOO_LARGE), the batch goes on. */
export const uploadTransactionSizeMaxBytes = offlineTransactionSizeMaxBytes;

/** Most field problems one 400 answer lists; the rest are counted in `detail`. */
export const uploadFieldProblemsMax = 20;

/** Longest field name echoed in a problem, in characters (an unknown JSON member may be long). */
export const uploadFieldNameLengthMax = 64;

/** Longest message of a refusal receipt, in characters. */
export const uploadReceiptMessageLengthMax = 200;
