// The verifier service as it starts in production, against a fresh database and the test run's Kafka.
import { type ServiceDefinition } from '@settle/platform';
import { describeServiceShell } from '@settle/platform/testing';
import { createTestTokenIssuer } from '@settle/resource-guard/testing';
import { type verifierConfig } from './config';
import { serviceDefinition } from './service-definition';

const issuer = createTestTokenIssuer();

/** The production definition, its guard trusting a test JWKS by default (the shell checks pass no environment). */
const withTestJwks: ServiceDefinition<typeof verifierConfig> = {
  ...serviceDefinition,
  config: { ...serviceDefinition.config, SETTLE_AUTH_JWKS: { ...serviceDefinition.config.SETTLE_AUTH_JWKS, default: issuer.jwks() } as typeof serviceDefinition.config.SETTLE_AUTH_JWKS },
};

describeServiceShell(withTestJwks, {
  migrations: [
    'platform/0001-admin-audit-log.sql',
    'platform/0002-rate-limits.sql',
    'messaging/0001-outbox-and-inbox.sql',
    'resource-guard/0001-binding-keys.sql',
    'resource-guard/0002-dpop-replay.sql',
    'verifier/0001-init.sql',
    'verifier/0002-attestation-results.sql',
    'verifier/0003-registry-projection.sql',
    'verifier/0004-payments.sql',
    'verifier/0006-reconciliation.sql',
  ],
});
