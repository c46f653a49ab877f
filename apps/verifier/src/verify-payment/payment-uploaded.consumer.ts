import { Inject, Injectable } from '@nestjs/common';
import { type EventEnvelope, type PaymentUploadedV1, paymentUploadedV1 } from '@settle/contracts';
import {
  decodeOfflineTransaction,
  formatTransactionId,
  type OfflineTransaction,
  verifyOfflineTransactionAsync,
} from '@settle/protocol';
import { base64UrlEncode } from '@settle/crypto';
import {
  EntityNotYetSeenError,
  eventCause,
  type EventConsumer,
  type EventsOf,
  Outbox,
  PermanentEventError,
  type SqlExecutor,
  unexpectedEvent,
} from '@settle/messaging';
import { type Clock, CLOCK, type Logger, PLATFORM_LOGGER, SERVICE_CONFIG } from '@settle/platform';
import { type VerifierSettings } from '../config';
import { ReceiptSigner } from '../confirmations/receipt-signer';
import { type KeyFact, keysByIds } from '../registry-projection/registry-facts';
import { DecodedUploads } from './decoded-uploads';
import { ProtocolKeyCache } from './protocol-key-cache';
import {
  fraudSignalEvent,
  paymentRejectedEvent,
  paymentVerifiedEvent,
  type TransactionParties,
} from './verification-events';
import {
  capabilityChangesSince,
  checkInsSince,
  counterKey,
  countedPaymentsSince,
  type LockedTransaction,
  lockTransactions,
  partyFacts,
  recordRejected,
  recordVerified,
  type RejectedWrite,
  usedCounters,
  type VerifiedWrite,
} from './verification-store';
import {
  type CapabilityChange,
  type CheckIn,
  checkInProjectionGraceMs,
  checkInWindowAt,
  compromisedSinceMs,
  type CountedPayment,
  decideVerifyPayment,
  signatureCheckOf,
  type SignatureOutcome,
  type VerificationKey,
  type VerifyPaymentDecision,
} from './verify-payment.decider';

/**
 * Attempts for an upload whose device, terminal, merchant, key or check-in the registry projection has
 * not consumed yet (another topic, another partition): with the backbone's backoff (100 ms doubling to
 * 5 s) about 50 seconds, after which the event is dead-lettered and the transaction stays `received`.
 */
export const verificationEntityRetryAttemptsMax = 16;

/** A decision the consumer records: verified or rejected. */
type Verdict = Exclude<VerifyPaymentDecision, { verdict: 'not-yet-seen' }>;

/** One upload awaiting its verdict: the event, its locked row and the stored bytes decoded. */
interface PendingUpload {
  readonly envelope: EventEnvelope;
  readonly row: LockedTransaction;
  readonly transaction: OfflineTransaction;
  readonly consumerKeyId: string;
  readonly terminalKeyId: string;
  /** Position in the batch (partition order): the tie-break between uploads of one counter. */
  readonly position: number;
}

/** What the registry projection and the earlier verdicts say about a batch's devices, terminals and merchants. */
interface BatchFacts {
  readonly keys: ReadonlyMap<string, VerificationKey>;
  /** Rule 2's outcome by transaction id, for the uploads whose keys reach rule 2. */
  readonly signatures: ReadonlyMap<string, SignatureOutcome>;
  readonly accounts: ReadonlyMap<string, string>;
  readonly terminalMerchants: ReadonlyMap<string, string>;
  readonly categoryCodes: ReadonlyMap<string, string>;
  readonly checkIns: ReadonlyMap<string, CheckIn[]>;
  readonly capabilityChanges: ReadonlyMap<string, CapabilityChange[]>;
  /** Mutable: the batch's own verdicts are added as they are made (counter order). */
  readonly countedPayments: Map<string, CountedPayment[]>;
  readonly usedCounters: Map<string, string>;
}

/**
 * Verifies every `payment.uploaded` (group `verifier.payments`): locks the transactions' rows (their
 * bytes decoded at upload when this process stored them: `DecodedUploads`), reads what the rules need
 * for the whole batch with at most one query per table while the batch's signatures are
 * verified in the libuv threadpool (all at once, off the event loop), decides each upload in counter
 * order per device (the pure decider, given the signatures' outcome), then records the
 * verdicts, the counters, the signed confirmations of rejections and the events with one statement
 * each. A row no longer `received` was decided before: nothing is done or published again.
 */
@Injectable()
export class PaymentUploadedConsumer implements EventConsumer {
  readonly name = 'payments';
  readonly topics = ['payments.uploaded.v1'] as const;
  readonly entityRetryAttemptsMax = verificationEntityRetryAttemptsMax;
  private readonly keyCache = new ProtocolKeyCache();

