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

/**
 * For an event a consumer does not handle, typed from its topics (`EventsOf<…['topics']>`). Pass
 * what the compiler narrowed to `never`: the envelope in the `default:` of a `switch (envelope.type)`,
 * or `envelope.type` after `if (envelope.type !== 'x')` on a one-type topic. So a new event type on a
 * topic fails to compile until it is handled. At run time (an event the inbox should never have
 * handed over) it is a PermanentEventError `UNEXPECTED_EVENT_TYPE`, dead-lettered like before.
 *
 * @example
 * default: throw unexpectedEvent(envelope, 'the registry does not handle it here');
 */
export function unexpectedEvent(unhandled: never, why: string): PermanentEventError {
  const value: unknown = unhandled;
  const type =
    typeof value === 'string' ? value : (value as { readonly type?: unknown } | null)?.type;
  return new PermanentEventError('UNEXPECTED_EVENT_TYPE', `${why}: ${String(type)}`);
}
