import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import {
  type Consumer,
  type IHeaders,
  Kafka,
  type KafkaConfig,
  logLevel,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import { topicCatalogue } from '@settle/contracts';
import { MessagingError } from '../errors';
import { keyPartitioner } from './key-partitioner';
import { type MessagingLogger, silentLogger } from '../logger';
import type {
  ConsumerRunOptions,
  ConsumerSettings,
  KafkaAdministration,
  KafkaPort,
  MessageConsumer,
  MessageHeaders,
  MessageProducer,
  OutgoingMessage,
  OutgoingTopicMessages,
  ProducerSettings,
  TopicPartitionRef,
  TopicSpecification,
} from './kafka-port';

export interface KafkajsSettings {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly logger?: MessagingLogger;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** TLS and SASL for production clusters (Strimzi); plain loopback otherwise. */
  readonly ssl?: KafkaConfig['ssl'];
  readonly sasl?: KafkaConfig['sasl'];
}

/**
 * How long the group coordinator keeps a silent member's partitions. A SIGKILLed replica (or a node
 * lost) sends no LeaveGroup, so its partitions stand still this long: 15 s rather than kafkajs' 30 s
 * (the fault test measured settlement standing still for the whole 30 s after a kill), and well above
 * a chunk's processing time on a loaded machine, so a slow chunk does not cost a rebalance. The consumer
 * heartbeats between the chunks of a batch, so a long batch does not lose its partitions; the
 * broker's group.min.session.timeout.ms (6 s) is the floor.
 */
const defaultSessionTimeoutMs = 15_000;
const defaultHeartbeatIntervalMs = 1_500;
/**
 * Bytes one fetch takes from a partition (kafkajs's default; 4 MB until 2026-12-07). A fetch round
 * ends with its largest batch, so with 4 MB (≈ 6 000 payment events, uneven under the fetch's 10 MB
 * cap) the last partitions of each round ran alone: 1 MB (≈ 1 500 events, one settlement batch and a
 * half) settled 3–14 % more per second in three pairs of the ledger bench; the backbone bench did not
 * move (bench/results/ledger-profile.md).
 */
const defaultMaxBytesPerPartition = 1024 * 1024;
const groupEmptyWaitMsMax = 30_000;

/** The kafkajs implementation of the project's Kafka port. */
export function createKafkajsPort(settings: KafkajsSettings): KafkaPort {
  const logger = settings.logger ?? silentLogger;
  const kafka = new Kafka({
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    connectionTimeout: settings.connectionTimeoutMs ?? 3_000,
    requestTimeout: settings.requestTimeoutMs ?? 30_000,
    ssl: settings.ssl,
    sasl: settings.sasl,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => forwardLog(logger, entry),
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5_000 },
  });

  return {
    producer: (producerSettings?: ProducerSettings) => new KafkajsProducer(kafka, producerSettings),
    consumer: (consumerSettings: ConsumerSettings) => new KafkajsConsumer(kafka, consumerSettings),
    admin: async () => {
      const admin = kafka.admin();
      await admin.connect();
      return new KafkajsAdministration(admin);
    },
  };
}

function forwardLog(logger: MessagingLogger, entry: LogEntry): void {
  const { message, ...fields } = entry.log;
  const record = { component: 'kafkajs', namespace: entry.namespace, ...fields };
  if (entry.level === logLevel.ERROR) logger.error(record, String(message));
  else if (entry.level === logLevel.WARN) logger.warn(record, String(message));
  else logger.debug(record, String(message));
}

/**
 * Batches one consumer applies at once: every partition of the widest topic in the catalogue (the
 * payments topics' 6). kafkajs fetches again only when every batch of a fetch is done, so with 4 the
 * last batches of each fetch ran alone while the cores idled: 6 settled 2–7 % more per second in three
 * pairs of the ledger bench (bench/results/ledger-profile.md). Each batch in flight holds one database
 * connection (`SETTLE_DATABASE_POOL_MAX`, default 10).
 */
const partitionsConsumedConcurrently = Math.max(...topicCatalogue.map((topic) => topic.partitions));

class KafkajsProducer implements MessageProducer {
  private producer: Producer;
  private connected = false;
  /** Set by a failed send: the next send starts over with a new producer (see `send`). */
  private needsNewProducer = false;

  constructor(
    private readonly kafka: Kafka,
    _settings?: ProducerSettings,
  ) {
    this.producer = this.createProducer();
  }

  private createProducer(): Producer {
    // Idempotent: the broker drops duplicates of a retried send, and one request in flight keeps
    // the order of a key's messages even when a send is retried.
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // kafkajs's default partitioner's placement (murmur2, as Kafka's Java client), computed cheaper.
      createPartitioner: keyPartitioner,
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  /**
   * After a failed send, kafkajs keeps the sequence numbers it assigned to the batch the broker never
   * stored, and every later send is refused with OUT_OF_ORDER_SEQUENCE_NUMBER (seen after a broker
   * restart). So a failed send retires the producer; the next send uses a new producer id, whose
   * sequences start at zero. Re-sent messages are duplicates the consumers' inboxes drop.
   */
  async send(batch: readonly OutgoingTopicMessages[]): Promise<void> {
    if (this.needsNewProducer) {
      await this.producer.disconnect().catch(() => undefined);
      this.producer = this.createProducer();
      this.connected = false;
      this.needsNewProducer = false;
    }
    try {
      if (!this.connected) await this.connect();
      // The messages carry their own trace context (each from the outbox row, under the relay's send
      // span). The kafkajs instrumentation would replace it with a span of whatever is active here,
      // parenting a batch of many traces' messages to one: its producer spans are suppressed.
      await context.with(suppressTracing(context.active()), () =>
        this.producer.sendBatch({
          acks: -1,
          // The port's messages are kafkajs messages already (key, value, headers, partition):
          // passed as they are, not copied one object per message.
          topicMessages: batch.map(({ topic, messages }) => ({
            topic,
            messages: messages as OutgoingMessage[],
          })),
        }),
      );
    } catch (error) {
      this.needsNewProducer = true;
      throw new MessagingError(
        'KAFKA_SEND_FAILED',
        `Kafka send failed: ${(error as Error).message}`,
        true,
        { cause: error },
      );
    }
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    await this.producer.disconnect();
  }
}

class KafkajsConsumer implements MessageConsumer {
  private readonly consumer: Consumer;

