// Integration-test kit of the registry: a running registry on its own topics with two admin operators,
// a producer that publishes verifier and ledger events, a collector of everything the registry
// publishes, and helpers for the admin and enrolment HTTP APIs.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  accountBackInFundsV1,
  accountOverdrawnV1,
  type AttestationCompletedV1,
  attestationCompletedV1,
  createEnvelope,
  type EventDefinition,
  type EventEnvelope,
} from '@settle/contracts';
import { generateKeyPair } from '@settle/crypto';
import { startTopicTap } from '@settle/messaging/testing';
import { hashAdminSecret } from '@settle/platform';
import { adminAuthorization, startTestService, testAdminCredentials, type TestService } from '@settle/platform/testing';
import { DataSource } from 'typeorm';
import { serviceDefinition } from '../service-definition';

/** A second operator, for changes that need two. */
export const secondOperator = { operatorId: 'second-operator', secret: 'second-secret-4b7e1a' } as const;

export interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface RegistryTestKit {
  readonly test: TestService<typeof serviceDefinition.config>;
  readonly prefix: string;
  readonly published: EventEnvelope[];
  readonly deadLetters: Array<{ reason: string; value: string }>;
  publish(envelope: EventEnvelope): Promise<void>;
  /** An admin call, as the test operator unless another authorization is given. */
  admin(method: string, path: string, body?: unknown, authorization?: string): Promise<HttpAnswer>;
  /** An unauthenticated device call. */
  device(method: string, path: string, body?: unknown): Promise<HttpAnswer>;
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>;
  stop(): Promise<void>;
}

const outputTopics = [
  'registry.accounts.v1',
  'registry.merchants.v1',
  'registry.terminals.v1',
  'registry.devices.v1',
  'registry.device-offline-capability.v1',
  'registry.key-lifecycle.v1',
  'registry.attestation-requests.v1',
];

async function twoOperatorCredentials(): Promise<string> {
  const first = JSON.parse(await testAdminCredentials()) as unknown[];
  const secretHash = await hashAdminSecret(secondOperator.secret, { cost: 2 ** 14, blockSize: 8, parallelization: 1 });
  return JSON.stringify([...first, { operatorId: secondOperator.operatorId, secretHash }]);
}

export async function startRegistry(env: NodeJS.ProcessEnv = {}): Promise<RegistryTestKit> {
  const prefix = `t${randomBytes(4).toString('hex')}.`;
  const test = await startTestService(serviceDefinition, {
    env: { SETTLE_KAFKA_TOPIC_PREFIX: prefix, SETTLE_KAFKA_CREATE_TOPICS: 'true', SETTLE_ADMIN_CREDENTIALS: await twoOperatorCredentials(), ...env },
  });
  const tap = await startTopicTap({ service: 'registry', prefix, outputTopics });
  const dataSource = test.service.app.get(DataSource);
  const call = async (method: string, path: string, body: unknown, authorization: string | undefined): Promise<HttpAnswer> => {
    const response = await fetch(`${test.url}${path}`, {
      method,
      headers: { ...(authorization ? { authorization } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return {
    test,
    prefix,
    published: tap.published,
    deadLetters: tap.deadLetters,
    publish: tap.publish,
    admin: (method, path, body, authorization = adminAuthorization()) => call(method, path, body, authorization),
    device: (method, path, body) => call(method, path, body, undefined),
    query: (text, values) => dataSource.query(text, values),
    stop: async () => {
      await tap.stop();
      await test.stop();
    },
  };
}


function envelope<TType extends string, TPayload>(definition: EventDefinition<TType, TPayload>, payload: TPayload): EventEnvelope {
  return createEnvelope({ definition, payload, eventId: randomUUID(), occurredAt: new Date().toISOString(), producer: definition.producer, correlationId: randomUUID(), causationId: null });
}

export function attestationCompleted(fields: Pick<AttestationCompletedV1, 'requestId' | 'keyId'> & Partial<AttestationCompletedV1>): EventEnvelope {
  const accepted = (fields.verdict ?? 'accepted') === 'accepted';
  return envelope(attestationCompletedV1, {
    verdict: 'accepted',
    reasonCode: accepted ? null : 'CERTIFICATE_CHAIN_INVALID',
    level: accepted ? 'strongbox' : null,
    format: 'android-key',
    verifiedAt: new Date().toISOString(),
    ...fields,
  });
}

export const accountOverdrawn = (accountId: string): EventEnvelope => envelope(accountOverdrawnV1, { accountId, balance: '-100', currency: 'EUR', overdrawnAt: new Date().toISOString() });
export const accountBackInFunds = (accountId: string): EventEnvelope => envelope(accountBackInFundsV1, { accountId, balance: '0', currency: 'EUR', restoredAt: new Date().toISOString() });

/** A payment and a binding key as a device would submit them (format android-key, placeholder evidence). */
export function deviceKeys(): Array<{ purpose: 'payment' | 'binding'; algorithm: 'ES256'; publicKeyJwk: unknown; format: 'android-key'; evidence: string }> {
  return (['payment', 'binding'] as const).map((purpose) => ({ purpose, algorithm: 'ES256', publicKeyJwk: generateKeyPair('ES256').publicJwk, format: 'android-key', evidence: randomBytes(24).toString('base64url') }));
}


export function uniqueId(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export { waitFor } from '@settle/messaging/testing';
