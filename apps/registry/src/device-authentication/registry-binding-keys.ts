import {
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { type Logger, PLATFORM_LOGGER } from '@settle/platform';
import {
  type BindingKeyRecord,
  BindingKeySnapshot,
  type BindingKeySource,
  type BindingKeyStatus,
} from '@settle/resource-guard';
import { DataSource } from 'typeorm';

/** What the source needs of the database: TypeORM's `DataSource.query` satisfies it. */
export interface BindingKeyQuery {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

interface Row {
  readonly key_id: string;
  readonly owner_id: string;
  readonly state: string;
  readonly state_changed_at: Date;
}

const columns = 'key_id, owner_id, state, state_changed_at';
const recordOf = (row: Row): BindingKeyRecord => ({
  keyId: row.key_id,
  active: row.state === 'active',
  ownerId: row.owner_id,
  changedAt: row.state_changed_at,
});

/**
 * The registry's own `registry_keys` as the source of binding-key states: the source of truth, so no
 * Kafka lag. A full reload reads the active keys and the newest change of any binding key; a key not
 * held yet is looked up at once (the token issuer may already have seen it activated).
 */
export function registryKeysSource(database: BindingKeyQuery): BindingKeySource {
  const rows = async (text: string, values?: unknown[]) =>
    ((await database.query(text, values)) as Row[]).map(recordOf);
  return {
    async readAll() {
      const records = await rows(
        `SELECT ${columns} FROM registry_keys WHERE purpose = 'binding' AND state = 'active'`,
      );
      const [newest] = (await database.query(
        `SELECT max(state_changed_at) AS newest FROM registry_keys WHERE purpose = 'binding'`,
      )) as Array<{ newest: Date | null }>;
      return { records, newestChange: newest?.newest ?? null };
    },
    readChangedSince: (since) =>
      rows(
        `SELECT ${columns} FROM registry_keys WHERE purpose = 'binding' AND state_changed_at >= $1`,
        [since],
      ),
    lookUp: async (keyId) =>
      (
        await rows(
          `SELECT ${columns} FROM registry_keys WHERE key_id = $1 AND purpose = 'binding' AND state = 'active'`,
          [keyId],
        )
      )[0] ?? null,
  };
}

/**
 * The resource guard's key status in the registry: the guards' one {@link BindingKeySnapshot} over
 * {@link registryKeysSource}. A binding key is active for the guard exactly when the registry holds it
 * `active`; a revocation is enforced by every replica within about a second, inside the guard's stated
 * `revocationDelayMsStated`. The first load happens before the server listens (after the migrations),
 * and the service does not start if it fails; since every state change is a write to this same
 * database, a database the snapshot cannot read is one no revocation can be recorded in either.
 *
 * @example
 * keys.isActive(principal.keyId) && keys.ownerOf(principal.keyId) === principal.subject
 */
@Injectable()
export class RegistryBindingKeys implements BindingKeyStatus, OnModuleInit, OnApplicationShutdown {
  private readonly snapshot: BindingKeySnapshot;

  constructor(
    @Inject(DataSource) database: BindingKeyQuery,
    @Inject(PLATFORM_LOGGER) logger: Pick<Logger, 'warn'>,
  ) {
    this.snapshot = new BindingKeySnapshot(registryKeysSource(database), {
      logger: { warn: (fields, message) => logger.warn(fields, message) },
    });
  }

  get loaded(): boolean {
    return this.snapshot.loaded;
  }

  isActive(keyId: string): boolean | Promise<boolean> {
    return this.snapshot.isActive(keyId);
  }

  /** The device or terminal an active binding key belongs to; undefined when not active. */
  ownerOf(keyId: string): string | undefined {
    return this.snapshot.ownerOf(keyId);
  }

  onModuleInit(): Promise<void> {
    return this.snapshot.load();
  }

  onApplicationShutdown(): void {
    this.snapshot.stop();
  }

  refresh(): Promise<void> {
    return this.snapshot.refresh();
  }
}

/** {@link RegistryBindingKeys}, for the resource guard's `keyStatus` and the device authenticator. */
@Module({ providers: [RegistryBindingKeys], exports: [RegistryBindingKeys] })
export class RegistryBindingKeysModule {}
