import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type EventEnvelope, type PaymentVerifiedV1 } from '@settle/contracts';
import {
  type Causation,
  EntityNotYetSeenError,
  eventCause,
  type EventConsumer,
  type EventsOf,
  Outbox,
  type SqlExecutor,
  textColumn,
  textColumnSql,
  textColumnsSql,
  unexpectedEvent,
} from '@settle/messaging';
import { type Clock, CLOCK, type Logger, PLATFORM_LOGGER, SERVICE_CONFIG } from '@settle/platform';
import {
  appendEntries,
  loadAccounts,
  loadBalances,
  lockPartitions,
} from '../adapters/postgres/journal-store';
import { type LedgerSettings } from '../config';
import { type Account, ledgerAccountId } from '../domain/accounts';
import { assert } from '../domain/assert';
import { type PostedEntry } from '../domain/entry';
import { type FeeSchedule, zeroFeeSchedule } from '../domain/fees';
import { appendToChain, type ChainHead, partitionOf } from '../domain/hash-chain';
import { entityRetryAttemptsFor } from './retry-window';
import {
  decideSettlePayment,
  type PriorSettlement,
  type ReplayField,
  type SettlePaymentResult,
} from './settle-payment.decider';
import { failedEvents, settledEvents } from './settle-payment.events';

interface SettlementRow {
  transactionId: string;
  consumerAccountId: string;
  merchantId: string;
  amount: string;
  currency: string;
  approvedAt: string;
  status: 'settled' | 'failed';
  reasonCode: string | null;
  fee: string | null;
  merchantAmount: string | null;
  entryId: string | null;
  feeScheduleVersion: string | null;
}

/** A payment.verified that replayed a decided transaction id with other content (ledger_fraud_signals). */
interface ReplaySignalRow {
  signalId: string;
  transactionId: string;
  eventId: string;
  differingFields: readonly ReplayField[];
  recorded: Exclude<PriorSettlement, { kind: 'none' }>;
  received: PaymentVerifiedV1;
}

/** The `alert` field of the error logged for a conflicting replay (what an alert rule matches on). */
export const conflictingReplayAlert = 'SETTLED_TRANSACTION_REPLAYED_WITH_OTHER_CONTENT';

/**
 * Settles `payment.verified` in bounded batches (one transaction per batch, the inbox in it): locks
 * the batch's partitions in ascending order (one writer per chain), reads accounts, prior outcomes,
 * fee schedules and wallet balances in one query each, decides every payment in order, then writes
 * entries, postings, sub-balances, chain heads, outcomes and the outbox with one statement each.
 */
@Injectable()
export class SettlePaymentConsumer implements EventConsumer {
  readonly name = 'settle-payments';
  readonly topics = ['payments.verified.v1'] as const;
  /**
   * A redelivered payment.verified is recognised here, not by an inbox row: its transaction id is
   * already decided (`loadPriorSettlements`, the `ledger_settlements` key written in the same
   * transaction), so it is a `duplicate` and changes nothing, as a repeat within a batch is.
   */
  readonly deduplication = 'handler';
  readonly batchSizeMax: number;
  /** Enough backbone attempts that the last one comes after the retry window (then the payment fails). */
  readonly entityRetryAttemptsMax: number;
  private readonly retryWindowMs: number;

  constructor(
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) config: LedgerSettings,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {
    this.batchSizeMax = config.SETTLE_LEDGER_SETTLEMENT_BATCH_SIZE;
    this.retryWindowMs = config.SETTLE_LEDGER_UNKNOWN_ACCOUNT_RETRY_WINDOW_MS;
    this.entityRetryAttemptsMax = entityRetryAttemptsFor(this.retryWindowMs);
  }

