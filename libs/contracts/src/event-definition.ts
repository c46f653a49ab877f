import { type SchemaObject } from 'ajv';
import { type ServiceName } from './services';

/**
 * A rule a payload must keep that JSON Schema cannot say (debits equal credits, the current key
 * state is the last one in its history...). `field` is a JSON pointer relative to the payload.
 */
export interface PayloadViolation {
  readonly field: string;
  readonly message: string;
}

/**
 * One version of one event type: everything a producer and a consumer must agree on.
 *
 * A definition is frozen once it has been published: a change of shape is a new version in a new
 * file, with an upcaster from the previous one. The methods use method syntax on purpose: it makes
 * `EventDefinition<'payment.verified', PaymentVerifiedV1>` assignable to `EventDefinition`, so a
 * catalogue can hold definitions of different payloads.
 */
export interface EventDefinition<TType extends string = string, TPayload = unknown> {
  /** `<aggregate>.<what-happened>`, e.g. `payment.verified`. */
  readonly type: TType;
  /** Positive integer; versions of one type are contiguous from 1. */
  readonly version: number;
  /** The topic the event is published to (see `topics.ts`). */
  readonly topic: string;
  /** The service that publishes it. */
  readonly producer: ServiceName;
  /** What the event means, in one sentence (it ends up in docs/events.md). */
  readonly description: string;
  /** JSON Schema (draft 2020-12) of the payload. */
  readonly schema: SchemaObject;
  /** The Kafka message key, derived from the payload so that it cannot disagree with it. */
  key(payload: TPayload): string;
  /** Cross-field rules checked after the schema; null when the payload keeps them all. */
  invariants?(payload: TPayload): PayloadViolation | null;
}

/** The payload type of a definition. */
export type PayloadOf<TDefinition> =
  TDefinition extends EventDefinition<string, infer TPayload> ? TPayload : never;
