import { type EventEnvelope, findEventDefinition, validateEventForSend } from '@settle/contracts';
import { MessagingError } from '../errors';
import type { SqlExecutor } from '../sql';
import { type Context, context } from '@opentelemetry/api';
import { consumedEventContexts, traceHeadersOf } from '../trace-context';
import { jsonTextColumn, textColumn, textColumnsSql } from './text-column';

/** Buckets partition the outbox among relays; a relay owns whole buckets (see outbox-relay.ts). */
export const outboxBucketCount = 16;

/** How an append checks its envelopes against their contracts. */
export type OutboxValidation =
  /** Each envelope, on every append (the default). */
  | 'every-event'
  /**
   * None on the write: the caller builds every envelope with typed builders whose every output
   * shape its tests validate, on a hot path where the check was a fifth of the handler's time
   * (bench/ledger). Consumers still validate everything they receive.
   */
  | 'builders-tested';

export interface OutboxAppendOptions {
  readonly topicPrefix?: string;
  readonly validation?: OutboxValidation;
}

/**
 * Writes events to the outbox inside the caller's transaction, so they are published if and only if
 * the state change commits. Each envelope is validated against its contract first (unless the
 * caller opts out, see `OutboxValidation`): an invalid event is a programming error and fails the
 * transaction.
 *
 * `topicPrefix` namespaces every topic (several environments on one cluster, or a test run).
 *
 * Call it after taking the row lock of the entity the events are about: the outbox id then follows
 * the order in which the entity changed, and the relay publishes a key's events in id order.
 *
 * Each row stores the W3C trace context its event continues: inside an inbox handler, the context of
 * the consumed event its `causationId` names (so a batch of many payments' events keeps one trace
 * per payment); otherwise the active span's.
 */
export async function appendToOutbox(
  sql: SqlExecutor,
  envelopes: readonly EventEnvelope[],
  options: OutboxAppendOptions = {},
): Promise<void> {
  if (envelopes.length === 0) return;
  const validating = options.validation !== 'builders-tested';
  const traceHeadersOfEvent = traceHeadersLookup();
  const topicOf = prefixedTopicLookup(options.topicPrefix ?? '');
  const eventIds: string[] = [];
  const topics: string[] = [];
  const keys: string[] = [];
  const buckets: number[] = [];
  const values: string[] = [];
  const headers: string[] = [];
  for (const envelope of envelopes) {
    const validation = validating ? validateEventForSend(envelope) : null;
    if (validation !== null && !validation.ok) {
      throw new MessagingError(
        'OUTBOX_EVENT_INVALID',
        `event ${envelope.type} v${envelope.version} is invalid: ${validation.code} at ${validation.field ?? '(root)'}: ${validation.message}`,
        false,
      );
    }
    const definition = findEventDefinition(envelope.type, envelope.version);
    if (!definition)
      throw new MessagingError(
        'OUTBOX_EVENT_INVALID',
        `no contract for ${envelope.type} v${envelope.version}`,
        false,
      );
    eventIds.push(envelope.eventId);
    topics.push(topicOf(definition.topic));
    keys.push(envelope.key);
    buckets.push(bucketOf(envelope.key));
    values.push(JSON.stringify(envelope));
    headers.push(traceHeadersOfEvent(envelope.causationId));
  }
  // Every column travels as one text PostgreSQL splits (text-column.ts), not as an array pg would
  // quote and escape element by element (most of an append's cost, measured in bench/ledger). A split
  // into the wrong number of values would leave rows short, which the row count check refuses.
  const { rowCount } = await sql.query(
    `INSERT INTO messaging_outbox (event_id, topic, message_key, bucket, value, headers)
     SELECT event_id, topic, message_key, bucket, value, headers::jsonb
       FROM unnest(${textColumnsSql(['uuid', 'text', 'text', 'smallint', 'text', 'text'])})
         AS rows(event_id, topic, message_key, bucket, value, headers)`,
    [
      textColumn(eventIds),
      textColumn(topics),
      textColumn(keys),
      textColumn(buckets),
      jsonTextColumn(values),
      jsonTextColumn(headers),
    ],
  );
  if (rowCount !== envelopes.length)
    throw new MessagingError(
      'OUTBOX_EVENT_INVALID',
      `appended ${rowCount} outbox rows for ${envelopes.length} events`,
      false,
    );
}

/**
 * The serialised trace headers of an event by its causation id, each distinct context serialised
 * once (a batch's events share a handful of contexts).
 */
function traceHeadersLookup(): (causationId: string | null) => string {
  const active = context.active();
  const consumed = consumedEventContexts();
  const serialised = new Map<Context, string>();
  return (causationId) => {
    const of = (causationId === null ? undefined : consumed?.get(causationId)) ?? active;
    let text = serialised.get(of);
    if (text === undefined) {
      text = JSON.stringify(traceHeadersOf(of));
      serialised.set(of, text);
    }
    return text;
  };
}

/** The prefixed topic name, one string per topic of an append rather than one per event. */
function prefixedTopicLookup(prefix: string): (topic: string) => string {
  const prefixed = new Map<string, string>();
  return (topic) => {
    let name = prefixed.get(topic);
    if (name === undefined) {
      name = `${prefix}${topic}`;
      prefixed.set(topic, name);
    }
    return name;
  };
}

/** FNV-1a over the key's UTF-16 code units, folded into the bucket range. Stable across versions. */
export function bucketOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % outboxBucketCount;
}
