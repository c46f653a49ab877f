// The token issuer's events: session.started and session.ended, built with the one event factory
// (@settle/messaging) and a cause from `requestCause` or `eventCause`.
import {
  type EventEnvelope,
  type SessionEndReason,
  sessionEndedV1,
  type SessionStartedV1,
  sessionStartedV1,
} from '@settle/contracts';
import { type Causation, eventFactory } from '@settle/messaging';

const tokenIssuerEvent = eventFactory('token-issuer');

/** session.started, as the session handler decided it. */
export function sessionStartedEvent(payload: SessionStartedV1, cause: Causation): EventEnvelope {
  return tokenIssuerEvent(sessionStartedV1, payload, cause);
}

/** session.ended: the session ends when its cause happened. */
export function sessionEndedEvent(
  sessionId: string,
  reason: SessionEndReason,
  cause: Causation,
): EventEnvelope {
  return tokenIssuerEvent(sessionEndedV1, { sessionId, reason, endedAt: cause.occurredAt }, cause);
}