  readonly handle = async (
    sql: SqlExecutor,
    events: EventsOf<SettlePaymentConsumer['topics']>,
  ): Promise<void> => {
    const payments = events.map(({ envelope }) => {
      if (envelope.type !== 'payment.verified')
        throw unexpectedEvent(envelope.type, 'the ledger does not settle this event');
      const { payload } = envelope;
      return {
        envelope,
        payload,
        // The wallet's chain (a SHA-256) and the account ids: computed once, for the reads and the append.
        partition: partitionOf(payload.consumerAccountId),
        walletId: ledgerAccountId('wallet', payload.consumerAccountId),
        payableId: ledgerAccountId('merchant-payable', payload.merchantId),
        feeRevenueId: ledgerAccountId('fee-revenue', payload.currency),
      };
    });
    const now = this.clock.now().toISOString();
    const heads = await lockPartitions(
      sql,
      payments.map(({ partition }) => partition),
    );
    const accounts = await loadAccounts(
      sql,
      payments.flatMap(({ walletId, payableId, feeRevenueId }) => [
        walletId,
        payableId,
        feeRevenueId,
      ]),
    );
    const priors = await loadPriorSettlements(
      sql,
      payments.map(({ payload }) => payload.transactionId),
    );
    const schedules = await loadCurrentFeeSchedules(
      sql,
      payments.map(({ payload }) => payload.merchantId),
      now,
    );
    const balances = await loadBalances(
      sql,
      [...accounts.values()].filter((account) => account.purpose === 'wallet'),
    );

    const entries: PostedEntry[] = [];
    const outcomes: SettlementRow[] = [];
    const envelopes: EventEnvelope[] = [];
    const replays: ReplaySignalRow[] = [];
    for (const { envelope, payload, partition, walletId, payableId, feeRevenueId } of payments) {
      const wallet = accounts.get(walletId) ?? null;
      const result = decideSettlePayment(
        {
          transactionId: payload.transactionId,
          consumerAccountId: payload.consumerAccountId,
          merchantId: payload.merchantId,
          amount: payload.amount,
          currency: payload.currency,
          approvedAt: payload.approvedAt,
          eventOccurredAt: envelope.occurredAt,
          entryId: randomUUID(),
          now,
        },
        {
          prior: priors.get(payload.transactionId) ?? { kind: 'none' },
          wallet,
          merchantPayable: accounts.get(payableId) ?? null,
          feeRevenue: accounts.get(feeRevenueId) ?? null,
          feeSchedule: schedules.get(payload.merchantId) ?? zeroFeeSchedule,
          walletBalance: wallet ? (balances.get(wallet.accountId) ?? 0n) : 0n,
          unknownEntityRetryWindowMs: this.retryWindowMs,
        },
      );
      const cause = eventCause(envelope, now);
      this.apply(
        result,
        envelope.eventId,
        payload,
        wallet,
        partition,
        { heads, priors, balances, entries, outcomes, envelopes, replays },
        cause,
      );
    }
    await appendEntries(sql, entries);
    await insertSettlements(sql, outcomes, now);
    await this.recordConflictingReplays(sql, replays, now);
    // Built only by settle-payment.events.ts, whose spec validates every shape it returns.
    await this.outbox.append(sql, envelopes, { validation: 'builders-tested' });
  };

