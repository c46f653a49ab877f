import { randomUUID } from 'node:crypto';
import {
  createEnvelope,
  type EventEnvelope,
  type SessionEndReason,
  sessionEndedV1,
  type SessionStartedV1,
  sessionStartedV1,
} from '@settle/contracts';

/** What every event the token issuer publishes carries of its cause. */
export interface Causation {
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly occurredAt: string;
}

const producer = 'token-issuer';
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A device request is a root cause: a new correlation id, its request id (when a UUID) as causation. */
export function requestCause(requestId: string | null | undefined, occurredAt: string): Causation {
  return {
    correlationId: randomUUID(),
    causationId: requestId && uuidPattern.test(requestId) ? requestId : null,
    occurredAt,
  };
}

/** An event caused by a consumed event keeps its correlation id. */
export function eventCause(envelope: EventEnvelope, occurredAt: string): Causation {
  return { correlationId: envelope.correlationId, causationId: envelope.eventId, occurredAt };
}

export function sessionStartedEvent(payload: SessionStartedV1, cause: Causation): EventEnvelope {
  return createEnvelope({
    definition: sessionStartedV1,
    payload,
    eventId: randomUUID(),
    producer,
    ...cause,
  });
}

export function sessionEndedEvent(
  sessionId: string,
  reason: SessionEndReason,
  cause: Causation,
): EventEnvelope {
  return createEnvelope({
    definition: sessionEndedV1,
    payload: { sessionId, reason, endedAt: cause.occurredAt },
    eventId: randomUUID(),
    producer,
    ...cause,
  });
}
