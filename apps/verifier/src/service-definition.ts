import path from 'node:path';
import { messagingMigrations } from '@settle/messaging';
import { httpTlsServerOptions, type ServiceDefinition } from '@settle/platform';
import { resourceGuardMigrations } from '@settle/resource-guard';
import { verifierConfig } from './config';
import { uploadBodySizeMaxBytes } from './upload/upload-limits';
import { VerifierModule } from './verifier.module';

/** What main.ts starts and `npm run migrate -- verifier` migrates. */
export const serviceDefinition: ServiceDefinition<typeof verifierConfig> = {
  name: 'verifier',
  module: VerifierModule,
  config: verifierConfig,
  // The guard's tables: binding-key states fed from Kafka, the DPoP replay cache.
  migrationSources: [
    messagingMigrations,
    resourceGuardMigrations,
    { namespace: 'verifier', directory: path.join(__dirname, '..', 'migrations') },
  ],
  // TLS ends in the process when the files are set: token-binding mode checks each connection's exporter.
  httpsOptions: httpTlsServerOptions,
  // POST /v1/uploads takes CBOR as bytes, and JSON, both within the upload's body limit (the largest
  // legitimate body of the service), named in the 413.
  rawBodies: [
    {
      mediaTypes: ['application/cbor'],
      limitBytes: uploadBodySizeMaxBytes,
      limitName: 'uploadBodySizeMaxBytes',
    },
  ],
  jsonBodyLimitBytes: uploadBodySizeMaxBytes,
  jsonBodyLimitName: 'uploadBodySizeMaxBytes',
};
