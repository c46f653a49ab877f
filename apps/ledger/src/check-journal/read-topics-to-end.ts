import { randomUUID } from 'node:crypto';
import { type ConsumedEvent, decodeMessage, type KafkaPort } from '@settle/messaging';

/** A rebuild gives up when the topics are not read to their end within this time. */
export const topicReadTimeoutMs = 10 * 60_000;

/** A decoded event with where it was read from (offsets are per Kafka partition): what the inbox hands a handler. */
export type ReadEvent = ConsumedEvent;

export interface TopicsRead {
  /** Messages the backbone would not hand to a handler (poison, a newer version); tombstones are skipped. */
  readonly undecodable: number;
  readonly messagesRead: number;
}

/**
 * Reads topics from their earliest offset to the high watermarks they had when the read began, with
 * a consumer group of its own (`<groupPrefix>-<uuid>`) that never commits an offset, so the live
 * consumer groups are untouched. Messages are decoded as the inbox decodes them (schema, key, topic,
 * upcasting) and handed to `onEvent` in each Kafka partition's order, so the caller keeps only what
 * it needs of each. Later messages are not waited for: the read is a snapshot of the topics.
 */
export async function readTopicsToEnd(
  kafka: KafkaPort,
  options: {
    topics: readonly string[];
    topicPrefix: string;
    groupPrefix: string;
    onEvent: (topic: string, event: ReadEvent) => void;
  },
): Promise<TopicsRead> {
  const remaining = await highWatermarks(
    kafka,
    options.topics.map((topic) => `${options.topicPrefix}${topic}`),
  );
  let undecodable = 0;
  let messagesRead = 0;
  if (remaining.size === 0) return { undecodable, messagesRead };

  const consumer = kafka.consumer({ groupId: `${options.groupPrefix}-${randomUUID()}` });
  await consumer.connect();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `topics not read to their end within ${topicReadTimeoutMs} ms (${remaining.size} partitions left)`,
            ),
          ),
        topicReadTimeoutMs,
      );
      consumer
        .run({
          topics: options.topics.map((topic) => `${options.topicPrefix}${topic}`),
          fromBeginning: true,
          eachBatch: (batch) => {
            const key = `${batch.topic}/${batch.partition}`;
            const lastOffset = remaining.get(key);
            if (lastOffset === undefined) return Promise.resolve();
            const topic = batch.topic.slice(options.topicPrefix.length);
            for (const message of batch.messages) {
              if (message.offset > lastOffset) {
                remaining.delete(key);
                break;
              }
              messagesRead += 1;
              const decoded = decodeMessage(message, options.topicPrefix);
              if (decoded.kind === 'event')
                options.onEvent(topic, {
                  envelope: decoded.envelope,
                  topic: batch.topic,
                  partition: batch.partition,
                  offset: message.offset,
                });
              else if (decoded.kind !== 'tombstone') undecodable += 1;
              if (message.offset === lastOffset) remaining.delete(key);
            }
            // Only moves this consumer's read position; nothing is committed.
            const last = batch.messages[batch.messages.length - 1];
            if (last) batch.markProcessed(last.offset);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return { undecodable, messagesRead };
}

/** `topic/partition` → offset of the last message present now, for every non-empty partition. */
async function highWatermarks(
  kafka: KafkaPort,
  topics: readonly string[],
): Promise<Map<string, bigint>> {
  const admin = await kafka.admin();
  try {
    const last = new Map<string, bigint>();
    for (const topic of topics) {
      for (const { partition, low, high } of await admin.topicOffsets(topic))
        if (high > low) last.set(`${topic}/${partition}`, high - 1n);
    }
    return last;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
