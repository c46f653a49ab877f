import path from 'node:path';
import { messagingMigrations } from '@settle/messaging';
import { type ServiceDefinition, httpTlsServerOptions } from '@settle/platform';
import { resourceGuardMigrations } from '@settle/resource-guard';
import { tokenIssuerConfig } from './config';
import { TokenIssuerModule } from './token-issuer.module';

/** What main.ts starts and `npm run migrate -- token-issuer` migrates. */
export const serviceDefinition: ServiceDefinition<typeof tokenIssuerConfig> = {
  name: 'token-issuer',
  module: TokenIssuerModule,
  config: tokenIssuerConfig,
  // resource-guard: its DPoP replay table, shared with the guard's rule (sessions/binding-proof.ts).
  migrationSources: [
    messagingMigrations,
    resourceGuardMigrations,
    { namespace: 'token-issuer', directory: path.join(__dirname, '..', 'migrations') },
  ],
  // TLS ends in this process: token binding signs over each connection's TLS exporter (DESIGN §7).
  httpsOptions: httpTlsServerOptions,
};
