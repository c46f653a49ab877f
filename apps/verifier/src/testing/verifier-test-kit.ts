// Integration-test kit of the verifier: a running verifier on its own topics, a producer that
// publishes the registry's attestation.requested, and a collector of everything the verifier publishes.
import { randomBytes, randomUUID } from 'node:crypto';
import { type AttestationRequestedV1, attestationRequestedV1, createEnvelope, type EventEnvelope } from '@settle/contracts';
import { calculateJwkThumbprint, generateKeyPair } from '@settle/crypto';
import { startTopicTap } from '@settle/messaging/testing';
import { startTestService, type TestService } from '@settle/platform/testing';
import { DataSource } from 'typeorm';
import { serviceDefinition } from '../service-definition';

export interface VerifierTestKit {
  readonly test: TestService<typeof serviceDefinition.config>;
  readonly prefix: string;
  readonly published: EventEnvelope[];
  readonly deadLetters: Array<{ reason: string; value: string }>;
  publish(envelope: EventEnvelope): Promise<void>;
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>;
  stop(): Promise<void>;
}

const outputTopics = ['verifier.attestation-results.v1'];

export async function startVerifier(env: NodeJS.ProcessEnv = {}): Promise<VerifierTestKit> {
  const prefix = `t${randomBytes(4).toString('hex')}.`;
  const test = await startTestService(serviceDefinition, { env: { SETTLE_KAFKA_TOPIC_PREFIX: prefix, SETTLE_KAFKA_CREATE_TOPICS: 'true', ...env } });
  const tap = await startTopicTap({ service: 'verifier', prefix, outputTopics });
  const dataSource = test.service.app.get(DataSource);
  return {
    test,
    prefix,
    published: tap.published,
    deadLetters: tap.deadLetters,
    publish: tap.publish,
    query: (text, values) => dataSource.query(text, values),
    stop: async () => {
      await tap.stop();
      await test.stop();
    },
  };
}

/** An attestation.requested as the registry publishes it: a fresh ES256 key, format `none` unless told. */
export function attestationRequested(fields: Partial<AttestationRequestedV1> = {}): EventEnvelope {
  const publicKeyJwk = generateKeyPair('ES256').publicJwk;
  const payload: AttestationRequestedV1 = {
    requestId: randomUUID(),
    keyId: calculateJwkThumbprint(publicKeyJwk),
    owner: { kind: 'device', id: `dev_${randomBytes(6).toString('hex')}` },
    purpose: 'payment',
    format: 'none',
    challenge: randomBytes(32).toString('base64url'),
    evidence: '',
    publicKeyJwk,
    requestedAt: new Date().toISOString(),
    ...fields,
  };
  return createEnvelope({ definition: attestationRequestedV1, payload, eventId: randomUUID(), occurredAt: payload.requestedAt, producer: 'registry', correlationId: randomUUID(), causationId: null });
}

/** The same request again under a new event id (what a replay after inbox pruning looks like). */
export function redelivered(envelope: EventEnvelope): EventEnvelope {
  return { ...envelope, eventId: randomUUID() };
}


export { waitFor } from '@settle/messaging/testing';
