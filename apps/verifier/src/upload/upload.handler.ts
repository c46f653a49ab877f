import { Inject, Injectable } from '@nestjs/common';
import { type EventEnvelope } from '@settle/contracts';
import {
  type Correlation,
  inTransaction,
  Outbox,
  requestCorrelation,
  type SqlExecutor,
  type SqlPool,
} from '@settle/messaging';
import {
  type Clock,
  CLOCK,
  type Logger,
  PLATFORM_LOGGER,
  rateLimitedProblem,
  SERVICE_CONFIG,
  SQL_POOL,
  takeRateLimitTokens,
} from '@settle/platform';
import { type VerifierSettings } from '../config';
import { keysByIds } from '../registry-projection/registry-facts';
import { DecodedUploads } from '../verify-payment/decoded-uploads';
import {
  checkTimestamps,
  placeByKeys,
  resolveAgainstStored,
  screenTransaction,
  type UploadCaller,
  type UploadCandidate,
  uploadBatchId,
} from './upload.decider';
import {
  conflictSignalId,
  duplicateWithDifferentContentEvent,
  paymentUploadedEvent,
} from './upload-events';
import { type UploadReceipt } from './upload-receipts';
import {
  claimBatch,
  type ConflictingUploadRow,
  insertTransactions,
  loadStoredTransactions,
  recordAcceptedCount,
  recordConflictingUploads,
} from './upload-store';

/** What POST /v1/uploads answers with its 202. */
export interface UploadResult {
  readonly batchId: string;
  /** When the batch was first received (a repeated batch answers the first time's). */
  readonly receivedAt: string;
  /** One per transaction, in the batch's order. */
  readonly receipts: readonly UploadReceipt[];
}

/** A candidate whose consumer key is known: ready for its row. */
interface Placed {
  readonly candidate: UploadCandidate;
  readonly consumerDeviceId: string;
}

/**
 * One upload batch, in one PostgreSQL transaction: the batch row, a row per new transaction
 * (status `received`, the bytes as received), the conflicting-upload records, and their events in
 * the outbox (payment.uploaded, fraud.signal-raised) — all committed before the controller answers
 * 202. Refused transactions leave nothing behind but a conflicting-upload record and its signal.
 */
