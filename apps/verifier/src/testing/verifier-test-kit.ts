// Integration-test kit of the verifier: a running verifier on its own topics, HTTPS (TLS 1.3) with the
// production resource guard trusting a test token issuer's static JWKS, a key-custody file with a
// receipt key, a producer for the registry's and the ledger's events, and a collector of everything
// the verifier publishes (plus its dead letters). Terminals and phones are made by payment-world.ts.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttestationRequestedV2,
  attestationRequestedV2,
  type EventDefinition,
  type EventEnvelope,
} from '@settle/contracts';
import { newEvent, requestCause } from '@settle/messaging';
import { calculateJwkThumbprint, generateKeyPair } from '@settle/crypto';
import { createKeyCustodyDocument, type KeyCustodyDocument } from '@settle/key-custody';
import { startTopicTap } from '@settle/messaging/testing';
import { adminAuthorization, startTestService, type TestService } from '@settle/platform/testing';
import {
  type BoundRequestInput,
  type BoundResponse,
  createTestTokenIssuer,
  makeSelfSignedCertificate,
  sendBoundRequest,
  type TestTokenIssuer,
} from '@settle/resource-guard/testing';
import { DataSource } from 'typeorm';
import { serviceDefinition } from '../service-definition';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Record<string, unknown>;
}

export interface VerifierTestKit {
  readonly test: TestService<typeof serviceDefinition.config>;
  readonly prefix: string;
  /** Every event the verifier published (attestation results, payments, fraud signals), in arrival order; empty with `collectPublished: false`. */
  readonly published: EventEnvelope[];
  readonly deadLetters: Array<{ reason: string; value: string }>;
  /** The token issuer the verifier's guard trusts (sign bound tokens for terminals and phones with it). */
  readonly tokenIssuer: TestTokenIssuer;
  /** The verifier's TLS endpoint, for `sendBoundRequest` and the device-session client. */
  readonly server: { readonly port: number; readonly cert: string };
  /** The receipt keys' custody document (public keys: what terminals and phones trust). */
  readonly custody: KeyCustodyDocument;
  /** Publishes an event on its contract topic under this kit's prefix (registry and ledger events). */
  publish(envelope: EventEnvelope): Promise<void>;
  /** One HTTPS request, bound as `sendBoundRequest` binds it. */
  bound(input: Omit<BoundRequestInput, 'server'>): Promise<BoundResponse>;
  /** An admin call as the test operator, over HTTPS; the body parsed as JSON. */
  admin(method: string, path: string, body?: unknown): Promise<HttpAnswer>;
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>;
  stop(): Promise<void>;
}

const outputTopics = [
  'verifier.attestation-results.v1',
  'payments.uploaded.v1',
  'payments.verified.v1',
  'payments.rejected.v1',
  'verifier.fraud-signals.v1',
];

/** A custody document with one receipt-signing key, active since a minute ago. */
export function receiptCustody(activatesAt = new Date(Date.now() - 60_000)): KeyCustodyDocument {
  return createKeyCustodyDocument(['receipt-signing'], activatesAt);
}

/**
 * Starts a verifier. `env` is added last (e.g. a development attestation policy); `tokenIssuer`
 * defaults to a fresh test issuer, `database` reuses one (a restart). `collectPublished: false`
 * (benchmarks only) leaves the verifier's output topics unread — `published` stays empty — so
 * that the measured process does not also consume and parse every event it publishes; dead
 * letters are still collected.
 */
