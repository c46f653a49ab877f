// The read side of the verifier's registry projection (migrations/0003-registry-projection.sql):
// plain functions over a SqlExecutor, so the upload handler and the verification consumer read the
// facts inside their own transaction. Nothing here decides anything; the deciders get these rows.
import {
  type DeviceCheckInCapV1,
  type DevicePlatform,
  type KeyAlgorithm,
  type KeyPurpose,
  type KeyState,
  type KeyStatePeriodV1,
  type OfflineCapability,
  type OfflineCapabilityChangeReason,
  type PublicJwk,
} from '@settle/contracts';
import { type SqlExecutor } from '@settle/messaging';

/** A key as its latest key.lifecycle-changed carried it. */
export interface KeyFact {
  readonly keyId: string;
  readonly ownerKind: 'device' | 'terminal';
  /** The device id or terminal id. */
  readonly ownerId: string;
  readonly purpose: KeyPurpose;
  readonly algorithm: KeyAlgorithm;
  readonly publicJwk: PublicJwk;
  /** The state of the last history period. */
  readonly state: KeyState;
  /** Every period exactly as the event carried it (ISO 8601 strings, oldest first, the last open). */
  readonly history: readonly KeyStatePeriodV1[];
}

export interface DeviceFact {
  readonly deviceId: string;
  readonly accountId: string;
  readonly platform: DevicePlatform;
  readonly enrolledAt: Date;
}

export interface TerminalFact {
  readonly terminalId: string;
  readonly merchantId: string;
  readonly registeredAt: Date;
}

export interface MerchantFact {
  readonly merchantId: string;
  readonly categoryCode: string;
  readonly settlementCurrency: string;
  readonly onboardedAt: Date;
}

/** One online check-in of a device: the credential it received (caps as decimal strings, minor units). */
export interface CheckInFact {
  readonly deviceId: string;
  readonly checkedInAt: Date;
  /** The credential expires then (exclusive). */
  readonly validUntil: Date;
  readonly paymentKeyId: string;
  /** One per currency, ascending, exactly the credential's caps. */
  readonly offlineCaps: readonly DeviceCheckInCapV1[];
}

/** One change of a device's offline capability. */
export interface CapabilityChangeFact {
  readonly deviceId: string;
  readonly changedAt: Date;
  readonly capability: OfflineCapability;
  readonly reason: OfflineCapabilityChangeReason;
}

interface KeyRow extends Record<string, unknown> {
  key_id: string;
  owner_kind: KeyFact['ownerKind'];
  owner_id: string;
  purpose: KeyPurpose;
  algorithm: KeyAlgorithm;
  public_jwk: PublicJwk;
  state: KeyState;
  history: KeyStatePeriodV1[];
}

const keyColumns = 'key_id, owner_kind, owner_id, purpose, algorithm, public_jwk, state, history';

function keyFactOf(row: KeyRow): KeyFact {
  return {
    keyId: row.key_id,
    ownerKind: row.owner_kind,
    ownerId: row.owner_id,
    purpose: row.purpose,
    algorithm: row.algorithm,
    publicJwk: row.public_jwk,
    state: row.state,
    history: row.history,
  };
}

/** The key, or undefined while its key.lifecycle-changed has not been consumed. */
export async function keyById(sql: SqlExecutor, keyId: string): Promise<KeyFact | undefined> {
  const { rows } = await sql.query<KeyRow>(
    `SELECT ${keyColumns} FROM verifier_keys WHERE key_id = $1`,
    [keyId],
  );
  return rows[0] && keyFactOf(rows[0]);
}

/** Several keys in one round trip (e.g. both keys of every transaction of a batch); unknown ids are absent. */
export async function keysByIds(
  sql: SqlExecutor,
  keyIds: readonly string[],
): Promise<ReadonlyMap<string, KeyFact>> {
  if (keyIds.length === 0) return new Map();
  const { rows } = await sql.query<KeyRow>(
    `SELECT ${keyColumns} FROM verifier_keys WHERE key_id = ANY($1::text[])`,
    [[...new Set(keyIds)]],
  );
  return new Map(rows.map((row) => [row.key_id, keyFactOf(row)]));
}

export async function deviceById(
  sql: SqlExecutor,
  deviceId: string,
): Promise<DeviceFact | undefined> {
  const { rows } = await sql.query<{
    device_id: string;
    account_id: string;
    platform: DevicePlatform;
    enrolled_at: Date;
  }>(
    'SELECT device_id, account_id, platform, enrolled_at FROM verifier_devices WHERE device_id = $1',
    [deviceId],
  );
  const row = rows[0];
  return (
    row && {
      deviceId: row.device_id,
      accountId: row.account_id,
      platform: row.platform,
      enrolledAt: row.enrolled_at,
    }
  );
}

export async function terminalById(
  sql: SqlExecutor,
  terminalId: string,
): Promise<TerminalFact | undefined> {
  const { rows } = await sql.query<{
    terminal_id: string;
    merchant_id: string;
    registered_at: Date;
  }>(
    'SELECT terminal_id, merchant_id, registered_at FROM verifier_terminals WHERE terminal_id = $1',
    [terminalId],
  );
  const row = rows[0];
  return (
    row && {
      terminalId: row.terminal_id,
      merchantId: row.merchant_id,
      registeredAt: row.registered_at,
    }
  );
}

export async function merchantById(
  sql: SqlExecutor,
  merchantId: string,
): Promise<MerchantFact | undefined> {
  const { rows } = await sql.query<{
    merchant_id: string;
    category_code: string;
    settlement_currency: string;
    onboarded_at: Date;
  }>(
    'SELECT merchant_id, category_code, settlement_currency, onboarded_at FROM verifier_merchants WHERE merchant_id = $1',
    [merchantId],
  );
  const row = rows[0];
  return (
    row && {
      merchantId: row.merchant_id,
      categoryCode: row.category_code,
      settlementCurrency: row.settlement_currency,
      onboardedAt: row.onboarded_at,
    }
  );
}

/** Every check-in of the device ever consumed, oldest first (empty: none seen yet). */
export async function checkInsOf(
  sql: SqlExecutor,
  deviceId: string,
): Promise<readonly CheckInFact[]> {
  const { rows } = await sql.query<{
    checked_in_at: Date;
    valid_until: Date;
    payment_key_id: string;
    offline_caps: DeviceCheckInCapV1[];
  }>(
    'SELECT checked_in_at, valid_until, payment_key_id, offline_caps FROM verifier_device_check_ins WHERE device_id = $1 ORDER BY checked_in_at',
    [deviceId],
  );
  return rows.map((row) => ({
    deviceId,
    checkedInAt: row.checked_in_at,
    validUntil: row.valid_until,
    paymentKeyId: row.payment_key_id,
    offlineCaps: row.offline_caps,
  }));
}

/** Every offline-capability change of the device ever consumed, oldest first (empty: none seen yet). */
export async function capabilityChangesOf(
  sql: SqlExecutor,
  deviceId: string,
): Promise<readonly CapabilityChangeFact[]> {
  const { rows } = await sql.query<{
    changed_at: Date;
    capability: OfflineCapability;
    reason: OfflineCapabilityChangeReason;
  }>(
    'SELECT changed_at, capability, reason FROM verifier_device_capability_changes WHERE device_id = $1 ORDER BY changed_at',
    [deviceId],
  );
  return rows.map((row) => ({
    deviceId,
    changedAt: row.changed_at,
    capability: row.capability,
    reason: row.reason,
  }));
}