@Injectable()
export class UploadHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: VerifierSettings,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
    private readonly decodedUploads: DecodedUploads,
  ) {}

  /**
   * Takes a token from the terminal's upload bucket (shared by every replica); throws 429 with
   * Retry-After when it is empty. Every authenticated upload counts, valid or not.
   */
  async enforceRateLimit(terminalId: string): Promise<void> {
    const ratePerSecond = this.config.SETTLE_VERIFIER_UPLOAD_RATE_PER_SECOND;
    const burst = this.config.SETTLE_VERIFIER_UPLOAD_BURST;
    const [decision] = await takeRateLimitTokens(
      this.pool,
      [{ bucket: `upload:${terminalId}`, capacity: burst, perSecond: ratePerSecond }],
      this.clock.now(),
    );
    if (decision!.allowed) return;
    throw rateLimitedProblem({
      title: 'Too many uploads',
      field: 'terminal',
      limit: `more than ${ratePerSecond} uploads per second (SETTLE_VERIFIER_UPLOAD_RATE_PER_SECOND) after a burst of ${burst} (SETTLE_VERIFIER_UPLOAD_BURST)`,
      retryAfterSeconds: decision!.retryAfterSeconds,
    });
  }

  async upload(
    caller: UploadCaller,
    transactions: readonly Uint8Array[],
    requestId: string | undefined,
  ): Promise<UploadResult> {
    if (transactions.length === 0)
      throw new Error('upload: an empty batch is refused before it gets here');
    const batchId = uploadBatchId(caller.terminalId, transactions);
    // The bytes alone decide these: done before the transaction opens, which stays short. Each is
    // decoded from a copy of its own (a Buffer's slice would be a view): what it decodes to is views
    // into those bytes, and the ones handed over to verification must not keep the request body alive.
    const screened = transactions.map((bytes, index) =>
      screenTransaction(new Uint8Array(bytes), index, caller),
    );
    const receipts: Array<UploadReceipt | undefined> = screened.map((screening) =>
      screening.ok ? undefined : screening.receipt,
    );
    const candidates = screened.flatMap((screening) => (screening.ok ? [screening.candidate] : []));
    const cause = requestCorrelation(requestId);
    const result = await inTransaction(this.pool, async (sql) => {
      const batch = await claimBatch(sql, {
        batchId,
        terminalId: caller.terminalId,
        receivedAt: this.clock.now(),
        transactionCount: transactions.length,
      });
      const placed = await this.place(sql, candidates, caller, batch.uploadedAt, receipts);
      const { events, inserted } = await this.store(
        sql,
        placed,
        { ...caller, batchId, uploadedAt: batch.uploadedAt },
        receipts,
        cause,
      );
      await this.outbox.append(sql, events);
      const complete = receipts.map((receipt, index) => {
        if (receipt === undefined || receipt.index !== index)
          throw new Error(`upload: receipt ${index} missing or out of place`);
        return receipt;
      });
      await recordAcceptedCount(
        sql,
        batchId,
        complete.filter((receipt) => receipt.status === 'accepted').length,
      );
      return {
        batchId,
        receivedAt: batch.uploadedAt.toISOString(),
        receipts: complete,
        firstSeen: batch.firstSeen,
        published: events.length,
        inserted,
      };
    });
    // Committed: the verification consumer of this process finds them decoded.
    for (const { transactionId, bytes, transaction } of result.inserted)
      this.decodedUploads.keep(transactionId, bytes, transaction);
    this.logUpload(caller, result);
    return { batchId: result.batchId, receivedAt: result.receivedAt, receipts: result.receipts };
  }

  /**
   * The checks that need the receipt time and the projection: TIMESTAMP_IN_FUTURE against the
   * batch's first receipt (so a repeat answers the same), then both keys (CONSUMER_KEY_UNKNOWN,
   * TERMINAL_KEY_UNKNOWN, TERMINAL_MISMATCH), read in one round trip.
   */
  private async place(
    sql: SqlExecutor,
    candidates: readonly UploadCandidate[],
    caller: UploadCaller,
    uploadedAt: Date,
    receipts: Array<UploadReceipt | undefined>,
  ): Promise<Placed[]> {
    const timely = candidates.filter((candidate) => {
      const future = checkTimestamps(
        candidate,
        uploadedAt.getTime(),
        this.config.SETTLE_VERIFIER_CLOCK_SKEW_MS,
      );
      if (future) receipts[candidate.index] = future;
      return future === undefined;
    });
    const keys = await keysByIds(
      sql,
      timely.flatMap((candidate) => [candidate.consumerKeyId, candidate.terminalKeyId]),
    );
    return timely.flatMap((candidate) => {
      const placement = placeByKeys(
        candidate,
        {
          consumer: keys.get(candidate.consumerKeyId),
          terminal: keys.get(candidate.terminalKeyId),
        },
        caller,
      );
      if (!placement.ok) {
        receipts[candidate.index] = placement.receipt;
        return [];
      }
      return [{ candidate, consumerDeviceId: placement.consumerDeviceId }];
    });
  }

  /**
   * Inserts the first occurrence of each new id, compares every other occurrence with what is
   * stored, records conflicting contents; fills the receipts and returns the events to append and
   * the candidates this upload stored.
   */
  private async store(
    sql: SqlExecutor,
    placed: readonly Placed[],
    batch: UploadCaller & { readonly batchId: string; readonly uploadedAt: Date },
    receipts: Array<UploadReceipt | undefined>,
    cause: Correlation,
  ): Promise<{ events: EventEnvelope[]; inserted: UploadCandidate[] }> {
    const firsts = new Map<string, Placed>();
    for (const entry of placed)
      if (!firsts.has(entry.candidate.transactionId))
        firsts.set(entry.candidate.transactionId, entry);
    const inserted = await insertTransactions(sql, [...firsts.values()], batch);
    const stored = await loadStoredTransactions(
      sql,
      [...firsts.keys()].filter((transactionId) => !inserted.has(transactionId)),
    );
    const conflicts = new Map<
      string,
      ConflictingUploadRow & { readonly storedContentDigest: Uint8Array }
    >();
    const events: EventEnvelope[] = [];
    const insertedCandidates: UploadCandidate[] = [];
    for (const { candidate, consumerDeviceId } of placed) {
      const firstInBatch = firsts.get(candidate.transactionId)!.candidate === candidate;
      const isNew = inserted.has(candidate.transactionId);
      const row = isNew
        ? {
            contentDigest: firsts.get(candidate.transactionId)!.candidate.contentDigest,
            uploadBatchId: batch.batchId,
          }
        : stored.get(candidate.transactionId);
      if (row === undefined)
        throw new Error(`upload: ${candidate.transactionId} was neither inserted nor found`);
      const receipt = resolveAgainstStored(candidate, row, {
        batchId: batch.batchId,
        inserted: isNew && firstInBatch,
        firstInBatch,
      });
      receipts[candidate.index] = receipt;
      if (isNew && firstInBatch) {
        events.push(paymentUploadedEvent(candidate, { ...batch, consumerDeviceId }, cause));
        insertedCandidates.push(candidate);
      }
      if (receipt.status === 'refused') {
        const signalId = conflictSignalId(candidate.transactionId, candidate.contentDigest);
        conflicts.set(signalId, { candidate, signalId, storedContentDigest: row.contentDigest });
      }
    }
    const raised = await recordConflictingUploads(sql, [...conflicts.values()], batch);
    const raisedAt = this.clock.now();
    for (const conflict of conflicts.values()) {
      if (!raised.has(conflict.signalId)) continue;
      events.push(
        duplicateWithDifferentContentEvent(
          conflict.candidate,
          { ...conflict, terminalId: batch.terminalId, batchId: batch.batchId, raisedAt },
          cause,
        ),
      );
    }
    return { events, inserted: insertedCandidates };
  }

  /** Counts and codes only: never a transaction's bytes or the token. */
  private logUpload(
    caller: UploadCaller,
    result: {
      batchId: string;
      receipts: readonly UploadReceipt[];
      firstSeen: boolean;
      published: number;
    },
  ): void {
    const refused: Record<string, number> = {};
    for (const receipt of result.receipts)
      if (receipt.status === 'refused') refused[receipt.code] = (refused[receipt.code] ?? 0) + 1;
    const accepted = result.receipts.filter((receipt) => receipt.status === 'accepted');
    this.logger.info(
      {
        batchId: result.batchId,
        terminalId: caller.terminalId,
        repeated: !result.firstSeen,
        transactions: result.receipts.length,
        accepted: accepted.length,
        duplicates: accepted.filter((receipt) => receipt.duplicate === true).length,
        refused,
        published: result.published,
      },
      'upload received',
    );
  }
}
