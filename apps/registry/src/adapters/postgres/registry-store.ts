import {
  type AttestationLevel,
  type DeviceCheckInV1,
  type KeyLifecycleChangedV1,
  type KeyOwner,
  type KeyState,
  type KeyStateReason,
  type OfflineLimitV1,
} from '@settle/contracts';
import { type SqlExecutor } from '@settle/messaging';
import { assert } from '../../domain/assert';
import { type ChallengeRecord } from '../../domain/challenge';
import { type EnrolmentCodeRecord } from '../../domain/enrolment-code';
import { currentState, type KeyHistory } from '../../domain/key-lifecycle';
import { type OfflineState } from '../../domain/offline-capability';
import { type KnownKey } from '../../register-keys/register-keys.decider';

/** Raw SQL on the registry's tables. Every loader that a write follows takes the row lock (`FOR UPDATE`). */

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

interface KeyRow extends Record<string, unknown> {
  key_id: string;
  owner_kind: 'device' | 'terminal';
  owner_id: string;
  purpose: KnownKey['purpose'];
  algorithm: KnownKey['algorithm'];
  public_key_jwk: KnownKey['publicKeyJwk'];
  challenge: string;
  attestation_request_id: string;
  attestation_level: AttestationLevel | null;
}

export interface StoredKey extends KnownKey {
  readonly attestationRequestId: string;
  /** The level the verifier's acceptance stated; null until a key is accepted. */
  readonly attestationLevel: AttestationLevel | null;
}

async function loadKeysWhere(
  sql: SqlExecutor,
  where: string,
  values: unknown[],
  lock: boolean,
): Promise<StoredKey[]> {
  const { rows } = await sql.query<KeyRow>(
    `SELECT key_id, owner_kind, owner_id, purpose, algorithm, public_key_jwk, challenge, attestation_request_id::text, attestation_level
       FROM registry_keys WHERE ${where} ORDER BY key_id ${lock ? 'FOR UPDATE' : ''}`,
    values,
  );
  if (rows.length === 0) return [];
  const histories = await loadHistories(
    sql,
    rows.map((row) => row.key_id),
  );
  return rows.map((row) => ({
    keyId: row.key_id,
    owner: { kind: row.owner_kind, id: row.owner_id },
    purpose: row.purpose,
    algorithm: row.algorithm,
    publicKeyJwk: row.public_key_jwk,
    challenge: row.challenge,
    attestationRequestId: row.attestation_request_id,
    attestationLevel: row.attestation_level,
    history: histories.get(row.key_id) ?? [],
  }));
}

export const loadKeys = (
  sql: SqlExecutor,
  keyIds: readonly string[],
  lock = true,
): Promise<StoredKey[]> => loadKeysWhere(sql, 'key_id = ANY($1)', [keyIds], lock);

/** The owner's keys still in use (pending, active, suspended), locked. */
export const loadOwnerCurrentKeys = (sql: SqlExecutor, owner: KeyOwner): Promise<StoredKey[]> =>
  loadKeysWhere(
    sql,
    `owner_kind = $1 AND owner_id = $2 AND state IN ('pending', 'active', 'suspended')`,
    [owner.kind, owner.id],
    true,
  );

async function loadHistories(
  sql: SqlExecutor,
  keyIds: readonly string[],
): Promise<Map<string, KeyHistory>> {
  const { rows } = await sql.query<{
    key_id: string;
    state: KeyState;
    reason: KeyStateReason | null;
    valid_from: Date;
    valid_to: Date | null;
  }>(
    'SELECT key_id, state, reason, valid_from, valid_to FROM registry_key_history WHERE key_id = ANY($1) ORDER BY key_id, period_index',
    [keyIds],
  );
  const histories = new Map<string, Array<KeyHistory[number]>>();
  for (const row of rows) {
    const history = histories.get(row.key_id) ?? [];
    history.push({
      state: row.state,
      reason: row.reason,
      validFrom: row.valid_from.toISOString(),
      validTo: iso(row.valid_to),
    });
    histories.set(row.key_id, history);
  }
  return histories;
}

