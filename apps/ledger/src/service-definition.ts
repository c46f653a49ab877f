import path from 'node:path';
import { messagingMigrations } from '@settle/messaging';
import { type ServiceDefinition } from '@settle/platform';
import { ledgerConfig } from './config';
import { LedgerModule } from './ledger.module';

/** What main.ts starts and `npm run migrate -- ledger` migrates. */
export const serviceDefinition: ServiceDefinition<typeof ledgerConfig> = {
  name: 'ledger',
  module: LedgerModule,
  config: ledgerConfig,
  migrationSources: [
    messagingMigrations,
    { namespace: 'ledger', directory: path.join(__dirname, '..', 'migrations') },
  ],
};
