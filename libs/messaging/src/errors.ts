/**
 * Errors of the messaging backbone. Each says whether a retry can help, so callers never guess
 * from a message string.
 */
export type MessagingErrorCode =
  | 'KAFKA_UNAVAILABLE'
  | 'KAFKA_SEND_FAILED'
  | 'OUTBOX_EVENT_INVALID'
  | 'TOPIC_CONFIGURATION_MISMATCH';

export class MessagingError extends Error {
  constructor(
    readonly code: MessagingErrorCode,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MessagingError';
  }
}

/**
 * Thrown by a handler when the event names something this service has not seen yet (a payment
 * before its account). The consumer retries it with bounded backoff instead of dead-lettering it.
 */
export class EntityNotYetSeenError extends Error {
  readonly retriable = true;
  constructor(
    readonly entity: string,
    readonly entityId: string,
  ) {
    super(`${entity} ${entityId} has not been seen yet`);
    this.name = 'EntityNotYetSeenError';
  }
}

/**
 * Thrown by a handler for an event it can never apply (it breaks a business invariant the schema
 * cannot express). The consumer dead-letters it with this code and moves on.
 */
export class PermanentEventError extends Error {
  readonly retriable = false;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentEventError';
  }
}
