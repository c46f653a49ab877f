// Plain SQL over token_issuer_app_attest_counters (migrations/0003-app-attest-counters.sql): the greatest
// App Attest assertion counter accepted per binding key.
import { type SqlExecutor } from '@settle/messaging';

/**
 * The key's stored counter (0 if it never made an accepted assertion), its row locked for the rest of
 * the transaction so that a concurrent session start of the same key waits for this one.
 */
export async function loadAppAttestCounterForUpdate(sql: SqlExecutor, keyId: string): Promise<number> {
  const { rows } = await sql.query<{ counter: string }>('SELECT counter FROM token_issuer_app_attest_counters WHERE key_id = $1 FOR UPDATE', [keyId]);
  return rows[0] === undefined ? 0 : Number(rows[0].counter);
}

/**
 * Stores `counter` if it is greater than the stored one (or none is stored); returns whether it did.
 * The condition is evaluated on the latest committed row (ON CONFLICT … DO UPDATE … WHERE locks it), so
 * of two concurrent transactions with the same counter — even for a key without a row yet, which
 * FOR UPDATE cannot lock — only one stores it.
 */
export async function raiseAppAttestCounter(sql: SqlExecutor, keyId: string, counter: number, now: Date): Promise<boolean> {
  const { rowCount } = await sql.query(
    `INSERT INTO token_issuer_app_attest_counters (key_id, counter, accepted_at) VALUES ($1, $2, $3)
     ON CONFLICT (key_id) DO UPDATE SET counter = EXCLUDED.counter, accepted_at = EXCLUDED.accepted_at
       WHERE token_issuer_app_attest_counters.counter < EXCLUDED.counter`,
    [keyId, counter, now],
  );
  return (rowCount ?? 0) > 0;
}
