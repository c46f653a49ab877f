import { Inject, Injectable } from '@nestjs/common';
import { type EventOn } from '@settle/contracts';
import {
  afterCommit,
  EntityNotYetSeenError,
  type EventConsumer,
  type EventsOf,
  PermanentEventError,
  type SqlExecutor,
  unexpectedEvent,
} from '@settle/messaging';
import { type Clock, CLOCK, type Logger, PLATFORM_LOGGER } from '@settle/platform';
import { settleInstruments } from '@settle/telemetry';
import { ReceiptSigner } from './receipt-signer';
import {
  decideSettlementOutcome,
  type HeldTransaction,
  type SettlementOutcome,
} from './settlement-outcome.decider';

interface TransactionRow extends Record<string, unknown> {
  transaction_id: string;
  status: HeldTransaction['status'];
  terminal_id: string;
  merchant_id: string;
  consumer_account_id: string | null;
  amount: string;
  currency: string;
  reason_code: string | null;
  entry_id: string | null;
  uploaded_at: Date;
}

/** A held transaction with its upload time (for `settle.upload_to_settled`). */
type HeldWithUpload = HeldTransaction & { readonly uploadedAtMs: number };

/** One transaction's final state, as written back. */
interface FinalState {
  readonly transactionId: string;
  readonly status: 'settled' | 'settlement-failed';
  readonly reasonCode: string | null;
  readonly settledAt: string | null;
  readonly entryId: string | null;
  readonly confirmation: Uint8Array;
}

/**
 * The ledger's outcomes (payments.settlements.v1, group verifier.settlement-outcomes): a `verified`
 * transaction becomes `settled` (settled_at, entry_id) or `settlement-failed` (reason_code), with its
 * processor confirmation signed by the receipt key — accepted, or rejected with the ledger's reason.
 * One transaction per inbox chunk: rows locked, decided in event order (a later event of the chunk
 * sees the earlier one's result), one UPDATE. A replay finds the transaction final and does nothing;
 * an unknown transaction id is logged and skipped (docs/verifier.md, "Status and confirmations");
 * a contradiction is dead-lettered. Key custody failing is retried (ReceiptKeyUnavailableError).
 */
@Injectable()
export class SettlementOutcomesConsumer implements EventConsumer {
  readonly name = 'settlement-outcomes';
  readonly topics = ['payments.settlements.v1'] as const;
  private readonly uploadToSettled = settleInstruments().uploadToSettled;

