import { type ObjectSchema } from './payload-schema';
import { type EventDefinition } from './event-definition';
import {
  identifierLengthMax,
  jsonSchemaDialect,
  schemaIdBase,
  timestampSchema,
  uuidSchema,
} from './schema-fragments';

/** Highest version number an envelope may carry: a bound, not a plan. */
export const eventVersionMax = 1000;

/** Longest Kafka message key: the longest id (64) with room for a prefix. */
export const eventKeyLengthMax = 2 * identifierLengthMax;

/**
 * The one envelope around every event on every topic. W3C trace context travels in Kafka headers,
 * not here, so that the envelope (and its golden fixtures) stays deterministic.
 */
export interface EventEnvelope<TType extends string = string, TPayload = unknown> {
  /** UUID chosen by the producer; consumers de-duplicate on it (inbox). */
  readonly eventId: string;
  readonly type: TType;
  /** Version of the payload contract; consumers upcast older ones and pause on newer ones. */
  readonly version: number;
  /** When the fact happened, RFC 3339 UTC with milliseconds. */
  readonly occurredAt: string;
  /** The service that published the event. */
  readonly producer: string;
  /** Same for every event caused, directly or not, by one outside request. */
  readonly correlationId: string;
  /** The eventId of the event (or the id of the request) that caused this one; null for a root cause. */
  readonly causationId: string | null;
  /** The Kafka message key: always `definition.key(payload)`, checked on send and on receive. */
  readonly key: string;
  readonly payload: TPayload;
}

interface EnvelopeShape {
  eventId: string;
  type: string;
  version: number;
  occurredAt: string;
  producer: string;
  correlationId: string;
  causationId: string | null;
  key: string;
  payload: Record<string, unknown>;
}

/** The envelope schema; the payload is only required to be an object here and validated by its own schema. */
export const eventEnvelopeSchema: ObjectSchema<EnvelopeShape> = {
  $schema: jsonSchemaDialect,
  $id: `${schemaIdBase}envelope.json`,
  type: 'object',
  additionalProperties: false,
  required: [
    'eventId',
    'type',
    'version',
    'occurredAt',
    'producer',
    'correlationId',
    'causationId',
    'key',
    'payload',
  ],
  properties: {
    eventId: uuidSchema,
    type: {
      type: 'string',
      pattern: '^[a-z][a-z0-9-]{0,30}\\.[a-z][a-z0-9-]{0,62}$',
      maxLength: 94,
    },
    version: { type: 'integer', minimum: 1, maximum: eventVersionMax },
    occurredAt: timestampSchema,
    producer: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$', maxLength: 63 },
    correlationId: uuidSchema,
    causationId: { ...uuidSchema, nullable: true },
    key: { type: 'string', minLength: 1, maxLength: eventKeyLengthMax },
    payload: { type: 'object' },
  },
};

export interface CreateEnvelopeInput<TType extends string, TPayload> {
  readonly definition: EventDefinition<TType, TPayload>;
  readonly payload: TPayload;
  readonly eventId: string;
  readonly occurredAt: string;
  readonly producer: string;
  readonly correlationId: string;
  readonly causationId: string | null;
}

/**
 * Wraps a payload in an envelope. Pure: ids and time are passed in, never generated here, so the
 * caller (a decider, a test) controls them. It does not validate; `validateEventForSend` does, on
 * the way to the outbox.
 *
 * @example
 * const envelope = createEnvelope({
 *   definition: paymentVerifiedV1, payload, eventId: ids.next(), occurredAt: clock.now().toISOString(),
 *   producer: 'verifier', correlationId, causationId: uploadEventId,
 * });
 */
export function createEnvelope<TType extends string, TPayload>(
  input: CreateEnvelopeInput<TType, TPayload>,
): EventEnvelope<TType, TPayload> {
  const { definition, payload } = input;
  return {
    eventId: input.eventId,
    type: definition.type,
    version: definition.version,
    occurredAt: input.occurredAt,
    producer: input.producer,
    correlationId: input.correlationId,
    causationId: input.causationId,
    key: definition.key(payload),
    payload,
  };
}
