import { Inject, Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type Logger, PLATFORM_LOGGER } from '@settle/platform';
import { type BindingKeyStatus, bindingKeyFullReloadIntervalMs, bindingKeyRefreshIntervalMs, bindingKeyRefreshOverlapMs } from '@settle/resource-guard';
import { DataSource } from 'typeorm';

/** What the snapshot needs of the database: TypeORM's `DataSource.query` satisfies it. */
export interface BindingKeyQuery {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

interface Row {
  readonly key_id: string;
  readonly owner_id: string;
  readonly state: string;
  readonly state_changed_at: Date;
}

/**
 * The resource guard's key status in the registry, read from its own `registry_keys` (the source of
 * truth, so no Kafka lag): a binding key is active for the guard exactly when the registry holds it
 * `active`. In memory, refreshed every {@link bindingKeyRefreshIntervalMs} from the rows whose state
 * changed since the last read (less {@link bindingKeyRefreshOverlapMs}, for transactions that commit
 * late), fully reloaded every {@link bindingKeyFullReloadIntervalMs}: a revocation is enforced by every
 * replica within about a second, inside the guard's stated `revocationDelayMsStated`. The first load
 * happens before the server listens (after the migrations), and the service does not start if it
 * fails. A failed refresh keeps the last states; since every state change is a write to this same
 * database, a database the snapshot cannot read is one no revocation can be recorded in either.
 *
 * @example
 * keys.isActive(principal.keyId) && keys.ownerOf(principal.keyId) === principal.subject
 */
@Injectable()
export class RegistryBindingKeys implements BindingKeyStatus, OnModuleInit, OnApplicationShutdown {
  /** Active binding keys only: key id → owner (device or terminal id). */
  private readonly active = new Map<string, string>();
  private newestChange: Date | null = null;
  private lastFullLoadMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private consecutiveFailures = 0;

  constructor(
    @Inject(DataSource) private readonly database: BindingKeyQuery,
    @Inject(PLATFORM_LOGGER) private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  get loaded(): boolean {
    return this.lastFullLoadMs > 0;
  }

  /**
   * From memory; a key not held there is looked up once in `registry_keys`, so a key activated since
   * the last refresh is not refused for up to a second (the token issuer may already have seen it).
   */
  isActive(keyId: string): boolean | Promise<boolean> {
    return this.active.has(keyId) || this.lookUp(keyId);
  }

  /** The device or terminal an active binding key belongs to; undefined when not active. */
  ownerOf(keyId: string): string | undefined {
    return this.active.get(keyId);
  }

  /** Fails closed: a key that cannot be looked up is not active. */
  private async lookUp(keyId: string): Promise<boolean> {
    try {
      const [row] = (await this.database.query(`SELECT owner_id FROM registry_keys WHERE key_id = $1 AND purpose = 'binding' AND state = 'active'`, [keyId])) as Array<Pick<Row, 'owner_id'>>;
      if (row === undefined) return false;
      this.active.set(keyId, row.owner_id);
      return true;
    } catch (error) {
      this.logger.warn({ err: error }, 'binding-key lookup failed');
      return false;
    }
  }

  async onModuleInit(): Promise<void> {
    await this.refresh();
    this.timer ??= setInterval(() => void this.refresh().catch(() => undefined), bindingKeyRefreshIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One refresh (concurrent callers share it): incremental, or a full reload when due. */
  refresh(): Promise<void> {
    this.refreshing ??= this.read().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async read(): Promise<void> {
    const nowMs = Date.now();
    const full = this.newestChange === null || nowMs - this.lastFullLoadMs >= bindingKeyFullReloadIntervalMs;
    try {
      const rows = (
        full
          ? await this.database.query(`SELECT key_id, owner_id, state, state_changed_at FROM registry_keys WHERE purpose = 'binding' AND state = 'active'`)
          : await this.database.query(`SELECT key_id, owner_id, state, state_changed_at FROM registry_keys WHERE purpose = 'binding' AND state_changed_at >= $1`, [
              new Date(this.newestChange!.getTime() - bindingKeyRefreshOverlapMs),
            ])
      ) as Row[];
      if (full) this.active.clear();
      for (const row of rows) {
        if (row.state === 'active') this.active.set(row.key_id, row.owner_id);
        else this.active.delete(row.key_id);
      }
      if (full) {
        // The newest change of any binding key, active or not, is where the next incremental read starts.
        const [newest] = (await this.database.query(`SELECT max(state_changed_at) AS newest FROM registry_keys WHERE purpose = 'binding'`)) as Array<{ newest: Date | null }>;
        this.newestChange = newest?.newest ?? new Date(0);
        this.lastFullLoadMs = nowMs;
      } else {
        for (const row of rows) if (row.state_changed_at > this.newestChange!) this.newestChange = row.state_changed_at;
      }
      this.consecutiveFailures = 0;
    } catch (error) {
      this.consecutiveFailures += 1;
      // Once per ten failures: a database outage must not write a line a second.
      if (this.consecutiveFailures % 10 === 1) this.logger.warn({ err: error, consecutiveFailures: this.consecutiveFailures }, 'binding-key snapshot refresh failed');
      throw error;
    }
  }
}

/** {@link RegistryBindingKeys}, for the resource guard's `keyStatus` and the device authenticator. */
@Module({ providers: [RegistryBindingKeys], exports: [RegistryBindingKeys] })
export class RegistryBindingKeysModule {}
