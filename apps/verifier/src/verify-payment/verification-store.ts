// Plain SQL of payment verification: one statement per table for a whole batch of payment.uploaded
// events (reads and writes), never one per event — verification runs at thousands per second.
import { type DeviceCheckInCapV1, type OfflineCapability } from '@settle/contracts';
import { type SqlExecutor } from '@settle/messaging';
import {
  type CapabilityChange,
  type CheckIn,
  type CountedPayment,
  type VerificationRejectionCode,
} from './verify-payment.decider';

/** A stored upload, locked for this transaction. The bytes only while it awaits its verdict. */
export interface LockedTransaction {
  readonly transactionId: string;
  readonly status: 'received' | 'verified' | 'rejected' | 'settled' | 'settlement-failed';
  readonly bytes: Uint8Array | null;
  readonly consumerDeviceId: string;
  readonly terminalId: string;
  readonly merchantId: string;
  readonly uploadedAt: Date;
}

/**
 * Locks the rows of these transactions (FOR UPDATE, in id order so that two batches sharing rows
 * never deadlock): a row that is no longer `received` was decided before — a redelivery, a replay,
 * a consumer group reset — and must not be decided again.
 */
export async function lockTransactions(
  sql: SqlExecutor,
  transactionIds: readonly string[],
): Promise<Map<string, LockedTransaction>> {
  const { rows } = await sql.query<{
    transaction_id: string;
    status: LockedTransaction['status'];
    transaction_bytes: Buffer | null;
    consumer_device_id: string;
    terminal_id: string;
    merchant_id: string;
    uploaded_at: Date;
  }>(
    `SELECT transaction_id, status, CASE WHEN status = 'received' THEN transaction_bytes END AS transaction_bytes,
            consumer_device_id, terminal_id, merchant_id, uploaded_at
       FROM verifier_transactions WHERE transaction_id = ANY($1::text[])
      ORDER BY transaction_id FOR UPDATE`,
    [[...new Set(transactionIds)]],
  );
  return new Map(
    rows.map((row) => [
      row.transaction_id,
      {
        transactionId: row.transaction_id,
        status: row.status,
        bytes:
          row.transaction_bytes === null
            ? null
            : new Uint8Array(
                row.transaction_bytes.buffer,
                row.transaction_bytes.byteOffset,
                row.transaction_bytes.byteLength,
              ),
        consumerDeviceId: row.consumer_device_id,
        terminalId: row.terminal_id,
        merchantId: row.merchant_id,
        uploadedAt: row.uploaded_at,
      },
    ]),
  );
}

/** What the registry projection says of a batch's parties; unknown ids are absent. */
export interface PartyFacts {
  /** Account of each device (verifier_devices). */
  readonly accounts: ReadonlyMap<string, string>;
  /** Merchant of each terminal (verifier_terminals). */
  readonly terminalMerchants: ReadonlyMap<string, string>;
  /** Category code of each merchant (verifier_merchants). */
  readonly categoryCodes: ReadonlyMap<string, string>;
}

/**
 * The devices', terminals' and merchants' facts in one round trip (three lookups by primary key,
 * one statement): a verification batch pays one query for them, not three.
 */
export async function partyFacts(
  sql: SqlExecutor,
  ids: {
    readonly deviceIds: readonly string[];
    readonly terminalIds: readonly string[];
    readonly merchantIds: readonly string[];
  },
): Promise<PartyFacts> {
  const { rows } = await sql.query<{
    fact: 'account' | 'terminal-merchant' | 'category-code';
    id: string;
    value: string;
  }>(
    `SELECT 'account' AS fact, device_id AS id, account_id AS value FROM verifier_devices WHERE device_id = ANY($1::text[])
     UNION ALL
     SELECT 'terminal-merchant', terminal_id, merchant_id FROM verifier_terminals WHERE terminal_id = ANY($2::text[])
     UNION ALL
     SELECT 'category-code', merchant_id, category_code FROM verifier_merchants WHERE merchant_id = ANY($3::text[])`,
    [[...new Set(ids.deviceIds)], [...new Set(ids.terminalIds)], [...new Set(ids.merchantIds)]],
  );
  const facts = {
    account: new Map<string, string>(),
    'terminal-merchant': new Map<string, string>(),
    'category-code': new Map<string, string>(),
  };
  for (const row of rows) facts[row.fact].set(row.id, row.value);
  return {
    accounts: facts.account,
    terminalMerchants: facts['terminal-merchant'],
    categoryCodes: facts['category-code'],
  };
}

