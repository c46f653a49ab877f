import path from 'node:path';
import { messagingMigrations } from '@settle/messaging';
import { httpTlsServerOptions, type ServiceDefinition } from '@settle/platform';
import { resourceGuardMigrations } from '@settle/resource-guard';
import { registryConfig } from './config';
import { RegistryModule } from './registry.module';

/** What main.ts starts and `npm run migrate -- registry` migrates. */
export const serviceDefinition: ServiceDefinition<typeof registryConfig> = {
  name: 'registry',
  module: RegistryModule,
  config: registryConfig,
  // The guard's tables (its DPoP replay cache; the registry reads binding-key states from its own keys).
  migrationSources: [
    messagingMigrations,
    resourceGuardMigrations,
    { namespace: 'registry', directory: path.join(__dirname, '..', 'migrations') },
  ],
  // TLS ends in the process when the files are set: token-binding mode checks each connection's exporter.
  httpsOptions: httpTlsServerOptions,
};
