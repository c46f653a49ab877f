// The write side of the verifier's registry projection (migrations/0003-registry-projection.sql):
// one statement per table for a whole batch of events, each idempotent, so a redelivered batch or a
// replay of the topics from offset 0 leaves exactly the rows one pass would.
import {
  type DeviceCheckedInV1,
  type DeviceEnrolledV1,
  type DeviceOfflineCapabilityChangedV1,
  type KeyLifecycleChangedV1,
  type MerchantOnboardedV1,
  type TerminalRegisteredV1,
} from '@settle/contracts';
import { type SqlExecutor } from '@settle/messaging';

/** A key.lifecycle-changed with the id of the envelope that carried it. */
export interface KeyEvent {
  readonly key: KeyLifecycleChangedV1;
  readonly eventId: string;
}

/**
 * Keeps, per id, the event that would win if they were applied one by one: the one `newer` prefers,
 * the earlier on a tie (a later equal one changes nothing). One statement must not touch a row twice.
 */
export function latestPerId<T>(
  items: readonly T[],
  idOf: (item: T) => string,
  newer: (candidate: T, current: T) => boolean,
): T[] {
  const latest = new Map<string, T>();
  for (const item of items) {
    const current = latest.get(idOf(item));
    if (current === undefined || newer(item, current)) latest.set(idOf(item), item);
  }
  return [...latest.values()];
}

/**
 * Every key with its whole history. A longer history is a later state (the registry only appends
 * periods), so an event whose history is not longer than the stored one — a redelivery, or an older
 * event delivered after a newer one — changes nothing.
 */
export async function saveKeys(sql: SqlExecutor, events: readonly KeyEvent[]): Promise<void> {
  const latest = latestPerId(
    events,
    (event) => event.key.keyId,
    (candidate, current) => candidate.key.history.length > current.key.history.length,
  );
  if (latest.length === 0) return;
  const rows = latest.map(({ key, eventId }) => ({
    key_id: key.keyId,
    owner_kind: key.owner.kind,
    owner_id: key.owner.id,
    purpose: key.purpose,
    algorithm: key.algorithm,
    public_jwk: key.publicKeyJwk,
    state: key.state,
    history: key.history,
    event_id: eventId,
  }));
  await sql.query(
    `INSERT INTO verifier_keys (key_id, owner_kind, owner_id, purpose, algorithm, public_jwk, state, history, event_id)
     SELECT key_id, owner_kind, owner_id, purpose, algorithm, public_jwk, state, history, event_id
     FROM jsonb_to_recordset($1::jsonb) AS r(key_id text, owner_kind text, owner_id text, purpose text, algorithm text, public_jwk jsonb, state text, history jsonb, event_id uuid)
     ON CONFLICT (key_id) DO UPDATE SET
       owner_kind = EXCLUDED.owner_kind, owner_id = EXCLUDED.owner_id, purpose = EXCLUDED.purpose, algorithm = EXCLUDED.algorithm,
       public_jwk = EXCLUDED.public_jwk, state = EXCLUDED.state, history = EXCLUDED.history, event_id = EXCLUDED.event_id
     WHERE jsonb_array_length(verifier_keys.history) < jsonb_array_length(EXCLUDED.history)`,
    [JSON.stringify(rows)],
  );
}

/**
 * Devices, terminals and merchants: the registry announces each once, at creation, with its full
 * state. Should it ever announce one again, the later creation time wins; an equal or earlier one
 * (a redelivery) changes nothing.
 */
export async function saveDevices(
  sql: SqlExecutor,
  devices: readonly DeviceEnrolledV1[],
): Promise<void> {
  const latest = latestPerId(
    devices,
    (device) => device.deviceId,
    (candidate, current) => Date.parse(candidate.enrolledAt) > Date.parse(current.enrolledAt),
  );
  if (latest.length === 0) return;
  await sql.query(
    `INSERT INTO verifier_devices (device_id, account_id, platform, enrolled_at)
     SELECT "deviceId", "accountId", platform, "enrolledAt"::timestamptz
     FROM jsonb_to_recordset($1::jsonb) AS r("deviceId" text, "accountId" text, platform text, "enrolledAt" text)
     ON CONFLICT (device_id) DO UPDATE SET account_id = EXCLUDED.account_id, platform = EXCLUDED.platform, enrolled_at = EXCLUDED.enrolled_at
     WHERE verifier_devices.enrolled_at < EXCLUDED.enrolled_at`,
    [JSON.stringify(latest)],
  );
}