/** Per device, the earliest instant its rules ask about. */
export type SinceByDevice = ReadonlyMap<string, Date>;

function sinceColumns(since: SinceByDevice): [string[], Date[]] {
  return [[...since.keys()], [...since.values()]];
}

/**
 * Each device's check-ins the decider needs (its input contract): the latest one before `since`, and
 * every one from `since` on — not the device's whole history, which grows by one a day.
 */
export async function checkInsSince(
  sql: SqlExecutor,
  since: SinceByDevice,
): Promise<Map<string, CheckIn[]>> {
  if (since.size === 0) return new Map();
  const { rows } = await sql.query<{
    device_id: string;
    checked_in_at: Date;
    valid_until: Date;
    offline_caps: DeviceCheckInCapV1[];
  }>(
    `SELECT c.device_id, c.checked_in_at, c.valid_until, c.offline_caps
       FROM unnest($1::text[], $2::timestamptz[]) AS d (device_id, since)
       CROSS JOIN LATERAL (
         (SELECT * FROM verifier_device_check_ins WHERE device_id = d.device_id AND checked_in_at < d.since ORDER BY checked_in_at DESC LIMIT 1)
         UNION ALL
         (SELECT * FROM verifier_device_check_ins WHERE device_id = d.device_id AND checked_in_at >= d.since)
       ) AS c
      ORDER BY c.device_id, c.checked_in_at`,
    sinceColumns(since),
  );
  const byDevice = new Map<string, CheckIn[]>();
  for (const row of rows) {
    const caps = row.offline_caps.map((cap) => ({
      currency: cap.currency,
      perTransactionMax: BigInt(cap.perTransactionMax),
      cumulativeMax: BigInt(cap.cumulativeMax),
    }));
    pushTo(byDevice, row.device_id, {
      checkedInAtMs: row.checked_in_at.getTime(),
      validUntilMs: row.valid_until.getTime(),
      caps,
    });
  }
  return byDevice;
}

/** Each device's offline-capability changes: the latest one before `since` and every one from then on. */
export async function capabilityChangesSince(
  sql: SqlExecutor,
  since: SinceByDevice,
): Promise<Map<string, CapabilityChange[]>> {
  if (since.size === 0) return new Map();
  const { rows } = await sql.query<{
    device_id: string;
    changed_at: Date;
    capability: OfflineCapability;
  }>(
    `SELECT c.device_id, c.changed_at, c.capability
       FROM unnest($1::text[], $2::timestamptz[]) AS d (device_id, since)
       CROSS JOIN LATERAL (
         (SELECT * FROM verifier_device_capability_changes WHERE device_id = d.device_id AND changed_at < d.since ORDER BY changed_at DESC LIMIT 1)
         UNION ALL
         (SELECT * FROM verifier_device_capability_changes WHERE device_id = d.device_id AND changed_at >= d.since)
       ) AS c
      ORDER BY c.device_id, c.changed_at`,
    sinceColumns(since),
  );
  const byDevice = new Map<string, CapabilityChange[]>();
  for (const row of rows)
    pushTo(byDevice, row.device_id, {
      changedAtMs: row.changed_at.getTime(),
      capability: row.capability,
    });
  return byDevice;
}

/** Each device's payments that count against its cumulative cap (verified, settled, settlement-failed) approved since `since`. */
export async function countedPaymentsSince(
  sql: SqlExecutor,
  since: SinceByDevice,
): Promise<Map<string, CountedPayment[]>> {
  if (since.size === 0) return new Map();
  const { rows } = await sql.query<{
    consumer_device_id: string;
    currency: string;
    amount: string;
    approved_at: Date;
  }>(
    `SELECT t.consumer_device_id, t.currency, t.amount::text AS amount, t.approved_at
       FROM unnest($1::text[], $2::timestamptz[]) AS d (device_id, since)
       JOIN verifier_transactions t ON t.consumer_device_id = d.device_id AND t.approved_at >= d.since
      WHERE t.status IN ('verified', 'settled', 'settlement-failed')`,
    sinceColumns(since),
  );
  const byDevice = new Map<string, CountedPayment[]>();
  for (const row of rows)
    pushTo(byDevice, row.consumer_device_id, {
      currency: row.currency,
      amount: BigInt(row.amount),
      approvedAtMs: row.approved_at.getTime(),
    });
  return byDevice;
}

