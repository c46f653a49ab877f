/** Expired proof ids are deleted at most this often, by whichever replica gets there first. */
export const dpopReplayPruneIntervalMs = 30_000;
/** Rows deleted per prune statement: bounded so a backlog never makes one long transaction. */
export const dpopReplayPruneBatchSizeMax = 10_000;

/**
 * Remembers DPoP proof ids so each proof is accepted once, by any replica (RFC 9449 §11.1).
 *
 * @example
 * if (!(await replayCache.remember(jkt, jti, expiresAt))) reject('DPOP_PROOF_REPLAYED', …);
 */
export interface DpopReplayCache {
  /** True if (keyThumbprint, jti) was new and is now remembered until `expiresAt`; false if seen before. */
  remember(keyThumbprint: string, jti: string, expiresAt: Date): Promise<boolean>;
}

/** What the PostgreSQL cache needs of a pool: a `pg` Pool satisfies it. */
export interface DpopReplaySql {
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }>;
}

/**
 * Records a proof id in `resource_guard_dpop_proofs` (migration `resource-guard/0002`); false when
 * (keyThumbprint, jti) was seen before. One `INSERT … ON CONFLICT DO NOTHING`: atomic across replicas,
 * and usable inside a caller's transaction (the token issuer records the id with the session it
 * starts, so a refused start leaves no row).
 *
 * @example
 * if (!(await rememberDpopProofId(sql, proof.keyThumbprint, proof.jti, proof.replayExpiresAt))) refuse('DPOP_PROOF_REPLAYED');
 */
export async function rememberDpopProofId(
  sql: DpopReplaySql,
  keyThumbprint: string,
  jti: string,
  expiresAt: Date,
): Promise<boolean> {
  const result = await sql.query(
    'INSERT INTO resource_guard_dpop_proofs (key_thumbprint, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [keyThumbprint, jti, expiresAt],
  );
  return result.rowCount === 1;
}

/**
 * Deletes expired proof ids, at most {@link dpopReplayPruneBatchSizeMax} (a backlog never makes one
 * long transaction); returns how many.
 *
 * @example
 * await pruneDpopProofIds(pool); // from a periodic sweep
 */
export async function pruneDpopProofIds(sql: DpopReplaySql): Promise<number> {
  const result = await sql.query(
    `DELETE FROM resource_guard_dpop_proofs WHERE ctid IN (
       SELECT ctid FROM resource_guard_dpop_proofs WHERE expires_at < now() LIMIT ${dpopReplayPruneBatchSizeMax})`,
  );
  return result.rowCount ?? 0;
}

/**
 * The replay cache shared by every replica: `resource_guard_dpop_proofs` (migration
 * `resource-guard/0002`), `INSERT … ON CONFLICT DO NOTHING` (one round trip, atomic across replicas),
 * expired rows pruned in bounded batches every {@link dpopReplayPruneIntervalMs}.
 *
 * @example
 * const cache = new PostgresDpopReplayCache(pool);
 * await cache.remember(jkt, jti, new Date(Date.now() + 91_000)); // true, then false
 */
export class PostgresDpopReplayCache implements DpopReplayCache {
  private lastPruneMs = 0;

  constructor(
    private readonly sql: DpopReplaySql,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async remember(keyThumbprint: string, jti: string, expiresAt: Date): Promise<boolean> {
    const fresh = await rememberDpopProofId(this.sql, keyThumbprint, jti, expiresAt);
    this.pruneWhenDue();
    return fresh;
  }

  /** Deletes expired rows (at most one batch); returns how many. */
  prune(): Promise<number> {
    return pruneDpopProofIds(this.sql);
  }

  private pruneWhenDue(): void {
    const nowMs = this.nowMs();
    if (nowMs - this.lastPruneMs < dpopReplayPruneIntervalMs) return;
    this.lastPruneMs = nowMs;
    // Off the request path; a failure only delays the next prune.
    this.prune().catch(() => undefined);
  }
}

/**
 * One process's replay cache, for unit tests and single-replica development only.
 *
 * @example
 * const cache = new InMemoryDpopReplayCache(() => Date.now());
 */
export class InMemoryDpopReplayCache implements DpopReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  async remember(keyThumbprint: string, jti: string, expiresAt: Date): Promise<boolean> {
    const nowMs = this.nowMs();
    for (const [key, expiresMs] of this.seen) if (expiresMs < nowMs) this.seen.delete(key);
    const key = `${keyThumbprint} ${jti}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, expiresAt.getTime());
    return true;
  }
}