  constructor(
    private readonly signer: ReceiptSigner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  readonly handle = async (
    sql: SqlExecutor,
    events: EventsOf<SettlementOutcomesConsumer['topics']>,
  ): Promise<void> => {
    const outcomes = events.map(({ envelope }) => outcomeOf(envelope));
    const held = await lockTransactions(
      sql,
      outcomes.map((outcome) => outcome.transactionId),
    );
    const now = this.clock.now();
    const finals = new Map<string, FinalState>();
    const uploadToSettledSeconds: number[] = [];
    for (const outcome of outcomes) {
      const decision = decideSettlementOutcome(
        outcome,
        held.get(outcome.transactionId) ?? null,
        now.getTime(),
      );
      switch (decision.outcome) {
        case 'already-final':
          continue;
        case 'unknown-transaction':
          // Not "not yet seen": our row commits before payment.verified is published, so the ledger
          // cannot answer for a transaction we do not hold — unless it is another deployment's.
          this.logger.warn(
            { transactionId: outcome.transactionId, type: outcome.kind },
            'settlement outcome for a transaction this verifier does not hold; skipped',
          );
          continue;
        case 'not-yet-verified':
          throw new EntityNotYetSeenError('verified transaction', outcome.transactionId);
        case 'contradiction':
          this.logger.error(
            { transactionId: outcome.transactionId, code: decision.code },
            decision.message,
          );
          throw new PermanentEventError(decision.code, decision.message);
        case 'confirm': {
          const confirmation = await this.signer.sign(decision.confirmation, now);
          const { status, reasonCode, settledAt, entryId } = decision;
          finals.set(outcome.transactionId, {
            transactionId: outcome.transactionId,
            status,
            reasonCode,
            settledAt,
            entryId,
            confirmation,
          });
          const before = held.get(outcome.transactionId)!;
          held.set(outcome.transactionId, {
            ...before,
            status: decision.status,
            reasonCode: decision.reasonCode,
            entryId: decision.entryId,
          });
          // Settled (the ledger's time) − uploaded (ours): two clocks, so a skew never makes it negative.
          if (settledAt !== null)
            uploadToSettledSeconds.push(
              Math.max(0, Date.parse(settledAt) - before.uploadedAtMs) / 1000,
            );
        }
      }
    }
    await writeFinalStates(sql, [...finals.values()], now);
    if (uploadToSettledSeconds.length > 0)
      afterCommit(sql, () =>
        uploadToSettledSeconds.forEach((seconds) => this.uploadToSettled.record(seconds)),
      );
  };
}

function outcomeOf(envelope: EventOn<'payments.settlements.v1'>): SettlementOutcome {
  switch (envelope.type) {
    case 'payment.settled': {
      // Any version on the topic: decodeEvent hands over v3, whose v1 members are all this reads.
      const { transactionId, consumerAccountId, merchantId, amount, currency, entryId, settledAt } =
        envelope.payload;
      return {
        kind: 'settled',
        transactionId,
        consumerAccountId,
        merchantId,
        amount: BigInt(amount),
        currency,
        entryId,
        settledAt,
      };
    }
    case 'payment.settlement-failed': {
      const failed = envelope.payload;
      return {
        kind: 'settlement-failed',
        transactionId: failed.transactionId,
        consumerAccountId: failed.consumerAccountId,
        merchantId: failed.merchantId,
        reasonCode: failed.reasonCode,
      };
    }
    default:
      throw unexpectedEvent(envelope, 'the verifier does not handle this event here');
  }
}

/** The transactions of the chunk, locked until commit (the verification consumer writes them too). */
async function lockTransactions(
  sql: SqlExecutor,
  transactionIds: readonly string[],
): Promise<Map<string, HeldWithUpload>> {
  const { rows } = await sql.query<TransactionRow>(
    `SELECT transaction_id, status, terminal_id, merchant_id, consumer_account_id, amount::text, currency, reason_code, entry_id, uploaded_at
       FROM verifier_transactions WHERE transaction_id = ANY($1::text[]) ORDER BY transaction_id FOR UPDATE`,
    [[...new Set(transactionIds)]],
  );
  return new Map(
    rows.map((row) => [
      row.transaction_id,
      {
        status: row.status,
        terminalId: row.terminal_id,
        merchantId: row.merchant_id,
        consumerAccountId: row.consumer_account_id,
        amount: BigInt(row.amount),
        currency: row.currency,
        reasonCode: row.reason_code,
        entryId: row.entry_id,
        uploadedAtMs: row.uploaded_at.getTime(),
      },
    ]),
  );
}

/**
 * One UPDATE for the chunk, guarded by status = 'verified' (the rows are locked, so every one must
 * match). The trigger of migration 0006 gives each its confirmation_seq in commit order; the
 * nextval here only satisfies the column's contract.
 */
async function writeFinalStates(
  sql: SqlExecutor,
  finals: readonly FinalState[],
  now: Date,
): Promise<void> {
  if (finals.length === 0) return;
  const { rowCount } = await sql.query(
    `UPDATE verifier_transactions AS t
        SET status = f.status, reason_code = f.reason_code, settled_at = f.settled_at, entry_id = f.entry_id,
            confirmation = f.confirmation, confirmation_seq = nextval('verifier_confirmation_seq'), confirmed_at = $7::timestamptz
       FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::bytea[])
            AS f(transaction_id, status, reason_code, settled_at, entry_id, confirmation)
      WHERE t.transaction_id = f.transaction_id AND t.status = 'verified'`,
    [
      finals.map((final) => final.transactionId),
      finals.map((final) => final.status),
      finals.map((final) => final.reasonCode),
      finals.map((final) => final.settledAt),
      finals.map((final) => final.entryId),
      finals.map((final) => Buffer.from(final.confirmation)),
      now.toISOString(),
    ],
  );
  if (rowCount !== finals.length)
    throw new Error(
      `settlement outcomes: ${rowCount ?? 0} of ${finals.length} locked verified transactions were updated`,
    );
}
