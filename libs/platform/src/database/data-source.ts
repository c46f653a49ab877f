import { type DataSourceOptions, DataSource } from 'typeorm';

/** Wait at most this long for a new database connection. */
export const databaseConnectTimeoutMs = 5_000;
/** Close a pooled connection idle this long. */
export const databaseIdleTimeoutMs = 30_000;

export interface DatabaseOptions {
  readonly url: string;
  readonly poolMax: number;
  /** `application_name` in pg_stat_activity, e.g. `settle-ledger`. */
  readonly applicationName: string;
  /** TypeORM entities, when a service starts using them; plain SQL needs none. */
  readonly entities?: DataSourceOptions['entities'];
}

/**
 * The service's TypeORM DataSource (not yet initialized). Schema changes come only from the
 * numbered SQL migrations: `synchronize` and TypeORM's own migrations are off, always.
 */
export function createDataSource(options: DatabaseOptions): DataSource {
  if (options.poolMax < 1)
    throw new Error(`createDataSource: poolMax must be at least 1, got ${options.poolMax}`);
  return new DataSource({
    type: 'postgres',
    url: options.url,
    applicationName: options.applicationName,
    synchronize: false,
    migrationsRun: false,
    dropSchema: false,
    entities: options.entities ?? [],
    logging: false,
    poolSize: options.poolMax,
    connectTimeoutMS: databaseConnectTimeoutMs,
    extra: {
      max: options.poolMax,
      idleTimeoutMillis: databaseIdleTimeoutMs,
      connectionTimeoutMillis: databaseConnectTimeoutMs,
    },
  });
}
