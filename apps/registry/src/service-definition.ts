import path from 'node:path';
import { messagingMigrations } from '@settle/messaging';
import { type ServiceDefinition } from '@settle/platform';
import { registryConfig } from './config';
import { RegistryModule } from './registry.module';

/** What main.ts starts and `npm run migrate -- registry` migrates. */
export const serviceDefinition: ServiceDefinition<typeof registryConfig> = {
  name: 'registry',
  module: RegistryModule,
  config: registryConfig,
  migrationSources: [messagingMigrations, { namespace: 'registry', directory: path.join(__dirname, '..', 'migrations') }],
};