/** `deviceId/counter` → the transaction that used it, for these devices' counters. */
export async function usedCounters(
  sql: SqlExecutor,
  counters: ReadonlyArray<{ readonly deviceId: string; readonly counter: bigint }>,
): Promise<Map<string, string>> {
  if (counters.length === 0) return new Map();
  const { rows } = await sql.query<{
    device_id: string;
    device_counter: string;
    transaction_id: string;
  }>(
    `SELECT c.device_id, c.device_counter::text AS device_counter, c.transaction_id
       FROM unnest($1::text[], $2::numeric[]) AS u (device_id, device_counter)
       JOIN verifier_device_counters c USING (device_id, device_counter)`,
    [counters.map((entry) => entry.deviceId), counters.map((entry) => entry.counter.toString())],
  );
  return new Map(
    rows.map((row) => [counterKey(row.device_id, BigInt(row.device_counter)), row.transaction_id]),
  );
}

export function counterKey(deviceId: string, counter: bigint): string {
  return `${deviceId}/${counter}`;
}

/** A verified transaction's writes. */
export interface VerifiedWrite {
  readonly transactionId: string;
  readonly deviceId: string;
  readonly deviceCounter: bigint;
  readonly approvedAt: Date;
  readonly consumerAccountId: string;
}

/** A rejected transaction's writes: the verdict and its signed confirmation. */
export interface RejectedWrite {
  readonly transactionId: string;
  readonly reasonCode: VerificationRejectionCode;
  readonly confirmation: Uint8Array;
}

/**
 * The counter was used between this batch's read and its write: only a stale consumer still working
 * on a partition it lost can do that. A retry re-reads the counters and decides again.
 */
export class CounterClaimedConcurrentlyError extends Error {
  override readonly name = 'CounterClaimedConcurrentlyError';
  readonly code = 'COUNTER_CLAIMED_CONCURRENTLY';
  readonly retriable = true;
}

/**
 * Records the counters of the verified transactions (the primary key is the guard against a reuse
 * racing this batch) and their status, consumer account and decision time.
 */
export async function recordVerified(
  sql: SqlExecutor,
  writes: readonly VerifiedWrite[],
  decidedAt: Date,
): Promise<void> {
  if (writes.length === 0) return;
  const claimed = await sql.query(
    `INSERT INTO verifier_device_counters (device_id, device_counter, transaction_id, approved_at)
     SELECT * FROM unnest($1::text[], $2::numeric[], $3::text[], $4::timestamptz[]) ORDER BY 1, 2
     ON CONFLICT (device_id, device_counter) DO NOTHING`,
    [
      writes.map((write) => write.deviceId),
      writes.map((write) => write.deviceCounter.toString()),
      writes.map((write) => write.transactionId),
      writes.map((write) => write.approvedAt),
    ],
  );
  if (claimed.rowCount !== writes.length)
    throw new CounterClaimedConcurrentlyError(
      `${writes.length - (claimed.rowCount ?? 0)} device counter(s) were claimed by another transaction meanwhile`,
    );
  const updated = await sql.query(
    `UPDATE verifier_transactions AS t SET status = 'verified', consumer_account_id = u.account_id, decided_at = $3
       FROM unnest($1::text[], $2::text[]) AS u (transaction_id, account_id)
      WHERE t.transaction_id = u.transaction_id AND t.status = 'received'`,
    [
      writes.map((write) => write.transactionId),
      writes.map((write) => write.consumerAccountId),
      decidedAt,
    ],
  );
  assertAllUpdated(updated.rowCount, writes.length);
}

/** Records the rejections: final, with the signed confirmation and its place in the confirmation sequence. */
export async function recordRejected(
  sql: SqlExecutor,
  writes: readonly RejectedWrite[],
  decidedAt: Date,
): Promise<void> {
  if (writes.length === 0) return;
  const updated = await sql.query(
    `UPDATE verifier_transactions AS t
        SET status = 'rejected', reason_code = u.reason_code, decided_at = $4,
            confirmation = u.confirmation, confirmation_seq = nextval('verifier_confirmation_seq'), confirmed_at = $4
       FROM unnest($1::text[], $2::text[], $3::bytea[]) AS u (transaction_id, reason_code, confirmation)
      WHERE t.transaction_id = u.transaction_id AND t.status = 'received'`,
    [
      writes.map((write) => write.transactionId),
      writes.map((write) => write.reasonCode),
      writes.map((write) => Buffer.from(write.confirmation)),
      decidedAt,
    ],
  );
  assertAllUpdated(updated.rowCount, writes.length);
}

/** The rows were locked as `received` by this transaction: anything else is a bug. */
function assertAllUpdated(rowCount: number | null, expected: number): void {
  if (rowCount !== expected)
    throw new Error(
      `verification invariant violated: updated ${rowCount} of ${expected} locked rows`,
    );
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