  private apply(
    result: SettlePaymentResult,
    eventId: string,
    payment: PaymentVerifiedV1,
    wallet: Account | null,
    partition: number,
    batch: {
      heads: Map<number, ChainHead>;
      priors: Map<string, PriorSettlement>;
      balances: Map<string, bigint>;
      entries: PostedEntry[];
      outcomes: SettlementRow[];
      envelopes: EventEnvelope[];
      replays: ReplaySignalRow[];
    },
    cause: Causation,
  ): void {
    switch (result.outcome) {
      case 'not-yet-seen':
        // The backbone retries with backoff; the decider turns it into a failure once the window ends.
        throw new EntityNotYetSeenError(result.entity, result.entityId);
      case 'duplicate':
        return;
      case 'conflicting-replay': {
        // What was decided stays; the replay is kept as evidence and alerted on (recordConflictingReplays).
        const recorded = batch.priors.get(payment.transactionId);
        assert(
          recorded !== undefined && recorded.kind !== 'none',
          'a conflicting replay has a decided outcome',
        );
        batch.replays.push({
          signalId: randomUUID(),
          transactionId: payment.transactionId,
          eventId,
          differingFields: result.differingFields,
          recorded,
          received: payment,
        });
        return;
      }
      case 'failed':
        batch.priors.set(
          payment.transactionId,
          decidedPrior('failed', payment, BigInt(payment.amount)),
        );
        batch.outcomes.push(
          settlementRow(payment, {
            status: 'failed',
            reasonCode: result.reasonCode,
            fee: null,
            merchantAmount: null,
            entryId: null,
            feeScheduleVersion: null,
          }),
        );
        batch.envelopes.push(...failedEvents(payment, result, cause));
        return;
      case 'posted': {
        assert(wallet !== null, 'a posted payment has a wallet');
        assert(
          result.entry.partitionKey === payment.consumerAccountId,
          'a payment is on its wallet’s chain',
        );
        const head = batch.heads.get(partition);
        assert(head !== undefined, 'the partition was locked');
        const { entry, head: next } = appendToChain(head, result.entry);
        batch.heads.set(partition, next);
        batch.balances.set(wallet.accountId, result.walletBalanceAfter);
        batch.priors.set(payment.transactionId, decidedPrior('settled', payment, result.amount));
        batch.entries.push(entry);
        batch.outcomes.push(
          settlementRow(payment, {
            status: 'settled',
            reasonCode: null,
            fee: result.fee.toString(),
            merchantAmount: result.merchantAmount.toString(),
            entryId: entry.entryId,
            feeScheduleVersion: entry.feeScheduleVersion,
          }),
        );
        batch.envelopes.push(...settledEvents(payment, result, entry, cause));
        return;
      }
    }
  }

  /**
   * Keeps each conflicting replay in `ledger_fraud_signals` (once per event: a redelivery changes
   * nothing) and logs it at error with an `alert` field. No event: fraud.signal-raised is the
   * verifier's contract and topic (docs/ledger.md, "Outcomes and reason codes").
   */
  private async recordConflictingReplays(
    sql: SqlExecutor,
    replays: readonly ReplaySignalRow[],
    raisedAt: string,
  ): Promise<void> {
    if (replays.length === 0) return;
    const { rows } = await sql.query<{ signal_id: string }>(
      `INSERT INTO ledger_fraud_signals (signal_id, kind, transaction_id, event_id, differing_fields, recorded, received, raised_at)
       SELECT signal_id, 'DUPLICATE_WITH_DIFFERENT_CONTENT', transaction_id, event_id, string_to_array(differing_fields, ','), recorded, received, $7::timestamptz
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[]) AS r(signal_id, transaction_id, event_id, differing_fields, recorded, received)
       ON CONFLICT (transaction_id, event_id) DO NOTHING
       RETURNING signal_id`,
      [
        replays.map((replay) => replay.signalId),
        replays.map((replay) => replay.transactionId),
        replays.map((replay) => replay.eventId),
        replays.map((replay) => replay.differingFields.join(',')),
        replays.map(({ recorded: { kind, amount, ...fields } }) =>
          JSON.stringify({ status: kind, ...fields, amount: amount.toString() }),
        ),
        replays.map((replay) => JSON.stringify(replay.received)),
        raisedAt,
      ],
    );
    const recordedIds = new Set(rows.map((row) => row.signal_id));
    for (const replay of replays.filter((candidate) => recordedIds.has(candidate.signalId))) {
      this.logger.error(
        {
          alert: conflictingReplayAlert,
          signalId: replay.signalId,
          transactionId: replay.transactionId,
          eventId: replay.eventId,
          differingFields: replay.differingFields,
          recordedStatus: replay.recorded.kind,
        },
        'payment.verified replays a decided transaction id with other content: not settled again, kept as a fraud signal',
      );
    }
  }
}

/** What a later payment.verified of the same transaction id in this batch is compared with. */
function decidedPrior(
  kind: 'settled' | 'failed',
  payment: PaymentVerifiedV1,
  amount: bigint,
): PriorSettlement {
  return {
    kind,
    consumerAccountId: payment.consumerAccountId,
    merchantId: payment.merchantId,
    amount,
    currency: payment.currency,
    approvedAt: payment.approvedAt,
  };
}

