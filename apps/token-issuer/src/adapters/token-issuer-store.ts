// Plain SQL over the token issuer's own tables (migrations/0002-sessions.sql), as the messaging backbone does.
import { type KeyLifecycleChangedV1 } from '@settle/contracts';
import { type SqlExecutor } from '@settle/messaging';
import { type ProjectedKey, type SessionState } from '../domain/session-rules';

/** Applies a key's whole state unless a newer one (longer history) is already stored; returns whether it applied. */
export async function saveKey(
  sql: SqlExecutor,
  key: KeyLifecycleChangedV1,
  now: string,
): Promise<boolean> {
  const { rowCount } = await sql.query(
    `INSERT INTO token_issuer_keys (key_id, owner_kind, owner_id, purpose, state, public_jwk, history_count, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (key_id) DO UPDATE SET state = EXCLUDED.state, history_count = EXCLUDED.history_count, updated_at = EXCLUDED.updated_at
       WHERE token_issuer_keys.history_count <= EXCLUDED.history_count`,
    [
      key.keyId,
      key.owner.kind,
      key.owner.id,
      key.purpose,
      key.state,
      JSON.stringify(key.publicKeyJwk),
      key.history.length,
      now,
    ],
  );
  return (rowCount ?? 0) > 0;
}

/** A projected key with what a token says of its owner: the account or merchant (undefined until its event arrived) and the attested level. */
export interface KeyWithOwner extends ProjectedKey {
  readonly owner: string | undefined;
  readonly attestationLevel: string | undefined;
}

/** A row of {@link keyWithOwnerSql}. */
interface KeyWithOwnerRow extends Record<string, unknown> {
  key_id: string;
  owner_kind: 'device' | 'terminal';
  owner_id: string;
  purpose: string;
  state: ProjectedKey['state'];
  public_jwk: ProjectedKey['publicJwk'];
  owner: string | null;
  level: string | null;
}

/** The key `$1`, its owner's account or merchant, and its attestation level. */
const keyWithOwnerSql = `SELECT k.key_id, k.owner_kind, k.owner_id, k.purpose, k.state, k.public_jwk, COALESCE(d.account_id, t.merchant_id) AS owner, l.level
     FROM token_issuer_keys k
     LEFT JOIN token_issuer_devices d ON k.owner_kind = 'device' AND d.device_id = k.owner_id
     LEFT JOIN token_issuer_terminals t ON k.owner_kind = 'terminal' AND t.terminal_id = k.owner_id
     LEFT JOIN token_issuer_attestation_levels l ON l.key_id = k.key_id
     WHERE k.key_id = $1`;

function keyWithOwnerOf(row: KeyWithOwnerRow): KeyWithOwner {
  return {
    keyId: row.key_id,
    ownerKind: row.owner_kind,
    ownerId: row.owner_id,
    purpose: row.purpose,
    state: row.state,
    publicJwk: row.public_jwk,
    owner: row.owner ?? undefined,
    attestationLevel: row.level ?? undefined,
  };
}

/** The key, its owner's account or merchant, and its attestation level, in one round trip. */
export async function loadKey(sql: SqlExecutor, keyId: string): Promise<KeyWithOwner | undefined> {
  const { rows } = await sql.query<KeyWithOwnerRow>(keyWithOwnerSql, [keyId]);
  const row = rows[0];
  return row && keyWithOwnerOf(row);
}

/** A session to start for a registered key whose facts (owner, level) the statement itself reads. */
export interface NewSessionOfKey {
  readonly sessionId: string;
  readonly keyId: string;
  /** The proven public point: the session is stored only if it is the registered key's. */
  readonly x: string;
  readonly y: string;
  readonly bindingMode: 'token-binding' | 'dpop';
  readonly tokenBindingIdHash: string | null;
  /** `att.level` when the verifier's level of the key was not seen. */
  readonly defaultAttestationLevel: string;
  readonly startedAt: Date;
  readonly expiresAt: Date;
  readonly tokenId: string;
}

/**
 * Reads the key as {@link loadKey} does and, in the same statement, stores the session (attestation
 * kind `registration`, the key's level) if and only if the key may start one: a binding key, active,
 * registered with the proven point, its owner known (the rules of `checkBindingKey` and
 * SUBJECT_UNKNOWN). One round trip instead of two; the caller still judges the returned key and
 * rolls the transaction back on a refusal.
 */
export async function loadKeyAndInsertSession(
  sql: SqlExecutor,
  session: NewSessionOfKey,
): Promise<{ readonly key: KeyWithOwner | undefined; readonly inserted: boolean }> {
  const { rows } = await sql.query<KeyWithOwnerRow & { inserted: boolean }>(
    `WITH key AS (${keyWithOwnerSql}),
     inserted AS (
       INSERT INTO token_issuer_sessions (session_id, key_id, subject_kind, subject_id, binding_mode, token_binding_id_hash, attestation_kind, attestation_level, started_at, expires_at, last_token_id, last_token_issued_at)
       SELECT $2, key_id, owner_kind, owner_id, $3, $4, 'registration', COALESCE(level, $5), $6, $7, $8, $6
       FROM key
       WHERE purpose = 'binding' AND state = 'active' AND owner IS NOT NULL
         AND public_jwk->>'kty' = 'EC' AND public_jwk->>'crv' = 'P-256'
         AND public_jwk->>'x' = $9 AND public_jwk->>'y' = $10
       RETURNING 1
     )
     SELECT key.*, EXISTS (SELECT 1 FROM inserted) AS inserted FROM key`,
    [
      session.keyId,
      session.sessionId,
      session.bindingMode,
      session.tokenBindingIdHash,
      session.defaultAttestationLevel,
      session.startedAt,
      session.expiresAt,
      session.tokenId,
      session.x,
      session.y,
    ],
  );
  const row = rows[0];
  return row === undefined
    ? { key: undefined, inserted: false }
    : { key: keyWithOwnerOf(row), inserted: row.inserted };
}

