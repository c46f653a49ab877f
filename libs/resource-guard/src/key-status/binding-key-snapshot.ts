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

/** A binding key's state as a {@link BindingKeySource} reports it. */
export interface BindingKeyRecord {
  readonly keyId: string;
  readonly active: boolean;
  /** The device or terminal the key belongs to, where the source knows it. */
  readonly ownerId?: string;
  readonly changedAt: Date;
}

/** Where a snapshot reads binding-key states: the guard's own table, or the registry's keys. */
export interface BindingKeySource {
  /** A full reload: at least every active key, and the newest change of any key (null: none yet). */
  readAll(): Promise<{
    readonly records: readonly BindingKeyRecord[];
    readonly newestChange: Date | null;
  }>;
  /** The keys whose state changed at or after `since`. */
  readChangedSince(since: Date): Promise<readonly BindingKeyRecord[]>;
  /** One key at once, for a source that can (a key activated since the last refresh is then not refused). */
  lookUp?(keyId: string): Promise<BindingKeyRecord | null>;
}

export interface BindingKeySnapshotOptions {
  readonly logger?: SnapshotLogger;
  readonly refreshIntervalMs?: number;
  /** The clock of the full-reload schedule (tests pin it). */
  readonly nowMs?: () => number;
}

/**
 * The binding keys' states in memory — the one refresh loop of every guard, the registry's included:
 * every {@link bindingKeyRefreshIntervalMs} the keys whose state changed since the newest change seen
 * (less {@link bindingKeyRefreshOverlapMs}: a transaction stamps its change before it commits, so a row
 * may become visible late), a full reload every {@link bindingKeyFullReloadIntervalMs} (in case one
 * took longer than the overlap). Every replica converges on what its source holds. Until the first
 * load succeeds every key is inactive (fail closed) and `loaded` is false; a failed refresh keeps the
 * last states.
 *
 * @example
 * const snapshot = new BindingKeySnapshot(bindingKeyTableSource(pool));
 * await snapshot.start();
 * snapshot.isActive(claims.cnf.jkt);
 */
/** The guard's own `resource_guard_binding_keys` (fed by `BindingKeyLifecycleConsumer`) as a source. */
export function bindingKeyTableSource(sql: BindingKeySql): BindingKeySource {
  const recordOf = (row: {
    key_id: string;
    owner_id: string;
    state: string;
    updated_at: Date;
  }): BindingKeyRecord => ({
    keyId: row.key_id,
    active: row.state === 'active',
    ownerId: row.owner_id,
    changedAt: row.updated_at,
  });
  return {
    async readAll() {
      const rows = await readBindingKeyStates(sql, null);
      const newestChange = rows.reduce<Date | null>(
        (newest, row) => (newest === null || row.updated_at > newest ? row.updated_at : newest),
        null,
      );
      return { records: rows.map(recordOf), newestChange };
    },
    readChangedSince: async (since) => (await readBindingKeyStates(sql, since)).map(recordOf),
  };
}

export class BindingKeySnapshot implements BindingKeyStatus {
  /** Active keys only: key id → owner (null when the source does not say). */
  private readonly active = new Map<string, string | null>();
  private newestChange: Date | null = null;
  private lastFullLoadMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private consecutiveFailures = 0;
  private readonly nowMs: () => number;

  constructor(
    private readonly source: BindingKeySource,
    private readonly options: BindingKeySnapshotOptions = {},
  ) {
    this.nowMs = options.nowMs ?? Date.now;
  }

  get loaded(): boolean {
    return this.lastFullLoadMs > 0;
  }

  /** Active keys held. */
  get size(): number {
    return this.active.size;
  }

  /** From memory; a key not held there is looked up once when the source can (fails closed). */
  isActive(keyId: string): boolean | Promise<boolean> {
    if (this.active.has(keyId)) return true;
    return this.source.lookUp ? this.lookUp(keyId) : false;
  }

  /** The device or terminal an active key belongs to; undefined when not active (or not known). */
  ownerOf(keyId: string): string | undefined {
    return this.active.get(keyId) ?? undefined;
  }

  /** Loads once (failure is logged, not thrown: the refresh keeps trying), then refreshes periodically. */
  async start(): Promise<void> {
    await this.refresh().catch(() => undefined);
    this.startRefreshing();
  }

  /** Loads once and throws if that fails (a service that must not start without it), then refreshes. */
  async load(): Promise<void> {
    await this.refresh();
    this.startRefreshing();
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

  private startRefreshing(): void {
    this.timer ??= setInterval(
      () => void this.refresh().catch(() => undefined),
      this.options.refreshIntervalMs ?? bindingKeyRefreshIntervalMs,
    );
    this.timer.unref();
  }

  private async readChanges(): Promise<void> {
    const nowMs = this.nowMs();
    const full =
      this.newestChange === null || nowMs - this.lastFullLoadMs >= bindingKeyFullReloadIntervalMs;
    try {
      if (full) {
        const { records, newestChange } = await this.source.readAll();
        this.active.clear();
        records.forEach((record) => this.apply(record));
        // An empty source still counts as loaded; the epoch makes later refreshes incremental.
        this.newestChange = newestChange ?? new Date(0);
        this.lastFullLoadMs = nowMs;
      } else {
        const records = await this.source.readChangedSince(
          new Date(this.newestChange!.getTime() - bindingKeyRefreshOverlapMs),
        );
        for (const record of records) {
          this.apply(record);
          if (record.changedAt > this.newestChange!) this.newestChange = record.changedAt;
        }
      }
      this.consecutiveFailures = 0;
    } catch (error) {
      this.consecutiveFailures += 1;
      // Once per ten failures: a database outage must not flood the log at one line per second.
      if (this.consecutiveFailures % 10 === 1)
        this.options.logger?.warn(
          { err: error, consecutiveFailures: this.consecutiveFailures },
          'binding-key snapshot refresh failed',
        );
      throw error;
    }
  }

  private apply(record: BindingKeyRecord): void {
    if (record.active) this.active.set(record.keyId, record.ownerId ?? null);
    else this.active.delete(record.keyId);
  }

  private async lookUp(keyId: string): Promise<boolean> {
    try {
      const record = await this.source.lookUp!(keyId);
      if (record === null || !record.active) return false;
      this.apply(record);
      return true;
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'binding-key lookup failed');
      return false;
    }
  }
}
