import path from 'node:path';
import { messagingMigrations } from '@settle/messaging';
import { type ServiceDefinition } from '@settle/platform';
import { verifierConfig } from './config';
import { VerifierModule } from './verifier.module';

/** What main.ts starts and `npm run migrate -- verifier` migrates. */
export const serviceDefinition: ServiceDefinition<typeof verifierConfig> = {
  name: 'verifier',
  module: VerifierModule,
  config: verifierConfig,
  migrationSources: [messagingMigrations, { namespace: 'verifier', directory: path.join(__dirname, '..', 'migrations') }],
};