  constructor(
    private readonly outbox: Outbox,
    private readonly receiptSigner: ReceiptSigner,
    private readonly decodedUploads: DecodedUploads,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: VerifierSettings,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  readonly handle = async (
    sql: SqlExecutor,
    events: EventsOf<PaymentUploadedConsumer['topics']>,
  ): Promise<void> => {
    const uploads = events.map(({ envelope }) => {
      if (envelope.type !== paymentUploadedV1.type)
        throw unexpectedEvent(envelope.type, 'payment verification does not handle this event');
      return { envelope, payload: envelope.payload };
    });
    const rows = await lockTransactions(
      sql,
      uploads.map(({ payload }) => payload.transactionId),
    );
    const pending = this.pendingOf(uploads, rows);
    if (pending.length === 0) return;
    const facts = await this.gatherFacts(sql, pending);
    const now = this.clock.now();
    const decisions = pending.map((upload) => ({
      upload,
      decision: this.decide(upload, facts, now),
    }));
    const recorded = await this.record(sql, decisions, now);
    this.logger.debug(
      { partitions: [...new Set(events.map((event) => event.partition))], ...recorded },
      'payments decided',
    );
  };

  /** The uploads still `received`, once each, decoded, ordered by device and counter. */
  private pendingOf(
    uploads: ReadonlyArray<{ envelope: EventEnvelope; payload: PaymentUploadedV1 }>,
    rows: ReadonlyMap<string, LockedTransaction>,
  ): PendingUpload[] {
    const pending = new Map<string, PendingUpload>();
    for (const [position, { envelope, payload }] of uploads.entries()) {
      const row = rows.get(payload.transactionId);
      // The upload commits the row and its event together: an event without a row is not ours.
      if (row === undefined)
        throw new PermanentEventError(
          'TRANSACTION_NOT_STORED',
          `no stored transaction ${payload.transactionId}`,
        );
      if (row.status !== 'received' || pending.has(row.transactionId)) {
        this.logger.debug(
          { transactionId: row.transactionId, status: row.status, eventId: envelope.eventId },
          'upload already decided; nothing published',
        );
        continue;
      }
      const transaction = this.decodedOf(row);
      pending.set(row.transactionId, {
        envelope,
        row,
        transaction,
        consumerKeyId: base64UrlEncode(transaction.authorization.keyId),
        terminalKeyId: base64UrlEncode(transaction.approval.keyId),
        position,
      });
    }
    // Counter order per device (DESIGN §5): the cumulative cap is spent in the order the phone paid.
    return [...pending.values()].sort(
      (a, b) =>
        compareText(a.row.consumerDeviceId, b.row.consumerDeviceId) ||
        compareBigInt(
          a.transaction.authorization.deviceCounter,
          b.transaction.authorization.deviceCounter,
        ) ||
        a.position - b.position,
    );
  }

  /** The stored bytes decoded: at upload, when this process stored them, or now. */
  private decodedOf(row: LockedTransaction): OfflineTransaction {
    const decodedAtUpload =
      row.bytes === null ? undefined : this.decodedUploads.take(row.transactionId, row.bytes);
    return decodedAtUpload ?? decodeStored(row);
  }

  private async gatherFacts(
    sql: SqlExecutor,
    pending: readonly PendingUpload[],
  ): Promise<BatchFacts> {
    const keyFacts = await keysByIds(
      sql,
      pending.flatMap((upload) => [upload.consumerKeyId, upload.terminalKeyId]),
    );
    const keys = new Map(
      [...keyFacts].map(([keyId, fact]) => [keyId, this.verificationKeyOf(fact)]),
    );
    // The signatures need only the keys: verified in the threadpool while the other facts are read.
    const signatures = verifySignatures(pending, keys);
    // Awaited below; should a fact be missing first (the batch is retried), their outcome is dropped, never an unhandled rejection.
    signatures.catch(() => undefined);
    const { accounts, terminalMerchants, categoryCodes } = await partyFacts(sql, {
      deviceIds: pending.map((upload) => upload.row.consumerDeviceId),
      terminalIds: pending.map((upload) => upload.transaction.request.terminalId),
      merchantIds: pending.map((upload) => upload.transaction.request.merchantId),
    });
    for (const { row, transaction } of pending) {
      // Registry facts arrive on their own topics: not seen yet is a wait, never a verdict.
      if (!accounts.has(row.consumerDeviceId))
        throw new EntityNotYetSeenError('device', row.consumerDeviceId);
      if (!terminalMerchants.has(transaction.request.terminalId))
        throw new EntityNotYetSeenError('terminal', transaction.request.terminalId);
      if (!categoryCodes.has(transaction.request.merchantId))
        throw new EntityNotYetSeenError('merchant', transaction.request.merchantId);
    }
    const since = earliestPerDevice(pending, (upload) => {
      const revokedAtMs = compromisedSinceOf(keyFacts.get(upload.consumerKeyId));
      return Math.min(
        upload.transaction.approval.approvedAtMs,
        revokedAtMs ?? Number.POSITIVE_INFINITY,
      );
    });
    const checkIns = await checkInsSince(sql, since);
    const capabilityChanges = await capabilityChangesSince(sql, since);
    const windowStarts = earliestPerDevice(
      pending,
      (upload) =>
        checkInWindowAt(
          checkIns.get(upload.row.consumerDeviceId) ?? [],
          upload.transaction.approval.approvedAtMs,
        )?.startMs ?? null,
    );
    const countedPayments = await countedPaymentsSince(sql, windowStarts);
    const counters = await usedCounters(
      sql,
      pending.map((upload) => ({
        deviceId: upload.row.consumerDeviceId,
        counter: upload.transaction.authorization.deviceCounter,
      })),
    );
    return {
      keys,
      signatures: await signatures,
      accounts,
      terminalMerchants,
      categoryCodes,
      checkIns,
      capabilityChanges,
      countedPayments,
      usedCounters: counters,
    };
  }

  /**
   * Decides one upload and, when verified, adds it to the batch's facts (its counter is used, its
   * amount spent). A fact not projected yet throws EntityNotYetSeenError: the batch rolls back and
   * the backbone retries this event alone with backoff.
   */
  private decide(upload: PendingUpload, facts: BatchFacts, now: Date): Verdict {
    const { row, transaction } = upload;
    const deviceId = row.consumerDeviceId;
    const counter = counterKey(deviceId, transaction.authorization.deviceCounter);
    const decision = decideVerifyPayment({
      transactionId: row.transactionId,
      transaction,
      uploadedAtMs: row.uploadedAt.getTime(),
      deviceId,
      consumerAccountId: facts.accounts.get(deviceId)!,
      consumerKey: facts.keys.get(upload.consumerKeyId) ?? null,
      terminalKey: facts.keys.get(upload.terminalKeyId) ?? null,
      terminalMerchantId: facts.terminalMerchants.get(transaction.request.terminalId)!,
      merchantCategoryCode: facts.categoryCodes.get(transaction.request.merchantId)!,
      checkIns: facts.checkIns.get(deviceId) ?? [],
      capabilityChanges: facts.capabilityChanges.get(deviceId) ?? [],
      counterUsedBy: facts.usedCounters.get(counter) ?? null,
      countedPayments: facts.countedPayments.get(deviceId) ?? [],
      presentmentWindowMs: this.config.SETTLE_VERIFIER_PRESENTMENT_WINDOW_MS,
      decidedAtMs: now.getTime(),
      checkInProjectionGraceMs,
      signatures: facts.signatures.get(row.transactionId),
    });
    if (decision.verdict === 'not-yet-seen')
      throw new EntityNotYetSeenError(decision.entity, decision.entityId);
    if (decision.verdict === 'verified') {
      facts.usedCounters.set(counter, row.transactionId);
      const counted = facts.countedPayments.get(deviceId) ?? [];
      counted.push({
        currency: decision.currency,
        amount: decision.amount,
        approvedAtMs: decision.approvedAtMs,
      });
      facts.countedPayments.set(deviceId, counted);
    }
    return decision;
  }

  private verificationKeyOf(fact: KeyFact): VerificationKey {
    return {
      keyId: fact.keyId,
      owner: { kind: fact.ownerKind, id: fact.ownerId },
      purpose: fact.purpose,
      publicKey: this.keyCache.keyOf(fact.publicJwk),
      history: fact.history,
    };
  }

  /** Writes the verdicts, counters and confirmations, and appends the events (in decision order). */
  private async record(
    sql: SqlExecutor,
    decisions: ReadonlyArray<{ upload: PendingUpload; decision: Verdict }>,
    now: Date,
  ): Promise<{ verified: number; rejected: number }> {
    const verified: VerifiedWrite[] = [];
    const rejected: RejectedWrite[] = [];
    const envelopes: EventEnvelope[] = [];
    for (const { upload, decision } of decisions) {
      const { row, transaction, envelope } = upload;
      const parties: TransactionParties = {
        transactionId: row.transactionId,
        consumerDeviceId: row.consumerDeviceId,
        terminalId: row.terminalId,
        merchantId: row.merchantId,
      };
      const cause = eventCause(envelope, now.toISOString());
      if (decision.verdict === 'verified') {
        verified.push({
          transactionId: row.transactionId,
          deviceId: row.consumerDeviceId,
          deviceCounter: decision.deviceCounter,
          approvedAt: new Date(decision.approvedAtMs),
          consumerAccountId: decision.consumerAccountId,
        });
        envelopes.push(paymentVerifiedEvent(parties, decision, cause));
        continue;
      }
      // A rejection is final now: its confirmation is signed with it (docs/verifier.md).
      const { request } = transaction;
      const confirmation = await this.receiptSigner.sign(
        {
          transactionId: transaction.transactionId,
          terminalId: row.terminalId,
          amount: request.amount,
          currency: request.currency,
          outcome: 'rejected',
          reasonCode: decision.reasonCode,
          confirmedAtMs: now.getTime(),
        },
        now,
      );
      rejected.push({
        transactionId: row.transactionId,
        reasonCode: decision.reasonCode,
        confirmation,
      });
      envelopes.push(paymentRejectedEvent(parties, decision.reasonCode, cause));
      if (decision.fraudSignal !== undefined)
        envelopes.push(fraudSignalEvent(row.transactionId, decision.fraudSignal, cause));
      this.logger.info(
        {
          transactionId: row.transactionId,
          deviceId: row.consumerDeviceId,
          terminalId: row.terminalId,
          reasonCode: decision.reasonCode,
          fraudSignal: decision.fraudSignal?.kind,
        },
        'payment rejected',
      );
    }
    await recordVerified(sql, verified, now);
    await recordRejected(sql, rejected, now);
    await this.outbox.append(sql, envelopes);
    return { verified: verified.length, rejected: rejected.length };
  }
}

/** The stored bytes, decoded as at upload; the upload checked them, so a failure here is a bug or a damaged row. */
function decodeStored(row: LockedTransaction): OfflineTransaction {
  if (row.bytes === null)
    throw new PermanentEventError(
      'TRANSACTION_BYTES_MISSING',
      `transaction ${row.transactionId} has no bytes`,
    );
  const decoded = decodeOfflineTransaction(row.bytes);
  if (!decoded.ok)
    throw new PermanentEventError(
      'TRANSACTION_UNDECODABLE',
      `stored transaction ${row.transactionId}: ${decoded.code} at ${decoded.field}`,
    );
  if (formatTransactionId(decoded.value.transactionId) !== row.transactionId)
    throw new PermanentEventError(
      'TRANSACTION_ID_MISMATCH',
      `stored bytes of ${row.transactionId} have another id`,
    );
  return decoded.value;
}

/**
 * Rule 2 for every upload of the batch whose keys reach it, all at once: each verification runs in
 * the libuv threadpool (`verifyOfflineTransactionAsync`), so the event loop keeps serving uploads and
 * other partitions meanwhile, and a second core does the curve arithmetic.
 */
async function verifySignatures(
  pending: readonly PendingUpload[],
  keys: ReadonlyMap<string, VerificationKey>,
): Promise<Map<string, SignatureOutcome>> {
  const checks = pending.flatMap((upload) => {
    const check = signatureCheckOf(
      keys.get(upload.consumerKeyId) ?? null,
      keys.get(upload.terminalKeyId) ?? null,
    );
    if (check === null) return [];
    return [
      verifyOfflineTransactionAsync(upload.transaction, check).then(
        (outcome) => [upload.row.transactionId, outcome] as const,
      ),
    ];
  });
  return new Map(await Promise.all(checks));
}

function compromisedSinceOf(fact: KeyFact | undefined): number | null {
  return fact === undefined ? null : compromisedSinceMs(fact.history);
}

/** Per device, the earliest of `instantOf` over its uploads (uploads without one are left out). */
function earliestPerDevice(
  pending: readonly PendingUpload[],
  instantOf: (upload: PendingUpload) => number | null,
): Map<string, Date> {
  const earliest = new Map<string, number>();
  for (const upload of pending) {
    const instant = instantOf(upload);
    if (instant === null) continue;
    const deviceId = upload.row.consumerDeviceId;
    earliest.set(deviceId, Math.min(instant, earliest.get(deviceId) ?? Number.POSITIVE_INFINITY));
  }
  return new Map([...earliest].map(([deviceId, instant]) => [deviceId, new Date(instant)]));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBigInt(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