export async function saveDevice(
  sql: SqlExecutor,
  deviceId: string,
  accountId: string,
): Promise<void> {
  await sql.query(
    'INSERT INTO token_issuer_devices (device_id, account_id) VALUES ($1, $2) ON CONFLICT (device_id) DO UPDATE SET account_id = EXCLUDED.account_id',
    [deviceId, accountId],
  );
}

export async function saveTerminal(
  sql: SqlExecutor,
  terminalId: string,
  merchantId: string,
): Promise<void> {
  await sql.query(
    'INSERT INTO token_issuer_terminals (terminal_id, merchant_id) VALUES ($1, $2) ON CONFLICT (terminal_id) DO UPDATE SET merchant_id = EXCLUDED.merchant_id',
    [terminalId, merchantId],
  );
}

/** The level and format of the key's latest accepted verdict (migration 0007 added the format). */
export async function saveAttestationLevel(
  sql: SqlExecutor,
  keyId: string,
  level: string,
  format: string,
): Promise<void> {
  await sql.query(
    'INSERT INTO token_issuer_attestation_levels (key_id, level, format) VALUES ($1, $2, $3) ON CONFLICT (key_id) DO UPDATE SET level = EXCLUDED.level, format = EXCLUDED.format',
    [keyId, level, format],
  );
}

export interface NewSession {
  readonly sessionId: string;
  readonly keyId: string;
  readonly subjectKind: 'device' | 'terminal';
  readonly subjectId: string;
  readonly bindingMode: 'token-binding' | 'dpop';
  readonly tokenBindingIdHash: string | null;
  readonly attestationKind: 'registration' | 'fresh';
  readonly attestationLevel: string;
  readonly startedAt: Date;
  readonly expiresAt: Date;
  readonly tokenId: string;
}

export async function insertSession(sql: SqlExecutor, session: NewSession): Promise<void> {
  await sql.query(
    `INSERT INTO token_issuer_sessions (session_id, key_id, subject_kind, subject_id, binding_mode, token_binding_id_hash, attestation_kind, attestation_level, started_at, expires_at, last_token_id, last_token_issued_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $9)`,
    [
      session.sessionId,
      session.keyId,
      session.subjectKind,
      session.subjectId,
      session.bindingMode,
      session.tokenBindingIdHash,
      session.attestationKind,
      session.attestationLevel,
      session.startedAt,
      session.expiresAt,
      session.tokenId,
    ],
  );
}

export interface StoredSession extends SessionState {
  readonly subjectKind: 'device' | 'terminal';
  readonly subjectId: string;
  readonly bindingMode: 'token-binding' | 'dpop';
  readonly attestationKind: 'registration' | 'fresh';
  readonly attestationLevel: string;
}

/** The session, locked for the rest of the transaction (one refresh at a time). */
export async function loadSessionForUpdate(
  sql: SqlExecutor,
  sessionId: string,
): Promise<StoredSession | undefined> {
  const { rows } = await sql.query<{
    session_id: string;
    key_id: string;
    subject_kind: 'device' | 'terminal';
    subject_id: string;
    binding_mode: 'token-binding' | 'dpop';
    token_binding_id_hash: string | null;
    attestation_kind: 'registration' | 'fresh';
    attestation_level: string;
    expires_at: Date;
    last_token_id: string;
    ended_at: Date | null;
  }>(
    `SELECT session_id, key_id, subject_kind, subject_id, binding_mode, token_binding_id_hash, attestation_kind, attestation_level, expires_at, last_token_id, ended_at
     FROM token_issuer_sessions WHERE session_id = $1 FOR UPDATE`,
    [sessionId],
  );
  const row = rows[0];
  return (
    row && {
      sessionId: row.session_id,
      keyId: row.key_id,
      subjectKind: row.subject_kind,
      subjectId: row.subject_id,
      bindingMode: row.binding_mode,
      tokenBindingIdHash: row.token_binding_id_hash,
      attestationKind: row.attestation_kind,
      attestationLevel: row.attestation_level,
      expiresAt: row.expires_at,
      lastTokenId: row.last_token_id,
      endedAt: row.ended_at,
    }
  );
}

export async function recordToken(
  sql: SqlExecutor,
  sessionId: string,
  tokenId: string,
  issuedAt: Date,
): Promise<void> {
  await sql.query(
    'UPDATE token_issuer_sessions SET last_token_id = $2, last_token_issued_at = $3 WHERE session_id = $1 AND ended_at IS NULL',
    [sessionId, tokenId, issuedAt],
  );
}

export async function endSession(
  sql: SqlExecutor,
  sessionId: string,
  reason: string,
  endedAt: Date,
): Promise<boolean> {
  const { rowCount } = await sql.query(
    'UPDATE token_issuer_sessions SET ended_at = $3, end_reason = $2 WHERE session_id = $1 AND ended_at IS NULL',
    [sessionId, reason, endedAt],
  );
  return (rowCount ?? 0) > 0;
}

/** Ends every open session of the key; returns their ids. */
export async function endSessionsOfKey(
  sql: SqlExecutor,
  keyId: string,
  reason: string,
  endedAt: Date,
): Promise<string[]> {
  const { rows } = await sql.query<{ session_id: string }>(
    'UPDATE token_issuer_sessions SET ended_at = $3, end_reason = $2 WHERE key_id = $1 AND ended_at IS NULL RETURNING session_id',
    [keyId, reason, endedAt],
  );
  return rows.map((row) => row.session_id).sort();
}
