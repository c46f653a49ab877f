// The registry service as it starts in production, against a fresh database and the test run's Kafka.
import { describeServiceShell, startTestService } from '@settle/platform/testing';
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
    'registry/0001-init.sql',
    'registry/0002-entities-keys-enrolment.sql',
    'registry/0003-device-check-ins.sql',
    'registry/0004-binding-key-status.sql',
    'registry/0005-enrolment-codes-per-device.sql',
    'registry/0006-keys-retired-on-activation.sql',
  ],
});

describe('the production composition', () => {
  it('does not start without the token issuer’s keys, nor with half a TLS configuration', async () => {
    await expect(
      startTestService(serviceDefinition, { env: { SETTLE_KAFKA_TOPIC_PREFIX: 'shell-closed.' } }),
    ).rejects.toThrow(/SETTLE_AUTH_JWKS_URL and SETTLE_AUTH_JWKS/);
    await expect(
      startTestService(serviceDefinition, {
        env: {
          SETTLE_KAFKA_TOPIC_PREFIX: 'shell-closed.',
          SETTLE_AUTH_JWKS: JSON.stringify(issuer.jwks()),
          SETTLE_HTTP_TLS_CERT_FILE: '/nonexistent/cert.pem',
        },
      }),
    ).rejects.toThrow(
      /SETTLE_HTTP_TLS_CERT_FILE and SETTLE_HTTP_TLS_KEY_FILE must be set together/,
    );
  });

  it('answers 401 on device-facing routes without a bound token, and signs nothing without key custody', async () => {
    const service = await startTestService(serviceDefinition, {
      env: {
        SETTLE_KAFKA_TOPIC_PREFIX: 'shell-closed.',
        SETTLE_AUTH_JWKS: JSON.stringify(issuer.jwks()),
      },
    });
    try {
      for (const path of ['/v1/devices/dev_1/check-ins', '/v1/terminals/ter_1/credential']) {
        const response = await fetch(`${service.url}${path}`, {
          method: 'POST',
          headers: { authorization: 'Bearer anything' },
        });
        expect({
          path,
          status: response.status,
          code: ((await response.json()) as { code: string }).code,
        }).toEqual({ path, status: 401, code: 'UNAUTHORIZED' });
      }
      const keys = await fetch(`${service.url}/v1/credential-keys`);
      expect(await keys.json()).toEqual({ keys: [] });
    } finally {
      await service.stop();
    }
  });
});
