/**
 * The project's own small port in front of the Kafka client. kafkajs is no longer actively
 * maintained; everything the services need from Kafka goes through these interfaces so a successor
 * (@platformatic/kafka, @confluentinc/kafka-javascript) replaces it in one adapter.
 * Offsets are bigint: they are 64-bit in Kafka.
 */
export type MessageHeaders = Record<string, string>;

/** A message to produce. The adapter hands it to the client as it is: give it no other fields. */
export interface OutgoingMessage {
  readonly key: string;
  readonly value: Buffer | string;
  readonly headers?: MessageHeaders;
  /** Normally absent: the partition follows from the key. Tests and redrives may name it. */
  readonly partition?: number;
}

export interface OutgoingTopicMessages {
  readonly topic: string;
  readonly messages: readonly OutgoingMessage[];
}

export interface IncomingMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: MessageHeaders;
  readonly timestampMs: number;
}

export interface IncomingBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly IncomingMessage[];
  /** Moves this consumer's read position past `offset` (the commit is separate: see `commit`). */
  markProcessed(offset: bigint): void;
  /** Keeps the group membership alive during long batches. */
  heartbeat(): Promise<void>;
  /** True once this partition was revoked by a rebalance: stop and do not commit. */
  isStale(): boolean;
  isRunning(): boolean;
}

export interface TopicPartitionRef {
  readonly topic: string;
  readonly partition: number;
}

export interface MessageProducer {
  connect(): Promise<void>;
  /** Idempotent, acks=all. Resolves once every message is acknowledged by the in-sync replicas. */
  send(batch: readonly OutgoingTopicMessages[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface ConsumerRunOptions {
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  readonly eachBatch: (batch: IncomingBatch) => Promise<void>;
}

export interface MessageConsumer {
  connect(): Promise<void>;
  run(options: ConsumerRunOptions): Promise<void>;
  /** Commits `nextOffset` (the offset of the next message to read) for a partition. */
  commit(partition: TopicPartitionRef, nextOffset: bigint): Promise<void>;
  pause(partition: TopicPartitionRef): void;
  seek(partition: TopicPartitionRef, offset: bigint): void;
  pausedPartitions(): TopicPartitionRef[];
  /**
   * Called when the client gives up on the group (e.g. the broker was unreachable for longer than
   * its retries). `restarting` says whether the client rejoins by itself; when false, the caller must.
   */
  onCrash(listener: (error: Error, restarting: boolean) => void): void;
  disconnect(): Promise<void>;
}

export interface TopicSpecification {
  readonly name: string;
  readonly partitions: number;
  readonly config: Record<string, string>;
}

export interface KafkaAdministration {
  /** Creates missing topics; existing ones are left as they are. Returns the names it created. */
  ensureTopics(topics: readonly TopicSpecification[]): Promise<string[]>;
  /** Low and high watermarks per partition of a topic. */
  topicOffsets(topic: string): Promise<Array<{ partition: number; low: bigint; high: bigint }>>;
  /** The offsets a consumer group committed per partition of the topics (`null`: nothing committed yet). */
  groupOffsets(
    groupId: string,
    topics: readonly string[],
  ): Promise<Array<{ topic: string; partition: number; offset: bigint | null }>>;
  /** Moves a stopped consumer group to the earliest offsets of the topics (for replays). */
  resetGroupToEarliest(groupId: string, topics: readonly string[]): Promise<void>;
  /** Cluster reachability for health reports. */
  describeCluster(): Promise<{ brokers: number; controller: number | null }>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface ConsumerSettings {
  readonly groupId: string;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly maxBytesPerPartition?: number;
}

export interface ProducerSettings {
  /** Distinct per process: it names the producer in broker logs and metrics. */
  readonly clientSuffix?: string;
}

export interface KafkaPort {
  producer(settings?: ProducerSettings): MessageProducer;
  consumer(settings: ConsumerSettings): MessageConsumer;
  admin(): Promise<KafkaAdministration>;
}
