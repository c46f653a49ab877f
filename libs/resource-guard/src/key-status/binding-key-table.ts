import { type EventEnvelope, type KeyState, keyLifecycleChangedV1 } from '@settle/contracts';
import { payloadIf } from '@settle/messaging';

/** What the table functions need of a connection: a `pg` client or pool, or the inbox's SqlExecutor. */
export interface BindingKeySql {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Row[]; rowCount: number | null }>;
}

/** The outcome of applying one event: closed and ordered, like every write result here. */
export type BindingKeyUpsertResult =
  'created' | 'updated' | 'ignored-older' | 'ignored-not-binding';

/**
 * Records a binding key's state from a `key.lifecycle-changed` v1 event, idempotently and in order:
 * an event whose history is shorter than (or as long as and not newer than) the stored one changes
 * nothing, so redelivery and out-of-order replays are harmless. Payment keys are ignored.
 *
 * @example
 * await upsertBindingKeyState(sql, envelope); // 'created'
 */
export async function upsertBindingKeyState(
  sql: BindingKeySql,
  envelope: EventEnvelope,
): Promise<BindingKeyUpsertResult> {
  const payload = payloadIf(keyLifecycleChangedV1, envelope);
  if (payload === undefined) {
    throw new Error(
      `upsertBindingKeyState: not a key.lifecycle-changed v1 event (${envelope.type} v${envelope.version})`,
    );
  }
  if (payload.purpose !== 'binding') return 'ignored-not-binding';
  const { rows } = await sql.query<{ inserted: boolean }>(
    `INSERT INTO resource_guard_binding_keys (key_id, owner_kind, owner_id, state, history_length, occurred_at, event_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (key_id) DO UPDATE SET
       owner_kind = EXCLUDED.owner_kind, owner_id = EXCLUDED.owner_id, state = EXCLUDED.state,
       history_length = EXCLUDED.history_length, occurred_at = EXCLUDED.occurred_at,
       event_id = EXCLUDED.event_id, updated_at = clock_timestamp()
     WHERE (resource_guard_binding_keys.history_length, resource_guard_binding_keys.occurred_at)
         < (EXCLUDED.history_length, EXCLUDED.occurred_at)
     RETURNING (xmax = 0) AS inserted`,
    [
      payload.keyId,
      payload.owner.kind,
      payload.owner.id,
      payload.state,
      payload.history.length,
      envelope.occurredAt,
      envelope.eventId,
    ],
  );
  const row = rows[0];
  if (row === undefined) return 'ignored-older';
  return row.inserted ? 'created' : 'updated';
}

/** One row as the snapshot reads it. */
export interface BindingKeyRow extends Record<string, unknown> {
  readonly key_id: string;
  /** The device or terminal the key belongs to. */
  readonly owner_id: string;
  readonly state: KeyState;
  readonly updated_at: Date;
}

/**
 * Rows changed at or after `since` (all rows when null), for the in-memory snapshot.
 *
 * @example
 * const rows = await readBindingKeyStates(pool, null);
 */
export async function readBindingKeyStates(
  sql: BindingKeySql,
  since: Date | null,
): Promise<readonly BindingKeyRow[]> {
  const { rows } =
    since === null
      ? await sql.query<BindingKeyRow>(
          'SELECT key_id, owner_id, state, updated_at FROM resource_guard_binding_keys',
        )
      : await sql.query<BindingKeyRow>(
          'SELECT key_id, owner_id, state, updated_at FROM resource_guard_binding_keys WHERE updated_at >= $1',
          [since],
        );
  return rows;
}
