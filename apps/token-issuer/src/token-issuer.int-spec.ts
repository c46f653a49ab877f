// The token-issuer service as it starts in production, against a fresh database and the test run's Kafka.
import { describeServiceShell } from '@settle/platform/testing';
import { serviceDefinition } from './service-definition';

describeServiceShell(serviceDefinition, {
  migrations: [
    'platform/0001-admin-audit-log.sql',
    'platform/0002-rate-limits.sql',
    'platform/0003-admin-audit-refusals.sql',
    'messaging/0001-outbox-and-inbox.sql',
    'messaging/0002-inbox-processed-at-brin.sql',
    'resource-guard/0001-binding-keys.sql',
    'resource-guard/0002-dpop-replay.sql',
    'token-issuer/0001-init.sql',
    'token-issuer/0002-sessions.sql',
    'token-issuer/0003-app-attest-counters.sql',
    'token-issuer/0004-drop-own-rate-limits.sql',
    'token-issuer/0005-android-revocation-status.sql',
    'token-issuer/0006-drop-own-dpop-proofs.sql',
    'token-issuer/0007-attestation-formats.sql',
  ],
});