  constructor(kafka: Kafka, settings: ConsumerSettings) {
    this.consumer = kafka.consumer({
      groupId: settings.groupId,
      sessionTimeout: settings.sessionTimeoutMs ?? defaultSessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs ?? defaultHeartbeatIntervalMs,
      maxBytesPerPartition: settings.maxBytesPerPartition ?? defaultMaxBytesPerPartition,
      allowAutoTopicCreation: false,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5_000 },
    });
  }

  connect(): Promise<void> {
    return this.consumer.connect();
  }

  async run(options: ConsumerRunOptions): Promise<void> {
    await this.consumer.subscribe({
      topics: [...options.topics],
      fromBeginning: options.fromBeginning,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Partitions are independent: one slow or paused partition must not hold the others.
      partitionsConsumedConcurrently,
      eachBatch: async ({ batch, heartbeat, isStale, isRunning, resolveOffset }) =>
        options.eachBatch({
          topic: batch.topic,
          partition: batch.partition,
          messages: batch.messages.map((message) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: BigInt(message.offset),
            key: message.key,
            value: message.value,
            headers: stringHeaders(message.headers),
            timestampMs: Number(message.timestamp),
          })),
          markProcessed: (offset: bigint) => resolveOffset(offset.toString()),
          heartbeat,
          isStale,
          isRunning,
        }),
    });
  }

  commit({ topic, partition }: TopicPartitionRef, nextOffset: bigint): Promise<void> {
    return this.consumer.commitOffsets([{ topic, partition, offset: nextOffset.toString() }]);
  }

  pause({ topic, partition }: TopicPartitionRef): void {
    this.consumer.pause([{ topic, partitions: [partition] }]);
  }

  seek({ topic, partition }: TopicPartitionRef, offset: bigint): void {
    this.consumer.seek({ topic, partition, offset: offset.toString() });
  }

  onCrash(listener: (error: Error, restarting: boolean) => void): void {
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) =>
      listener(payload.error, payload.restart),
    );
  }

  pausedPartitions(): TopicPartitionRef[] {
    return this.consumer
      .paused()
      .flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition })));
  }

  disconnect(): Promise<void> {
    return this.consumer.disconnect();
  }
}

/** The first value of each header as text (a `for…in`, not `Object.entries`: it runs per message). */
function stringHeaders(headers: IHeaders | undefined): MessageHeaders {
  const result: MessageHeaders = {};
  if (headers === undefined) return result;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) result[name] = first.toString();
  }
  return result;
}

class KafkajsAdministration implements KafkaAdministration {
  constructor(private readonly admin: ReturnType<Kafka['admin']>) {}

  async ensureTopics(topics: readonly TopicSpecification[]): Promise<string[]> {
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length === 0) return [];
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic: topic.name,
        numPartitions: topic.partitions,
        replicationFactor: -1,
        configEntries: Object.entries(topic.config).map(([name, value]) => ({ name, value })),
      })),
    });
    return missing.map((topic) => topic.name);
  }

  async topicOffsets(topic: string) {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets.map((entry) => ({
      partition: entry.partition,
      low: BigInt(entry.low),
      high: BigInt(entry.high),
    }));
  }

  async groupOffsets(groupId: string, topics: readonly string[]) {
    const offsets = await this.admin.fetchOffsets({ groupId, topics: [...topics] });
    return offsets.flatMap(({ topic, partitions }) =>
      partitions.map(({ partition, offset }) => ({
        topic,
        partition,
        offset: BigInt(offset) >= 0n ? BigInt(offset) : null,
      })),
    );
  }

  async resetGroupToEarliest(groupId: string, topics: readonly string[]): Promise<void> {
    // Kafka refuses to move the offsets of a group with members; a group whose last member just left
    // passes through a rebalance first.
    const deadline = Date.now() + groupEmptyWaitMsMax;
    for (;;) {
      const [group] = (await this.admin.describeGroups([groupId])).groups;
      if (!group || group.state === 'Empty' || group.state === 'Dead') break;
      if (Date.now() > deadline)
        throw new MessagingError(
          'KAFKA_UNAVAILABLE',
          `group ${groupId} still ${group.state}: stop its consumers first`,
          false,
        );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const topic of topics) await this.admin.resetOffsets({ groupId, topic, earliest: true });
  }

  async describeCluster() {
    const cluster = await this.admin.describeCluster();
    return { brokers: cluster.brokers.length, controller: cluster.controller };
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    await this.admin.deleteTopics({ topics: [...topics] });
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }
}
