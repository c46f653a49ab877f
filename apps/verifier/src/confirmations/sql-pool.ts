import { type SqlPool } from '@settle/messaging';
import { type DataSource } from 'typeorm';

/** The pg pool under TypeORM: the verifier's routes speak plain SQL, as its consumers do. */
export function sqlPoolOf(dataSource: DataSource): SqlPool {
  return (dataSource.driver as unknown as { master: SqlPool }).master;
}
