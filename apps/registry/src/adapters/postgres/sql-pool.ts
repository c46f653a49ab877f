import { type SqlPool } from '@settle/messaging';
import { type DataSource } from 'typeorm';

/** The pg pool under TypeORM: the registry speaks plain SQL, as the messaging backbone does. */
export function sqlPoolOf(dataSource: DataSource): SqlPool {
  return (dataSource.driver as unknown as { master: SqlPool }).master;
}