export async function startVerifier(
  env: NodeJS.ProcessEnv = {},
  options: {
    readonly tokenIssuer?: TestTokenIssuer;
    readonly prefix?: string;
    readonly database?: TestService<typeof serviceDefinition.config>['database'];
    readonly collectPublished?: boolean;
  } = {},
): Promise<VerifierTestKit> {
  const prefix = options.prefix ?? `t${randomBytes(4).toString('hex')}.`;
  const tokenIssuer = options.tokenIssuer ?? createTestTokenIssuer();
  const directory = mkdtempSync(join(tmpdir(), 'verifier-test-'));
  const certificate = makeSelfSignedCertificate();
  const custody = receiptCustody();
  writeFileSync(join(directory, 'cert.pem'), certificate.cert);
  writeFileSync(join(directory, 'key.pem'), certificate.key, { mode: 0o600 });
  writeFileSync(join(directory, 'key-custody.json'), JSON.stringify(custody), { mode: 0o600 });
  const test = await startTestService(serviceDefinition, {
    env: {
      SETTLE_KAFKA_TOPIC_PREFIX: prefix,
      SETTLE_KAFKA_CREATE_TOPICS: 'true',
      SETTLE_HTTP_TLS_CERT_FILE: join(directory, 'cert.pem'),
      SETTLE_HTTP_TLS_KEY_FILE: join(directory, 'key.pem'),
      SETTLE_KEY_CUSTODY_FILE: join(directory, 'key-custody.json'),
      SETTLE_AUTH_MODE: 'token-binding',
      SETTLE_AUTH_ISSUER: tokenIssuer.issuer,
      SETTLE_AUTH_AUDIENCE: tokenIssuer.audience,
      SETTLE_AUTH_JWKS: JSON.stringify(tokenIssuer.jwks()),
      // No fetch from Google in tests; android-revocation-status.int-spec.ts serves its own list.
      SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_URL: 'off',
      ...env,
    },
    ...(options.database ? { database: options.database } : {}),
  }).catch((error: unknown) => {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  });
  const tap = await startTopicTap({
    service: 'verifier',
    prefix,
    outputTopics: options.collectPublished === false ? [] : outputTopics,
  });
  const dataSource = test.service.app.get(DataSource);
  const server = { port: Number(new URL(test.url).port), cert: certificate.cert };
  return {
    test,
    prefix,
    published: tap.published,
    deadLetters: tap.deadLetters,
    tokenIssuer,
    server,
    custody,
    publish: tap.publish,
    bound: (input) => sendBoundRequest({ ...input, server }),
    admin: async (method, path, body) => {
      const response = await sendBoundRequest({
        server,
        method,
        path,
        headers: {
          authorization: adminAuthorization(),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return {
        status: response.status,
        headers: response.headers,
        body: JSON.parse(response.body || '{}') as Record<string, unknown>,
      };
    },
    query: (text, values) => dataSource.query(text, values),
    stop: async () => {
      await tap.stop();
      await test.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** An envelope of `definition` as its producer would publish it now. */
export function envelopeOf<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  payload: TPayload,
  occurredAt = new Date(),
): EventEnvelope<TType, TPayload> {
  return newEvent(
    definition,
    payload,
    requestCause(null, occurredAt.toISOString()),
    definition.producer,
  );
}

/** An attestation.requested as the registry publishes it: a fresh ES256 key of an Android phone, format `none` unless told. */
export function attestationRequested(
  fields: Partial<AttestationRequestedV2> = {},
): EventEnvelope<'attestation.requested', AttestationRequestedV2> {
  const publicKeyJwk = generateKeyPair('ES256').publicJwk;
  const payload: AttestationRequestedV2 = {
    requestId: randomUUID(),
    keyId: calculateJwkThumbprint(publicKeyJwk),
    owner: { kind: 'device', id: `dev_${randomBytes(6).toString('hex')}` },
    registeredClass: 'android',
    purpose: 'payment',
    format: 'none',
    challenge: randomBytes(32).toString('base64url'),
    evidence: '',
    publicKeyJwk,
    requestedAt: new Date().toISOString(),
    ...fields,
  };
  return newEvent(
    attestationRequestedV2,
    payload,
    requestCause(null, payload.requestedAt),
    'registry',
  );
}

/** The same event again under a new event id (what a replay after inbox pruning looks like). */
export function redelivered<TEnvelope extends EventEnvelope>(envelope: TEnvelope): TEnvelope {
  return { ...envelope, eventId: randomUUID() };
}

export { waitFor } from '@settle/messaging/testing';
