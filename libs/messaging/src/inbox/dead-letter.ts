import type { IncomingMessage, MessageHeaders, OutgoingMessage } from '../kafka/kafka-port';

/**
 * Why a message went to the dead-letter topic. A closed, append-only set: operators filter redrives
 * by it, and dashboards count by it (`settle.dead_letters`).
 */
export const deadLetterReasons = [
  'MALFORMED_JSON',
  'MESSAGE_TOO_LARGE',
  'ENVELOPE_MALFORMED',
  'UNKNOWN_EVENT_TYPE',
  'SCHEMA_VIOLATION',
  'KEY_MISMATCH',
  'TOPIC_MISMATCH',
  'HANDLER_REJECTED',
  'HANDLER_FAILED',
  'RETRIES_EXHAUSTED',
] as const;

export type DeadLetterReason = (typeof deadLetterReasons)[number];

/** Header names of a dead letter. The value and key are the original bytes, untouched. */
export const deadLetterHeader = {
  reason: 'dlq-reason',
  detail: 'dlq-detail',
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  consumerGroup: 'dlq-consumer-group',
  failedAt: 'dlq-failed-at',
} as const;

const deadLetterDetailLengthMax = 1_000;

/** The dead-letter topic of a service: one per service, since failures are a consumer's verdict. */
export function deadLetterTopicOf(serviceName: string): string {
  return `${serviceName}.dead-letters.v1`;
}

export function deadLetterMessage(
  message: IncomingMessage,
  failure: { reason: DeadLetterReason; detail: string; consumerGroup: string; failedAt: Date },
): OutgoingMessage {
  const headers: MessageHeaders = {
    ...message.headers,
    [deadLetterHeader.reason]: failure.reason,
    [deadLetterHeader.detail]: failure.detail.slice(0, deadLetterDetailLengthMax),
    [deadLetterHeader.originalTopic]: message.topic,
    [deadLetterHeader.originalPartition]: String(message.partition),
    [deadLetterHeader.originalOffset]: message.offset.toString(),
    [deadLetterHeader.consumerGroup]: failure.consumerGroup,
    [deadLetterHeader.failedAt]: failure.failedAt.toISOString(),
  };
  return {
    key: message.key?.toString('utf8') ?? '',
    value: message.value ?? Buffer.alloc(0),
    headers,
  };
}

/** The original message a dead letter carries, for redrive: dead-letter headers removed. */
export function originalOfDeadLetter(
  message: IncomingMessage,
): { topic: string; message: OutgoingMessage } | null {
  const topic = message.headers[deadLetterHeader.originalTopic];
  if (!topic) return null;
  const headers: MessageHeaders = {};
  const deadLetterNames = new Set<string>(Object.values(deadLetterHeader));
  for (const [name, value] of Object.entries(message.headers))
    if (!deadLetterNames.has(name)) headers[name] = value;
  return {
    topic,
    message: {
      key: message.key?.toString('utf8') ?? '',
      value: message.value ?? Buffer.alloc(0),
      headers,
    },
  };
}