/** Inserts new keys (pending) with their first period. */
export async function insertKeys(
  sql: SqlExecutor,
  keys: ReadonlyArray<KnownKey & { attestationRequestId: string; format: string }>,
  registeredAt: string,
): Promise<void> {
  for (const key of keys) {
    await sql.query(
      `INSERT INTO registry_keys (key_id, owner_kind, owner_id, purpose, algorithm, public_key_jwk, state, challenge, attestation_request_id, attestation_format, registered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        key.keyId,
        key.owner.kind,
        key.owner.id,
        key.purpose,
        key.algorithm,
        JSON.stringify(key.publicKeyJwk),
        currentState(key.history),
        key.challenge,
        key.attestationRequestId,
        key.format,
        registeredAt,
      ],
    );
  }
  await saveHistories(sql, keys);
}

/**
 * Writes a key's history: periods are only ever appended and the open one closed, so an upsert of every
 * period (in order: the old open period is closed before the new one is inserted) is exact.
 */
export async function saveHistories(
  sql: SqlExecutor,
  keys: ReadonlyArray<{ keyId: string; history: KeyHistory }>,
): Promise<void> {
  for (const key of keys) {
    await sql.query(
      `INSERT INTO registry_key_history (key_id, period_index, state, reason, valid_from, valid_to)
       SELECT $1, index - 1, state, reason, valid_from, valid_to
         FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[]) WITH ORDINALITY AS p(state, reason, valid_from, valid_to, index)
        ORDER BY index
       ON CONFLICT (key_id, period_index) DO UPDATE SET valid_to = excluded.valid_to
         WHERE registry_key_history.valid_to IS DISTINCT FROM excluded.valid_to`,
      [
        key.keyId,
        key.history.map((p) => p.state),
        key.history.map((p) => p.reason),
        key.history.map((p) => p.validFrom),
        key.history.map((p) => p.validTo),
      ],
    );
    // state_changed_at only moves with the state: the guard's snapshot reads the rows changed since its last read.
    await sql.query(
      'UPDATE registry_keys SET state = $2::text, state_changed_at = clock_timestamp() WHERE key_id = $1 AND state IS DISTINCT FROM $2::text',
      [key.keyId, currentState(key.history)],
    );
  }
}

export function keyPayload(key: KnownKey): KeyLifecycleChangedV1 {
  return {
    keyId: key.keyId,
    owner: key.owner,
    purpose: key.purpose,
    algorithm: key.algorithm,
    publicKeyJwk: key.publicKeyJwk,
    state: currentState(key.history),
    history: key.history,
  };
}

export async function loadEnrolmentCode(
  sql: SqlExecutor,
  codeHash: string,
): Promise<EnrolmentCodeRecord | null> {
  return loadEnrolmentCodeWhere(sql, 'code_hash = $1', codeHash);
}

/** A code by the id operators address it with (the code itself is never stored), locked. */
export async function loadEnrolmentCodeById(
  sql: SqlExecutor,
  codeId: string,
): Promise<(EnrolmentCodeRecord & { readonly codeId: string }) | null> {
  return loadEnrolmentCodeWhere(sql, 'code_id = $1', codeId);
}

async function loadEnrolmentCodeWhere(
  sql: SqlExecutor,
  where: string,
  value: string,
): Promise<(EnrolmentCodeRecord & { readonly codeId: string }) | null> {
  const { rows } = await sql.query<{
    code_hash: string;
    code_id: string;
    subject_kind: EnrolmentCodeRecord['subject']['kind'];
    subject_id: string;
    expires_at: Date;
    consumed_at: Date | null;
    revoked_at: Date | null;
    challenges_issued: number;
  }>(
    `SELECT code_hash, code_id::text, subject_kind, subject_id, expires_at, consumed_at, revoked_at, challenges_issued FROM registry_enrolment_codes WHERE ${where} FOR UPDATE`,
    [value],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    codeHash: row.code_hash,
    codeId: row.code_id,
    subject: { kind: row.subject_kind, id: row.subject_id },
    expiresAt: row.expires_at.toISOString(),
    consumedAt: iso(row.consumed_at),
    revokedAt: iso(row.revoked_at),
    challengesIssued: row.challenges_issued,
  };
}

export async function loadChallenge(
  sql: SqlExecutor,
  challenge: string,
): Promise<ChallengeRecord | null> {
  const { rows } = await sql.query<{
    code_hash: string;
    owner_kind: 'device' | 'terminal';
    owner_id: string;
    expires_at: Date;
    consumed_at: Date | null;
  }>(
    'SELECT code_hash, owner_kind, owner_id, expires_at, consumed_at FROM registry_challenges WHERE challenge = $1 FOR UPDATE',
    [challenge],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    challenge,
    codeHash: row.code_hash,
    owner: { kind: row.owner_kind, id: row.owner_id },
    expiresAt: row.expires_at.toISOString(),
    consumedAt: iso(row.consumed_at),
  };
}

export interface DeviceOffline {
  readonly deviceId: string;
  readonly accountId: string;
  readonly state: OfflineState;
}

interface OfflineRow extends Record<string, unknown> {
  device_id: string;
  account_id: string;
  limits: OfflineLimitV1[];
  suspended_by_operator: boolean;
  suspended_for_overdraft: boolean;
  suspended_for_key: boolean;
  last_check_in_at: Date;
}

const offlineColumns =
  'device_id, account_id, limits, suspended_by_operator, suspended_for_overdraft, suspended_for_key, last_check_in_at';
const toOffline = (row: OfflineRow): DeviceOffline => ({
  deviceId: row.device_id,
  accountId: row.account_id,
  state: {
    limits: row.limits,
    suspendedByOperator: row.suspended_by_operator,
    suspendedForOverdraft: row.suspended_for_overdraft,
    suspendedForKey: row.suspended_for_key,
    lastCheckInAt: row.last_check_in_at.toISOString(),
  },
});

export async function loadDeviceOffline(
  sql: SqlExecutor,
  deviceId: string,
  lock = true,
): Promise<DeviceOffline | null> {
  const { rows } = await sql.query<OfflineRow>(
    `SELECT ${offlineColumns} FROM registry_device_offline WHERE device_id = $1 ${lock ? 'FOR UPDATE' : ''}`,
    [deviceId],
  );
  return rows[0] ? toOffline(rows[0]) : null;
}

/** Every device of an account, locked in device id order (a fixed order: no deadlock between writers). */
export async function loadAccountDevicesOffline(
  sql: SqlExecutor,
  accountId: string,
): Promise<DeviceOffline[]> {
  const { rows } = await sql.query<OfflineRow>(
    `SELECT ${offlineColumns} FROM registry_device_offline WHERE account_id = $1 ORDER BY device_id FOR UPDATE`,
    [accountId],
  );
  return rows.map(toOffline);
}

export async function saveDeviceOffline(
  sql: SqlExecutor,
  device: DeviceOffline,
  changedAt: string,
): Promise<void> {
  await sql.query(
    `INSERT INTO registry_device_offline (device_id, account_id, limits, suspended_by_operator, suspended_for_overdraft, suspended_for_key, last_check_in_at, changed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (device_id) DO UPDATE SET limits = excluded.limits, suspended_by_operator = excluded.suspended_by_operator,
       suspended_for_overdraft = excluded.suspended_for_overdraft, suspended_for_key = excluded.suspended_for_key,
       last_check_in_at = excluded.last_check_in_at, changed_at = excluded.changed_at`,
    [
      device.deviceId,
      device.accountId,
      JSON.stringify(device.state.limits),
      device.state.suspendedByOperator,
      device.state.suspendedForOverdraft,
      device.state.suspendedForKey,
      device.state.lastCheckInAt,
      changedAt,
    ],
  );
}

/**
 * The owner's current key of a purpose, not locked: the one in use (active or suspended) while it has
 * one — a newer key still pending attestation does not replace it yet — else its pending one; null when
 * it has none.
 */
export async function loadCurrentKey(
  sql: SqlExecutor,
  owner: KeyOwner,
  purpose: KnownKey['purpose'],
): Promise<StoredKey | null> {
  const keys = await loadKeysWhere(
    sql,
    `owner_kind = $1 AND owner_id = $2 AND purpose = $3 AND state IN ('pending', 'active', 'suspended')`,
    [owner.kind, owner.id, purpose],
    false,
  );
  assert(keys.length <= 2, 'at most one key in use and one pending per owner and purpose');
  return keys.find((key) => currentState(key.history) !== 'pending') ?? keys[0] ?? null;
}

/** The owner's keys of a purpose in use (active or suspended; at most one), locked: what a newly active key retires. */
export const loadOwnerKeysInUse = (
  sql: SqlExecutor,
  owner: KeyOwner,
  purpose: KnownKey['purpose'],
): Promise<StoredKey[]> =>
  loadKeysWhere(
    sql,
    `owner_kind = $1 AND owner_id = $2 AND purpose = $3 AND state IN ('active', 'suspended')`,
    [owner.kind, owner.id, purpose],
    true,
  );

/** A terminal with its merchant's id and display name (what a terminal credential states), or null. */
export async function loadTerminalWithMerchant(
  sql: SqlExecutor,
  terminalId: string,
): Promise<{ terminalId: string; merchantId: string; merchantDisplayName: string } | null> {
  const { rows } = await sql.query<{
    terminal_id: string;
    merchant_id: string;
    display_name: string;
  }>(
    'SELECT t.terminal_id, t.merchant_id, m.display_name FROM registry_terminals t JOIN registry_merchants m USING (merchant_id) WHERE t.terminal_id = $1',
    [terminalId],
  );
  const row = rows[0];
  return row
    ? {
        terminalId: row.terminal_id,
        merchantId: row.merchant_id,
        merchantDisplayName: row.display_name,
      }
    : null;
}

/** One recorded check-in (registry_device_check_ins), as device.checked-in carries it. */
export interface StoredCheckIn extends DeviceCheckInV1 {
  readonly checkInId: string;
  readonly deviceId: string;
  readonly credentialKeyId: string;
}

export async function insertCheckIn(sql: SqlExecutor, checkIn: StoredCheckIn): Promise<void> {
  await sql.query(
    `INSERT INTO registry_device_check_ins (check_in_id, device_id, checked_in_at, valid_until, payment_key_id, credential_key_id, offline_caps)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      checkIn.checkInId,
      checkIn.deviceId,
      checkIn.checkedInAt,
      checkIn.validUntil,
      checkIn.paymentKeyId,
      checkIn.credentialKeyId,
      JSON.stringify(checkIn.offlineCaps),
    ],
  );
  await sql.query('UPDATE registry_device_offline SET last_check_in_at = $2 WHERE device_id = $1', [
    checkIn.deviceId,
    checkIn.checkedInAt,
  ]);
}