/** The outcome row of a payment: what was received, and what was decided. */
function settlementRow(
  payment: PaymentVerifiedV1,
  decided: Pick<
    SettlementRow,
    'status' | 'reasonCode' | 'fee' | 'merchantAmount' | 'entryId' | 'feeScheduleVersion'
  >,
): SettlementRow {
  return {
    transactionId: payment.transactionId,
    consumerAccountId: payment.consumerAccountId,
    merchantId: payment.merchantId,
    amount: payment.amount,
    currency: payment.currency,
    approvedAt: payment.approvedAt,
    status: decided.status,
    reasonCode: decided.reasonCode,
    fee: decided.fee,
    merchantAmount: decided.merchantAmount,
    entryId: decided.entryId,
    feeScheduleVersion: decided.feeScheduleVersion,
  };
}

async function loadPriorSettlements(
  sql: SqlExecutor,
  transactionIds: readonly string[],
): Promise<Map<string, PriorSettlement>> {
  const { rows } = await sql.query<{
    transaction_id: string;
    status: 'settled' | 'failed';
    consumer_account_id: string;
    merchant_id: string;
    amount: string;
    currency: string;
    approved_at: Date | null;
  }>(
    `SELECT transaction_id, status, consumer_account_id, merchant_id, amount::text, currency, approved_at FROM ledger_settlements WHERE transaction_id = ANY(${textColumnSql(1)})`,
    [textColumn([...new Set(transactionIds)])],
  );
  return new Map(
    rows.map((row) => [
      row.transaction_id,
      {
        kind: row.status,
        consumerAccountId: row.consumer_account_id,
        merchantId: row.merchant_id,
        amount: BigInt(row.amount),
        currency: row.currency,
        approvedAt: row.approved_at?.toISOString() ?? null,
      },
    ]),
  );
}

/** The schedule in force now for each merchant (the latest effective one). */
export async function loadCurrentFeeSchedules(
  sql: SqlExecutor,
  merchantIds: readonly string[],
  now: string,
): Promise<Map<string, FeeSchedule>> {
  const { rows } = await sql.query<{
    merchant_id: string;
    version: string;
    basis_points: number;
    fixed_minor_units: string;
  }>(
    `SELECT DISTINCT ON (merchant_id) merchant_id, version, basis_points, fixed_minor_units::text
       FROM ledger_fee_schedules WHERE merchant_id = ANY(${textColumnSql(1)}) AND effective_from <= $2::timestamptz
      ORDER BY merchant_id, effective_from DESC, schedule_id DESC`,
    [textColumn([...new Set(merchantIds)]), now],
  );
  return new Map(
    rows.map((row) => [
      row.merchant_id,
      {
        version: row.version,
        basisPoints: row.basis_points,
        fixedMinorUnits: BigInt(row.fixed_minor_units),
      },
    ]),
  );
}

async function insertSettlements(
  sql: SqlExecutor,
  rows: readonly SettlementRow[],
  decidedAt: string,
): Promise<void> {
  if (rows.length === 0) return;
  await sql.query(
    `INSERT INTO ledger_settlements (transaction_id, consumer_account_id, merchant_id, amount, currency, status, reason_code, fee,
       merchant_amount, entry_id, fee_schedule_version, approved_at, decided_at)
     SELECT *, $13::timestamptz FROM unnest(${textColumnsSql(['text', 'text', 'text', 'numeric', 'text', 'text', 'text', 'bigint', 'bigint', 'text', 'text', 'timestamptz'])})`,
    [
      textColumn(rows.map((row) => row.transactionId)),
      textColumn(rows.map((row) => row.consumerAccountId)),
      textColumn(rows.map((row) => row.merchantId)),
      textColumn(rows.map((row) => row.amount)),
      textColumn(rows.map((row) => row.currency)),
      textColumn(rows.map((row) => row.status)),
      textColumn(rows.map((row) => row.reasonCode)),
      textColumn(rows.map((row) => row.fee)),
      textColumn(rows.map((row) => row.merchantAmount)),
      textColumn(rows.map((row) => row.entryId)),
      textColumn(rows.map((row) => row.feeScheduleVersion)),
      textColumn(rows.map((row) => row.approvedAt)),
      decidedAt,
    ],
  );
}
