import { type Pool } from 'pg';
import { type DataSource } from 'typeorm';

/**
 * The service's pg pool, for code that speaks plain SQL on the hot path (the backbone, the ledger,
 * the upload): the pool TypeORM's `DataSource` opened, so the `DataSource` stays the one owner of
 * connections and migrations. Inject it with `@Inject(SQL_POOL)`.
 */
export const SQL_POOL = 'settle.platform.SQL_POOL';

/** The pool under a `DataSource`: the only place that reaches into TypeORM's driver. */
export function sqlPoolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}
