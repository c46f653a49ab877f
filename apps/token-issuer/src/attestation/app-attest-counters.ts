// Plain SQL over token_issuer_app_attest_counters (migrations/0003-app-attest-counters.sql): the greatest
// App Attest assertion counter accepted per App Attest key (the device's payment key; before migration
// 0007 rows were keyed by binding keys, which made no assertion since).
import { type SqlExecutor } from '@settle/messaging';

/**
 * The keys' stored counters (0 for a key that never made an accepted assertion), their rows locked for
 * the rest of the transaction in key-id order (so two transactions never wait on each other in a cycle):
 * a concurrent session start with the same App Attest key waits for this one.
 */
export async function loadAppAttestCountersForUpdate(
  sql: SqlExecutor,
  keyIds: readonly string[],
): Promise<ReadonlyMap<string, number>> {
  const { rows } = await sql.query<{ key_id: string; counter: string }>(
    'SELECT key_id, counter FROM token_issuer_app_attest_counters WHERE key_id = ANY($1::text[]) ORDER BY key_id FOR UPDATE',
    [keyIds],
  );
  const stored = new Map(rows.map((row) => [row.key_id, Number(row.counter)]));
  return new Map(keyIds.map((keyId) => [keyId, stored.get(keyId) ?? 0]));
}

/**
 * Stores `counter` if it is greater than the stored one (or none is stored); returns whether it did.
 * The condition is evaluated on the latest committed row (ON CONFLICT … DO UPDATE … WHERE locks it), so
 * of two concurrent transactions with the same counter — even for a key without a row yet, which
 * FOR UPDATE cannot lock — only one stores it.
 */
export async function raiseAppAttestCounter(
  sql: SqlExecutor,
  keyId: string,
  counter: number,
  now: Date,
): Promise<boolean> {
  const { rowCount } = await sql.query(
    `INSERT INTO token_issuer_app_attest_counters (key_id, counter, accepted_at) VALUES ($1, $2, $3)
     ON CONFLICT (key_id) DO UPDATE SET counter = EXCLUDED.counter, accepted_at = EXCLUDED.accepted_at
       WHERE token_issuer_app_attest_counters.counter < EXCLUDED.counter`,
    [keyId, counter, now],
  );
  return (rowCount ?? 0) > 0;
}
