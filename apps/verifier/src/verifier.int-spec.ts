// The verifier service as it starts in production, against a fresh database and the test run's Kafka.
import { describeServiceShell } from '@settle/platform/testing';
import { createTestTokenIssuer, withTestJwks } from '@settle/resource-guard/testing';
import { serviceDefinition } from './service-definition';

const issuer = createTestTokenIssuer();

/** The production definition, its guard trusting a test JWKS by default (the shell checks pass no environment). */
const withTestIssuerJwks = withTestJwks(serviceDefinition, issuer);

describeServiceShell(withTestIssuerJwks, {
  migrations: [
    'platform/0001-admin-audit-log.sql',
    'platform/0002-rate-limits.sql',
    'platform/0003-admin-audit-refusals.sql',
    'messaging/0001-outbox-and-inbox.sql',
    'messaging/0002-inbox-processed-at-brin.sql',
    'resource-guard/0001-binding-keys.sql',
    'resource-guard/0002-dpop-replay.sql',
    'verifier/0001-init.sql',
    'verifier/0002-attestation-results.sql',
    'verifier/0003-registry-projection.sql',
    'verifier/0004-payments.sql',
    'verifier/0006-reconciliation.sql',
    'verifier/0007-android-revocation-status.sql',
  ],
});
