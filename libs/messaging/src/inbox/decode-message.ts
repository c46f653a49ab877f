import { decodeEvent, findEventDefinition, type KnownEventEnvelope } from '@settle/contracts';
import type { IncomingMessage } from '../kafka/kafka-port';
import type { DeadLetterReason } from './dead-letter';

/** Larger messages are refused before parsing: no event of the catalogue comes near it. */
export const consumedMessageSizeMaxBytes = 256 * 1024;

export type DecodedMessage =
  | {
      readonly kind: 'event';
      readonly message: IncomingMessage;
      readonly envelope: KnownEventEnvelope;
    }
  | { readonly kind: 'tombstone'; readonly message: IncomingMessage }
  | {
      readonly kind: 'poison';
      readonly message: IncomingMessage;
      readonly reason: DeadLetterReason;
      readonly detail: string;
    }
  | { readonly kind: 'newer-version'; readonly message: IncomingMessage; readonly detail: string };

/**
 * Classifies one Kafka message: a valid event (upcast to the latest version this service knows), a
 * tombstone of a compacted topic, poison for the dead-letter topic, or an event of a version newer
 * than this service knows (a rolling deploy is under way: the partition pauses).
 */
export function decodeMessage(message: IncomingMessage, topicPrefix = ''): DecodedMessage {
  if (message.value === null || message.value.length === 0) return { kind: 'tombstone', message };
  if (message.value.length > consumedMessageSizeMaxBytes) {
    return {
      kind: 'poison',
      message,
      reason: 'MESSAGE_TOO_LARGE',
      detail: `${message.value.length} bytes > ${consumedMessageSizeMaxBytes}`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.value.toString('utf8'));
  } catch (error) {
    return { kind: 'poison', message, reason: 'MALFORMED_JSON', detail: (error as Error).message };
  }
  const decoded = decodeEvent(parsed);
  if (!decoded.ok) {
    const detail = `${decoded.message}${decoded.field ? ` (field ${decoded.field})` : ''}`;
    if (decoded.code === 'NEWER_VERSION') return { kind: 'newer-version', message, detail };
    return { kind: 'poison', message, reason: decoded.code, detail };
  }
  // The topic is part of the contract: an event on a topic its definition does not name is hostile or
  // misrouted, and applying it would bypass the key-based ordering guarantees.
  const sentVersion = (parsed as { version: number }).version;
  const definition = findEventDefinition(decoded.envelope.type, sentVersion);
  if (definition && `${topicPrefix}${definition.topic}` !== message.topic) {
    return {
      kind: 'poison',
      message,
      reason: 'TOPIC_MISMATCH',
      detail: `${decoded.envelope.type} belongs on ${definition.topic}`,
    };
  }
  return { kind: 'event', message, envelope: decoded.envelope };
}
