import path from 'node:path';
import { type MigrationSource } from './run-migrations';

/** The platform's own tables (the admin audit log); applied first, before any other source. */
export const platformMigrations: MigrationSource = {
  namespace: 'platform',
  directory: path.join(__dirname, '..', '..', 'migrations'),
};