/** The device's latest `limit` check-ins, oldest first. */
export async function loadLatestCheckIns(
  sql: SqlExecutor,
  deviceId: string,
  limit: number,
): Promise<DeviceCheckInV1[]> {
  const { rows } = await sql.query<{
    checked_in_at: Date;
    valid_until: Date;
    payment_key_id: string;
    offline_caps: DeviceCheckInV1['offlineCaps'];
  }>(
    'SELECT checked_in_at, valid_until, payment_key_id, offline_caps FROM registry_device_check_ins WHERE device_id = $1 ORDER BY checked_in_at DESC LIMIT $2',
    [deviceId, limit],
  );
  return rows.reverse().map((row) => ({
    checkedInAt: row.checked_in_at.toISOString(),
    validUntil: row.valid_until.toISOString(),
    paymentKeyId: row.payment_key_id,
    offlineCaps: row.offline_caps,
  }));
}

/** When the device last checked in with a credential issued, or null. */
export async function loadLastCheckInAt(
  sql: SqlExecutor,
  deviceId: string,
): Promise<string | null> {
  const { rows } = await sql.query<{ last: Date | null }>(
    'SELECT max(checked_in_at) AS last FROM registry_device_check_ins WHERE device_id = $1',
    [deviceId],
  );
  return rows[0]?.last ? rows[0].last.toISOString() : null;
}
