// The four services in this process for the end-to-end tests: the token issuer, the registry, the
// verifier and the ledger on one Kafka topic prefix, real PostgreSQL, TLS 1.3 with a throwaway
// development PKI (scripts/dev-pki.mjs: CA, server certificates, each service's custody document), and
// topic taps on what the verifier and the ledger publish. Shared by offline-payment.e2e-spec.ts and
// demo-scenario.e2e-spec.ts; each test stops what it started through `cleanups`.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Endpoints, httpsJsonCall } from '@settle/demo';
import { type TlsEndpoint } from '@settle/device-session';
import { startTopicTap, type TopicTap } from '@settle/messaging/testing';
import { adminAuthorization, startTestService, type TestService } from '@settle/platform/testing';
import { loadGgwaveModem, type SoundModem } from '@settle/sound-link';
/* eslint-disable @nx/enforce-module-boundaries -- applications have no package alias; the tests start them in-process */
import { serviceDefinition as ledgerDefinition } from '../../../apps/ledger/src/service-definition';
import { serviceDefinition as registryDefinition } from '../../../apps/registry/src/service-definition';
import { serviceDefinition as tokenIssuerDefinition } from '../../../apps/token-issuer/src/service-definition';
import { makeTestPki } from '../../../apps/token-issuer/src/testing/token-issuer-test-kit';
import { serviceDefinition as verifierDefinition } from '../../../apps/verifier/src/service-definition';
/* eslint-enable @nx/enforce-module-boundaries */

export interface InProcessServices {
  readonly issuer: TestService<typeof tokenIssuerDefinition.config>;
  readonly registry: TestService<typeof registryDefinition.config>;
  readonly verifier: TestService<typeof verifierDefinition.config>;
  readonly ledger: TestService<typeof ledgerDefinition.config>;
  /** What the verifier published (payments, fraud signals) and its dead letters. */
  readonly verifierTap: TopicTap;
  /** What the ledger published (settlements) and its dead letters. */
  readonly ledgerTap: TopicTap;
  /** How devices and the operator reach them (the test operator's admin credential). */
  readonly endpoints: Endpoints;
  readonly issuerEndpoint: TlsEndpoint;
  readonly registryEndpoint: TlsEndpoint;
  readonly verifierEndpoint: TlsEndpoint;
  readonly caPem: string;
  readonly modem: SoundModem;
}

const portOf = (service: { url: string }) => Number(new URL(service.url).port);

/**
 * Starts the four services on one topic prefix, the taps and the sound modem; registers their stops
 * in `cleanups` (run them in order). `verifierEnv` sets the verifier's attestation policy.
 */
export async function startInProcessServices(
  cleanups: Array<() => Promise<void> | void>,
  verifierEnv: Record<string, string>,
): Promise<InProcessServices> {
  const prefix = `e2e${randomBytes(4).toString('hex')}.`;
  const kafka = { SETTLE_KAFKA_TOPIC_PREFIX: prefix, SETTLE_KAFKA_CREATE_TOPICS: 'true' };
  const pki = makeTestPki();
  cleanups.push(() => rmSync(pki.directory, { recursive: true, force: true }));
  const caPem = readFileSync(pki.caCert, 'utf8');
  const start = async <TService extends { stop(): Promise<void> }>(
    starting: Promise<TService>,
  ): Promise<TService> => {
    const service = await starting;
    cleanups.unshift(() => service.stop());
    return service;
  };
  const endpointOf = (service: { url: string }): TlsEndpoint => ({
    host: '127.0.0.1',
    port: portOf(service),
    servername: 'localhost',
    ca: caPem,
  });

  const issuer = await start(
    startTestService(tokenIssuerDefinition, {
      env: {
        ...kafka,
        SETTLE_HTTP_TLS_CERT_FILE: pki.serverCert,
        SETTLE_HTTP_TLS_KEY_FILE: pki.serverKey,
        SETTLE_KEY_CUSTODY_FILE: pki.keyCustody,
        SETTLE_TOKEN_ISSUER_RATE_LIMIT_KEY_PER_MINUTE: '1000',
      },
    }),
  );
  // The resource servers trust the issuer's published key set, fetched once over HTTPS (a static
  // SETTLE_AUTH_JWKS; test/e2e/bound-session.e2e-spec.ts covers SETTLE_AUTH_JWKS_URL).
  const jwks = await httpsJsonCall(endpointOf(issuer), caPem, 'GET', '/.well-known/jwks.json');
  if (jwks.status !== 200) throw new Error(`the issuer's JWKS: HTTP ${jwks.status}`);
  const guard = { SETTLE_AUTH_MODE: 'token-binding', SETTLE_AUTH_JWKS: JSON.stringify(jwks.body) };
  const tlsOf = (stem: string, custody: string) => ({
    SETTLE_HTTP_TLS_CERT_FILE: join(pki.directory, `${stem}.crt`),
    SETTLE_HTTP_TLS_KEY_FILE: join(pki.directory, `${stem}.key`),
    SETTLE_KEY_CUSTODY_FILE: join(pki.directory, custody),
  });
  // Software keys (format none under the development policy) pay offline here, as in development.
  const registry = await start(
    startTestService(registryDefinition, {
      env: {
        ...kafka,
        ...guard,
        ...tlsOf('registry', 'registry-key-custody.json'),
        SETTLE_REGISTRY_OFFLINE_ATTESTATION_LEVELS: 'strongbox,tee,secure-enclave,software',
      },
    }),
  );
  const verifier = await start(
    startTestService(verifierDefinition, {
      env: {
        ...kafka,
        ...guard,
        ...tlsOf('verifier', 'verifier-key-custody.json'),
        ...verifierEnv,
      },
    }),
  );
  const ledger = await start(startTestService(ledgerDefinition, { env: { ...kafka } }));
  const verifierTap = await start(
    startTopicTap({
      service: 'verifier',
      prefix,
      outputTopics: [
        'payments.uploaded.v1',
        'payments.verified.v1',
        'payments.rejected.v1',
        'verifier.fraud-signals.v1',
      ],
    }),
  );
  const ledgerTap = await start(
    startTopicTap({ service: 'ledger', prefix, outputTopics: ['payments.settlements.v1'] }),
  );
  const modem = await loadGgwaveModem();
  cleanups.unshift(() => modem.close());
  const [issuerEndpoint, registryEndpoint, verifierEndpoint] = [
    endpointOf(issuer),
    endpointOf(registry),
    endpointOf(verifier),
  ];
  return {
    issuer,
    registry,
    verifier,
    ledger,
    verifierTap,
    ledgerTap,
    endpoints: {
      issuer: issuerEndpoint,
      registry: registryEndpoint,
      verifier: verifierEndpoint,
      ledgerUrl: ledger.url,
      caPem,
      adminAuthorization: adminAuthorization(),
    },
    issuerEndpoint,
    registryEndpoint,
    verifierEndpoint,
    caPem,
    modem,
  };
}

/** Runs every cleanup even when one fails; throws the first failure afterwards. */
export async function runCleanups(cleanups: Array<() => Promise<void> | void>): Promise<void> {
  const failures: unknown[] = [];
  for (const cleanup of cleanups)
    await Promise.resolve()
      .then(cleanup)
      .catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw failures[0];
}
