import { randomUUID } from 'node:crypto';
import type { IncomingMessage, KafkaPort, MessageProducer } from '../kafka/kafka-port';
import { deadLetterHeader, originalOfDeadLetter } from '../inbox/dead-letter';

export const redriveReadTimeoutMs = 30_000;

export interface DeadLetterSummary {
  readonly offset: string;
  readonly partition: number;
  readonly reason: string;
  readonly detail: string;
  readonly originalTopic: string;
  readonly originalOffset: string;
  readonly consumerGroup: string;
  readonly failedAt: string;
  readonly key: string;
}

export interface RedriveOptions {
  readonly kafka: KafkaPort;
  readonly producer: MessageProducer;
  readonly deadLetterTopic: string;
  /** Only dead letters with this reason (e.g. RETRIES_EXHAUSTED after the missing account arrived). */
  readonly reason?: string;
  /** Only dead letters at these offsets of the dead-letter topic. */
  readonly offsets?: readonly bigint[];
  /** Inspect only: list what would be re-published. */
  readonly dryRun: boolean;
}

/**
 * The operator's dead-letter redrive: reads the service's dead-letter topic up to its current end,
 * lists the dead letters, and (unless `dryRun`) re-publishes the selected ones, byte for byte, to the
 * topic they came from. Consumers that already applied an event drop the repeat in their inbox, so a
 * redrive is safe to run twice. Fix the cause first: a deploy that handles the event, the entity that
 * was missing, or a corrected payload published as a new event.
 */
export async function redriveDeadLetters(
  options: RedriveOptions,
): Promise<{ listed: DeadLetterSummary[]; republished: number }> {
  const deadLetters = await readToEnd(options.kafka, options.deadLetterTopic);
  const selected = deadLetters.filter(
    (message) =>
      (options.reason === undefined ||
        message.headers[deadLetterHeader.reason] === options.reason) &&
      (options.offsets === undefined || options.offsets.includes(message.offset)),
  );
  if (!options.dryRun) {
    for (const message of selected) {
      const original = originalOfDeadLetter(message);
      if (!original) continue;
      await options.producer.send([
        {
          topic: original.topic,
          messages: [
            {
              ...original.message,
              headers: {
                ...original.message.headers,
                'redriven-from': `${message.topic}@${message.partition}:${message.offset}`,
              },
            },
          ],
        },
      ]);
    }
  }
  return { listed: selected.map(summarize), republished: options.dryRun ? 0 : selected.length };
}

function summarize(message: IncomingMessage): DeadLetterSummary {
  const header = (name: string) => message.headers[name] ?? '';
  return {
    offset: message.offset.toString(),
    partition: message.partition,
    reason: header(deadLetterHeader.reason),
    detail: header(deadLetterHeader.detail),
    originalTopic: header(deadLetterHeader.originalTopic),
    originalOffset: header(deadLetterHeader.originalOffset),
    consumerGroup: header(deadLetterHeader.consumerGroup),
    failedAt: header(deadLetterHeader.failedAt),
    key: message.key?.toString('utf8') ?? '',
  };
}

async function readToEnd(kafka: KafkaPort, topic: string): Promise<IncomingMessage[]> {
  const admin = await kafka.admin();
  const ends = new Map((await admin.topicOffsets(topic)).map((entry) => [entry.partition, entry]));
  await admin.disconnect();
  const remaining = () => [...ends.values()].filter((entry) => entry.high > entry.low).length;
  const received: IncomingMessage[] = [];
  if (remaining() === 0) return received;
  // A throwaway group: reading the dead letters must not move any real consumer's offsets.
  const reader = kafka.consumer({ groupId: `redrive-${randomUUID()}` });
  await reader.connect();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`could not read ${topic} to its end within ${redriveReadTimeoutMs} ms`)),
      redriveReadTimeoutMs,
    );
    void reader
      .run({
        topics: [topic],
        fromBeginning: true,
        eachBatch: async (batch) => {
          const end = ends.get(batch.partition);
          for (const message of batch.messages)
            if (end && message.offset < end.high) received.push(message);
          const last = batch.messages[batch.messages.length - 1];
          if (last) batch.markProcessed(last.offset);
          if (end && last && last.offset + 1n >= end.high) end.low = end.high;
          if (remaining() === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await reader.disconnect();
  return received.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
}