export async function saveTerminals(
  sql: SqlExecutor,
  terminals: readonly TerminalRegisteredV1[],
): Promise<void> {
  const latest = latestPerId(
    terminals,
    (terminal) => terminal.terminalId,
    (candidate, current) => Date.parse(candidate.registeredAt) > Date.parse(current.registeredAt),
  );
  if (latest.length === 0) return;
  await sql.query(
    `INSERT INTO verifier_terminals (terminal_id, merchant_id, registered_at)
     SELECT "terminalId", "merchantId", "registeredAt"::timestamptz
     FROM jsonb_to_recordset($1::jsonb) AS r("terminalId" text, "merchantId" text, "registeredAt" text)
     ON CONFLICT (terminal_id) DO UPDATE SET merchant_id = EXCLUDED.merchant_id, registered_at = EXCLUDED.registered_at
     WHERE verifier_terminals.registered_at < EXCLUDED.registered_at`,
    [JSON.stringify(latest)],
  );
}

export async function saveMerchants(
  sql: SqlExecutor,
  merchants: readonly MerchantOnboardedV1[],
): Promise<void> {
  const latest = latestPerId(
    merchants,
    (merchant) => merchant.merchantId,
    (candidate, current) => Date.parse(candidate.onboardedAt) > Date.parse(current.onboardedAt),
  );
  if (latest.length === 0) return;
  await sql.query(
    `INSERT INTO verifier_merchants (merchant_id, category_code, settlement_currency, onboarded_at)
     SELECT "merchantId", "categoryCode", "settlementCurrency", "onboardedAt"::timestamptz
     FROM jsonb_to_recordset($1::jsonb) AS r("merchantId" text, "categoryCode" text, "settlementCurrency" text, "onboardedAt" text)
     ON CONFLICT (merchant_id) DO UPDATE SET category_code = EXCLUDED.category_code, settlement_currency = EXCLUDED.settlement_currency, onboarded_at = EXCLUDED.onboarded_at
     WHERE verifier_merchants.onboarded_at < EXCLUDED.onboarded_at`,
    [JSON.stringify(latest)],
  );
}

/**
 * Every check-in any event carried. Rows are only added: a check-in that fell out of the event's
 * latest 32 stays, and one already stored is never rewritten.
 */
export async function saveCheckIns(
  sql: SqlExecutor,
  events: readonly DeviceCheckedInV1[],
): Promise<void> {
  const rows = events.flatMap((event) =>
    event.history.map((checkIn) => ({ deviceId: event.deviceId, ...checkIn })),
  );
  if (rows.length === 0) return;
  await sql.query(
    `INSERT INTO verifier_device_check_ins (device_id, checked_in_at, valid_until, payment_key_id, offline_caps)
     SELECT "deviceId", "checkedInAt"::timestamptz, "validUntil"::timestamptz, "paymentKeyId", "offlineCaps"
     FROM jsonb_to_recordset($1::jsonb) AS r("deviceId" text, "checkedInAt" text, "validUntil" text, "paymentKeyId" text, "offlineCaps" jsonb)
     ON CONFLICT (device_id, checked_in_at) DO NOTHING`,
    [JSON.stringify(rows)],
  );
}

/** Every capability change any event carried, only ever added (the first one seen for a time wins). */
export async function saveCapabilityChanges(
  sql: SqlExecutor,
  events: readonly DeviceOfflineCapabilityChangedV1[],
): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map(({ deviceId, changedAt, capability, reason }) => ({
    deviceId,
    changedAt,
    capability,
    reason,
  }));
  await sql.query(
    `INSERT INTO verifier_device_capability_changes (device_id, changed_at, capability, reason)
     SELECT "deviceId", "changedAt"::timestamptz, capability, reason
     FROM jsonb_to_recordset($1::jsonb) AS r("deviceId" text, "changedAt" text, capability text, reason text)
     ON CONFLICT (device_id, changed_at) DO NOTHING`,
    [JSON.stringify(rows)],
  );
}
