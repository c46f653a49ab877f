// Test support for services running on their own topic prefix: a producer that publishes events to the
// topic their contract names, and a reader that collects everything the service publishes (and its
// dead letters). Imported by the apps' integration-test kits as @settle/messaging/testing.
import { randomUUID } from 'node:crypto';
import { type EventEnvelope, findEventDefinition } from '@settle/contracts';
import { deadLetterHeader, deadLetterTopicOf } from '../inbox/dead-letter';
import { createKafkajsPort } from '../kafka/kafkajs-adapter';
import { brokers, waitFor } from './harness';

export interface TopicTap {
  readonly prefix: string;
  /** Everything published on the tapped topics, decoded, in arrival order. */
  readonly published: EventEnvelope[];
  readonly deadLetters: Array<{ reason: string; value: string }>;
  /** Publishes an event to its contract's topic (under the prefix). */
  publish(envelope: EventEnvelope): Promise<void>;
  /** Publishes arbitrary bytes, e.g. a malformed message. */
  publishRaw(topic: string, key: string, value: string): Promise<void>;
  stop(): Promise<void>;
}

export const topicCreationWaitMs = 30_000;

/**
 * Taps a service started with `SETTLE_KAFKA_TOPIC_PREFIX: prefix` and `SETTLE_KAFKA_CREATE_TOPICS`:
 * waits until the service has created its topics, then reads `outputTopics` and the service's
 * dead-letter topic from the beginning.
 */
export async function startTopicTap(options: {
  service: string;
  prefix: string;
  outputTopics: readonly string[];
}): Promise<TopicTap> {
  const { prefix, service } = options;
  const kafka = createKafkajsPort({ clientId: `${service}-test-${prefix}`, brokers: brokers() });
  const producer = kafka.producer();
  await producer.connect();
  const deadLetterTopic = `${prefix}${deadLetterTopicOf(service)}`;
  await waitFor(
    async () => {
      const admin = await kafka.admin();
      try {
        await admin.topicOffsets(deadLetterTopic);
        return true;
      } catch {
        return false;
      } finally {
        await admin.disconnect();
      }
    },
    topicCreationWaitMs,
    'topics created',
  );
  const published: EventEnvelope[] = [];
  const deadLetters: Array<{ reason: string; value: string }> = [];
  const reader = kafka.consumer({ groupId: `${service}-test-reader-${randomUUID()}` });
  await reader.connect();
  void reader.run({
    topics: [...options.outputTopics.map((topic) => `${prefix}${topic}`), deadLetterTopic],
    fromBeginning: true,
    eachBatch: async (batch) => {
      for (const message of batch.messages) {
        const value = message.value?.toString('utf8') ?? '';
        if (batch.topic === deadLetterTopic)
          deadLetters.push({ reason: message.headers[deadLetterHeader.reason] ?? '', value });
        else published.push(JSON.parse(value) as EventEnvelope);
        batch.markProcessed(message.offset);
      }
    },
  });
  const publishRaw = (topic: string, key: string, value: string) =>
    producer.send([{ topic: `${prefix}${topic}`, messages: [{ key, value }] }]);
  return {
    prefix,
    published,
    deadLetters,
    publish: (envelope) => {
      const definition = findEventDefinition(envelope.type, envelope.version);
      if (!definition) throw new Error(`no contract for ${envelope.type} v${envelope.version}`);
      return publishRaw(definition.topic, envelope.key, JSON.stringify(envelope));
    },
    publishRaw,
    stop: async () => {
      await reader.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
    },
  };
}
