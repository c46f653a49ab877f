import { type BindingKeyStatus } from './binding-key-status';
import { type BindingKeySql, readBindingKeyStates } from './binding-key-table';

/** The snapshot reads the changed rows this often: the second half of the revocation delay. */
export const bindingKeyRefreshIntervalMs = 1_000;
/**
 * Each refresh re-reads rows changed this long before the newest one it has seen: a consumer
 * transaction stamps `updated_at` before it commits, so a row may become visible late.
 */
export const bindingKeyRefreshOverlapMs = 10_000;
/** The whole table is re-read this often, in case a transaction took longer than the overlap. */
export const bindingKeyFullReloadIntervalMs = 60_000;

/**
 * What docs/security.md promises: a key event is enforced by every replica's guard within this long
 * after it is published, while Kafka and PostgreSQL are healthy — consumer lag (well under a second:
 * the consumer's fetch returns as soon as a record arrives, and one upsert commits it) plus one
 * {@link bindingKeyRefreshIntervalMs}. The integration test measures it through real Kafka.
 */
export const revocationDelayMsStated = 5_000;

/** What the snapshot logs through (a pino logger satisfies it). */
export interface SnapshotLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * The binding keys' states in memory, refreshed from `resource_guard_binding_keys` every
 * {@link bindingKeyRefreshIntervalMs}, so every replica converges on what the consumer wrote. Until
 * the first load succeeds every key is inactive (fail closed) and `loaded` is false.
 *
 * @example
 * const snapshot = new BindingKeySnapshot(pool);
 * await snapshot.start();
 * snapshot.isActive(claims.cnf.jkt);
 */
export class BindingKeySnapshot implements BindingKeyStatus {
  private readonly states = new Map<string, string>();
  private newestUpdate: Date | null = null;
  private lastFullLoadMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private consecutiveFailures = 0;

  constructor(
    private readonly sql: BindingKeySql,
    private readonly logger?: SnapshotLogger,
    private readonly refreshIntervalMs: number = bindingKeyRefreshIntervalMs,
  ) {}

  get loaded(): boolean {
    return this.lastFullLoadMs > 0;
  }

  get size(): number {
    return this.states.size;
  }

  isActive(keyId: string): boolean {
    return this.states.get(keyId) === 'active';
  }

  /** Loads once (failure is logged, not thrown: the refresh keeps trying), then refreshes periodically. */
  async start(): Promise<void> {
    await this.refresh().catch(() => undefined);
    this.timer ??= setInterval(() => void this.refresh().catch(() => undefined), this.refreshIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One refresh (concurrent callers share it): incremental, or a full reload when due. */
  refresh(): Promise<void> {
    this.refreshing ??= this.readChanges().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async readChanges(): Promise<void> {
    const nowMs = Date.now();
    const full = this.newestUpdate === null || nowMs - this.lastFullLoadMs >= bindingKeyFullReloadIntervalMs;
    const since = full || this.newestUpdate === null ? null : new Date(this.newestUpdate.getTime() - bindingKeyRefreshOverlapMs);
    try {
      const rows = await readBindingKeyStates(this.sql, since);
      if (full) this.states.clear();
      for (const row of rows) {
        this.states.set(row.key_id, row.state);
        if (this.newestUpdate === null || row.updated_at > this.newestUpdate) this.newestUpdate = row.updated_at;
      }
      if (full) {
        this.lastFullLoadMs = nowMs;
        // An empty table still counts as loaded; the epoch makes later refreshes incremental.
        this.newestUpdate ??= new Date(0);
      }
      this.consecutiveFailures = 0;
    } catch (error) {
      this.consecutiveFailures += 1;
      // Once per ten failures: a database outage must not flood the log at one line per second.
      if (this.consecutiveFailures % 10 === 1) this.logger?.warn({ err: error, consecutiveFailures: this.consecutiveFailures }, 'binding-key snapshot refresh failed');
      throw error;
    }
  }
}
