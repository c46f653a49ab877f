// THE place where events are made: every service builds its envelopes through `newEvent` (usually
// bound to its name with `eventFactory`), with a cause from `requestCause` or `eventCause`.
import { randomUUID } from 'node:crypto';
import {
  createEnvelope,
  type EventDefinition,
  type EventEnvelope,
  type ServiceName,
  uuidPattern,
} from '@settle/contracts';

/** What every event carries of its cause. */
export interface Causation {
  /** The same for everything one outside request caused, directly or not. */
  readonly correlationId: string;
  /** The event (or request) that caused it; null for a root cause. */
  readonly causationId: string | null;
  /** When the fact happened, RFC 3339 UTC with milliseconds. */
  readonly occurredAt: string;
}

/** A cause without its time, for a request whose events each carry their own time. */
export type Correlation = Omit<Causation, 'occurredAt'>;

const requestIdUuid = new RegExp(uuidPattern);

/** The request id when it is a lower-case UUID (the envelope's causationId must be one), else null. */
function uuidOrNull(requestId: string | null | undefined): string | null {
  return requestId !== null && requestId !== undefined && requestIdUuid.test(requestId)
    ? requestId
    : null;
}

/**
 * An outside request (admin, device, a timer) is a root cause: a new correlation id, and its request
 * id as causation when that is a UUID (null otherwise).
 *
 * @example
 * const cause = requestCause(requestId, clock.now().toISOString());
 */
export function requestCause(requestId: string | null | undefined, occurredAt: string): Causation {
  const causationId = uuidOrNull(requestId);
  assertTime(occurredAt);
  return { correlationId: randomUUID(), causationId, occurredAt };
}

/**
 * The other rule for a request, used by the verifier's upload API: when the request id is a UUID it is
 * both correlation and causation, so the request's logs and all its events share it; otherwise a new
 * correlation id and no causation.
 *
 * @example
 * const correlation = requestCorrelation(requestId); // then { ...correlation, occurredAt } per event
 */
export function requestCorrelation(requestId: string | null | undefined): Correlation {
  const id = uuidOrNull(requestId);
  return { correlationId: id ?? randomUUID(), causationId: id };
}

/**
 * An event caused by a consumed event keeps its correlation id and names it as causation.
 *
 * @example
 * const cause = eventCause(envelope, clock.now().toISOString());
 */
export function eventCause(
  envelope: Pick<EventEnvelope, 'eventId' | 'correlationId'>,
  occurredAt: string,
): Causation {
  assertTime(occurredAt);
  return { correlationId: envelope.correlationId, causationId: envelope.eventId, occurredAt };
}

/**
 * A new event: `createEnvelope` with a fresh event id (random UUID), the key derived from the payload
 * by its definition, and the cause's correlation, causation and time. It does not validate: the
 * outbox does (`validateEventForSend`).
 *
 * @example
 * const envelope = newEvent(accountOpenedV1, payload, requestCause(requestId, now), 'registry');
 */
export function newEvent<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  payload: TPayload,
  cause: Causation,
  producer: ServiceName,
): EventEnvelope<TType, TPayload> {
  return createEnvelope({
    definition,
    payload,
    eventId: timeOrderedUuid(),
    producer,
    correlationId: cause.correlationId,
    causationId: cause.causationId,
    occurredAt: cause.occurredAt,
  });
}

/**
 * A time-ordered event id: UUID version 7 (RFC 9562 §5.7), the Unix time in milliseconds in its
 * first 48 bits and 74 random bits (node's pooled generator) after the version and variant. Ids
 * written in one millisecond sit next to each other in the outbox's and the inbox's unique indexes
 * instead of on random pages: ≈ 2 µs of PostgreSQL CPU less per outbox row
 * (bench/results/backbone-profile.md). An event's time is in its envelope anyway.
 *
 * @example
 * ```ts
 * timeOrderedUuid(Date.parse('2026-12-07T00:00:00Z')); // '019af5d6-0c00-7…-…'
 * ```
 */
export function timeOrderedUuid(nowMs: number = Date.now()): string {
  const random = randomUUID();
  const time = nowMs.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15, 18)}-${random.slice(19)}`;
}

/** `newEvent` with the producer bound. */
export type EventFactory = <TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  payload: TPayload,
  cause: Causation,
) => EventEnvelope<TType, TPayload>;

/**
 * `newEvent` bound to the producing service: what a service's event builders call.
 *
 * @example
 * const registryEvent = eventFactory('registry');
 * registryEvent(accountOpenedV1, payload, cause);
 */
export function eventFactory(producer: ServiceName): EventFactory {
  return (definition, payload, cause) => newEvent(definition, payload, cause, producer);
}

/**
 * The payload of `envelope` typed by `definition` when the envelope is of that type and version
 * (undefined otherwise): for code that sees untyped envelopes, such as an outbox listener. A consumer
 * needs none of it: its events are typed from its topics (`EventsOf`).
 *
 * @example
 * const failed = payloadIf(paymentSettlementFailedV1, envelope);
 * if (failed) count('failed', failed.reasonCode);
 */
export function payloadIf<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  envelope: EventEnvelope,
): TPayload | undefined {
  if (envelope.type !== definition.type || envelope.version !== definition.version)
    return undefined;
  // The only cast of payloads outside the decoder: guarded by the type and version just checked.
  return envelope.payload as TPayload;
}

/** Cheap guard against a programmer passing a Date or a number where the wire wants a string. */
function assertTime(occurredAt: string): void {
  if (typeof occurredAt !== 'string' || occurredAt.length === 0)
    throw new TypeError(`occurredAt must be an RFC 3339 string, got ${String(occurredAt)}`);
}
