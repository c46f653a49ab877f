import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  Optional,
  type Type,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { BatchObservableResult } from '@opentelemetry/api';
import {
  HEALTH_CONTRIBUTORS,
  type HealthCheckResult,
  type HealthContributor,
  type Logger,
  PLATFORM_LOGGER,
  SERVICE_CONFIG,
  SERVICE_NAME,
  SQL_POOL,
} from '@settle/platform';
import { MetricAttribute, settleInstruments } from '@settle/telemetry';
import type { EventEnvelope, TopicName } from '@settle/contracts';
import { deadLetterTopicOf } from '../inbox/dead-letter';
import { type ConsumedEvent, type Deduplication, InboxConsumer } from '../inbox/inbox-consumer';
import { createKafkajsPort } from '../kafka/kafkajs-adapter';
import { type KafkaTlsFiles, kafkaTlsOptions } from '../kafka/kafka-tls';
import type { KafkaAdministration, KafkaPort, MessageProducer } from '../kafka/kafka-port';
import { OutboxRelay } from '../outbox/outbox-relay';
import { appendToOutbox, type OutboxValidation } from '../outbox/outbox-writer';
import { topicSpecifications } from '../provision/topic-specifications';
import { afterCommit, type SqlExecutor, type SqlPool } from '../sql';

/**
 * A consumer of the service: a Nest provider implementing this, listed in `MessagingModule.forService`.
 *
 * @example
 * class AccountStatusConsumer implements EventConsumer {
 *   readonly name = 'account-status';
 *   readonly topics = ['ledger.account-status.v1'] as const;
 *   readonly handle = async (sql: SqlExecutor, events: EventsOf<AccountStatusConsumer['topics']>) => {
 *     for (const { envelope } of events)
 *       switch (envelope.type) {
 *         case 'account.overdrawn': ... envelope.payload.overdrawnAt ...
 *         case 'account.back-in-funds': ...
 *         default: throw unexpectedEvent(envelope, 'not handled here'); // compiles only when exhaustive
 *       }
 *   };
 * }
 */
export interface EventConsumer {
  /** Unique within the service: the Kafka consumer group is `<service>.<name>`. */
  readonly name: string;
  /** Topic names as in the contracts' catalogue (without the deployment's prefix), as literals. */
  readonly topics: readonly TopicName[];
  /**
   * See `EventBatchHandler`. Method syntax on purpose: it lets a handler typed `EventsOf<X['topics']>`
   * (only its topics' events) implement it; the inbox hands it nothing else.
   */
  handle(sql: SqlExecutor, events: readonly ConsumedEvent[]): Promise<void>;
  /** `'inbox'` unless the handler recognises repeats itself (`Deduplication`). */
  readonly deduplication?: Deduplication;
  readonly batchSizeMax?: number;
  /** Attempts for an event naming an entity not seen yet (default `entityRetryAttemptsMax`). */
  readonly entityRetryAttemptsMax?: number;
}

export interface MessagingSettings extends KafkaTlsFiles {
  readonly KAFKA_BROKERS: string;
  readonly SETTLE_KAFKA_TOPIC_PREFIX: string;
  readonly SETTLE_KAFKA_CREATE_TOPICS: boolean;
  readonly SETTLE_OUTBOX_RELAY_ENABLED: boolean;
}

/**
 * Told of the events a transaction appended once it has committed (never if it rolled back): a
 * service's metrics count its committed decisions this way (the verifier's verdicts, the ledger's
 * settlements), without touching the use case. Listed in `MessagingModule.forService({ outboxListeners })`.
 * It must be quick and must not throw; appends in transactions not opened by `inTransaction` are not seen.
 */
export interface OutboxListener {
  committed(envelopes: readonly EventEnvelope[]): void;
}

const MESSAGING_CONSUMER_TYPES = 'settle.messaging.CONSUMER_TYPES';
const OUTBOX_LISTENERS = 'settle.messaging.OUTBOX_LISTENERS';
const kafkaStartRetryMs = 2_000;
const kafkaHealthTimeoutMs = 1_500;
/** The outbox backlog is counted up to this many rows (health and `settle.outbox.backlog`): a count of millions would be slow. */
export const outboxBacklogCountMax = 100_000;
/** Bound on reading the consumer groups' offsets for `settle.consumer.lag` at a scrape. */
export const consumerLagReadTimeoutMs = 2_000;

/** Runs the outbox relay and the consumers of one service for the life of the process. */
@Injectable()
export class MessagingRuntime
  implements OnApplicationBootstrap, BeforeApplicationShutdown, HealthContributor
{
  readonly name = 'kafka';
  readonly affectsReadiness = false;
  private readonly kafka: KafkaPort;
  private readonly producer: MessageProducer;
  private relay: OutboxRelay | null = null;
  private readonly consumers: InboxConsumer[] = [];
  /** The consumer groups started, for `settle.consumer.lag`. */
  private readonly groups: Array<{ readonly groupId: string; readonly topics: readonly string[] }> =
    [];
  private readonly instruments = settleInstruments();
  private readonly serviceLabels: Record<string, string>;
  private lagAdmin: Promise<KafkaAdministration> | null = null;
  private stopping = false;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MessagingSettings,
    @Inject(SERVICE_NAME) private readonly serviceName: string,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
    @Inject(MESSAGING_CONSUMER_TYPES) private readonly consumerTypes: Type<EventConsumer>[],
    private readonly moduleRef: ModuleRef,
    @Inject(SQL_POOL) private readonly pool: SqlPool,
  ) {
    this.kafka = createKafkajsPort({
      clientId: serviceName,
      brokers: config.KAFKA_BROKERS.split(','),
      logger: this.logger,
      ssl: kafkaTlsOptions(config),
    });
    this.producer = this.kafka.producer();
    this.serviceLabels = { [MetricAttribute.service]: serviceName };
    this.instruments.meter.addBatchObservableCallback(this.observeGauges, [
      this.instruments.outboxBacklog,
      this.instruments.consumerLag,
    ]);
  }

  /** An append in this process committed: wake the relay if it waits for rows. */
  outboxCommitted(): void {
    this.relay?.notify();
  }

  onApplicationBootstrap(): void {
    // Kafka may be down at start-up: the service stays in service (the outbox buffers) and keeps trying.
    void this.startWhenKafkaAnswers();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.instruments.meter.removeBatchObservableCallback(this.observeGauges, [
      this.instruments.outboxBacklog,
      this.instruments.consumerLag,
    ]);
    await Promise.allSettled([
      ...this.consumers.map((consumer) => consumer.stop()),
      this.relay?.stop(),
    ]);
    await this.producer.disconnect().catch(() => undefined);
    await this.dropLagAdmin();
  }

  /**
   * At each collection (a Prometheus scrape): the outbox backlog, and per partition of each consumer
   * group the messages not yet committed (high watermark − committed offset). Either is left out of
   * the scrape when the database or Kafka does not answer in time.
   */
  private readonly observeGauges = async (result: BatchObservableResult): Promise<void> => {
    const [backlog, lags] = await Promise.all([
      withTimeout(this.outboxBacklog(), consumerLagReadTimeoutMs).catch(() => null),
      withTimeout(this.consumerLags(), consumerLagReadTimeoutMs).catch(() => {
        void this.dropLagAdmin();
        return [];
      }),
    ]);
    if (backlog !== null)
      result.observe(this.instruments.outboxBacklog, backlog, this.serviceLabels);
    for (const { groupId, topic, partition, lag } of lags) {
      result.observe(this.instruments.consumerLag, lag, {
        [MetricAttribute.group]: groupId,
        [MetricAttribute.topic]: topic,
        [MetricAttribute.partition]: String(partition),
      });
    }
  };

  private async consumerLags(): Promise<
    Array<{ groupId: string; topic: string; partition: number; lag: number }>
  > {
    if (this.groups.length === 0 || this.stopping) return [];
    this.lagAdmin ??= this.kafka.admin();
    const admin = await this.lagAdmin;
    const topics = [...new Set(this.groups.flatMap((group) => group.topics))];
    const watermarks = new Map<string, { low: bigint; high: bigint }>();
    for (const [index, offsets] of (
      await Promise.all(topics.map((topic) => admin.topicOffsets(topic)))
    ).entries()) {
      for (const { partition, low, high } of offsets)
        watermarks.set(`${topics[index]}/${partition}`, { low, high });
    }
    const lags: Array<{ groupId: string; topic: string; partition: number; lag: number }> = [];
    for (const { groupId, topics: groupTopics } of this.groups) {
      for (const { topic, partition, offset } of await admin.groupOffsets(groupId, groupTopics)) {
        const marks = watermarks.get(`${topic}/${partition}`);
        if (marks === undefined) continue;
        // Nothing committed yet: a new group reads from the beginning (the low watermark).
        const lag = marks.high - (offset ?? marks.low);
        lags.push({ groupId, topic, partition, lag: Number(lag > 0n ? lag : 0n) });
      }
    }
    return lags;
  }

  private async dropLagAdmin(): Promise<void> {
    const admin = this.lagAdmin;
    this.lagAdmin = null;
    await admin?.then((connected) => connected.disconnect()).catch(() => undefined);
  }

  async check(): Promise<HealthCheckResult> {
    const relay = this.relay?.status() ?? null;
    const consumers = Object.fromEntries(
      this.consumers.map((consumer, index) => [
        this.consumerTypes[index]?.name ?? index,
        consumer.status(),
      ]),
    );
    const backlog = await this.outboxBacklog().catch(() => null);
    let reachable = false;
    try {
      const admin = await withTimeout(this.kafka.admin(), kafkaHealthTimeoutMs);
      await withTimeout(admin.describeCluster(), kafkaHealthTimeoutMs).finally(() =>
        admin.disconnect().catch(() => undefined),
      );
      reachable = true;
    } catch {
      reachable = false;
    }
    const paused = Object.values(consumers).some((status) => status.pausedPartitions.length > 0);
    const status = !reachable
      ? 'down'
      : paused || (relay?.consecutiveSendFailures ?? 0) > 0
        ? 'degraded'
        : 'up';
    return { status, details: { reachable, outboxBacklog: backlog, relay, consumers } };
  }

  private async startWhenKafkaAnswers(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.producer.connect();
        if (this.config.SETTLE_KAFKA_CREATE_TOPICS) {
          const admin = await this.kafka.admin();
          const created = await admin
            .ensureTopics(topicSpecifications(this.config.SETTLE_KAFKA_TOPIC_PREFIX))
            .finally(() => admin.disconnect());
          if (created.length > 0) this.logger.info({ created }, 'created Kafka topics');
        }
        break;
      } catch (error) {
        this.logger.warn(
          { err: error, retryMs: kafkaStartRetryMs },
          'Kafka not reachable yet; the outbox buffers meanwhile',
        );
        await new Promise((resolve) => setTimeout(resolve, kafkaStartRetryMs));
      }
    }
    if (this.stopping) return;
    if (this.config.SETTLE_OUTBOX_RELAY_ENABLED) {
      this.relay = new OutboxRelay({
        connect: () => this.pool.connect(),
        producer: this.producer,
        logger: this.logger,
      });
      this.relay.start();
    }
    for (const type of this.consumerTypes) {
      const definition = this.moduleRef.get(type, { strict: false });
      const groupId = `${this.serviceName}.${definition.name}`;
      const topics = definition.topics.map(
        (topic) => `${this.config.SETTLE_KAFKA_TOPIC_PREFIX}${topic}`,
      );
      const consumer = new InboxConsumer({
        groupId,
        serviceName: this.serviceName,
        topics,
        topicPrefix: this.config.SETTLE_KAFKA_TOPIC_PREFIX,
        kafka: this.kafka,
        pool: this.pool,
        producer: this.producer,
        deadLetterTopic: `${this.config.SETTLE_KAFKA_TOPIC_PREFIX}${deadLetterTopicOf(this.serviceName)}`,
        handle: (sql, events) => definition.handle(sql, events),
        deduplication: definition.deduplication,
        batchSizeMax: definition.batchSizeMax,
        entityRetryAttemptsMax: definition.entityRetryAttemptsMax,
        logger: this.logger,
      });
      this.consumers.push(consumer);
      this.groups.push({ groupId, topics });
      consumer
        .start()
        .catch((error: unknown) =>
          this.logger.error(
            { err: error, consumer: definition.name },
            'consumer stopped with an error',
          ),
        );
    }
  }

  private async outboxBacklog(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM messaging_outbox LIMIT ${outboxBacklogCountMax}) AS pending`,
    );
    return rows[0]?.n ?? 0;
  }
}

/**
 * What a use case needs to publish: append events to the outbox inside its own transaction. The
 * deployment's topic prefix is applied here, so use cases never see it.
 */
@Injectable()
export class Outbox {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MessagingSettings,
    private readonly runtime: MessagingRuntime,
    @Optional()
    @Inject(OUTBOX_LISTENERS)
    private readonly listeners: readonly OutboxListener[] = [],
  ) {}

  async append(
    sql: SqlExecutor,
    envelopes: readonly EventEnvelope[],
    options: { readonly validation?: OutboxValidation } = {},
  ): Promise<void> {
    await appendToOutbox(sql, envelopes, {
      topicPrefix: this.config.SETTLE_KAFKA_TOPIC_PREFIX,
      validation: options.validation,
    });
    if (envelopes.length === 0) return;
    // The relay of this process publishes at once rather than at its next poll of an idle outbox.
    afterCommit(sql, () => {
      this.runtime.outboxCommitted();
      for (const listener of this.listeners) listener.committed(envelopes);
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref(),
    ),
  ]);
}

/**
 * The backbone in a service: `MessagingModule.forService({ consumers: [SettlePaymentConsumer] })`.
 * Provides `Outbox`, runs the relay and the consumers, reports Kafka in /health/ready (reported,
 * never a reason to leave service), and observes `settle.outbox.backlog` and `settle.consumer.lag`.
 */
@Module({})
export class MessagingModule {
  static forService(
    options: { consumers?: Type<EventConsumer>[]; outboxListeners?: Type<OutboxListener>[] } = {},
  ): DynamicModule {
    const consumers = options.consumers ?? [];
    const outboxListeners = options.outboxListeners ?? [];
    return {
      module: MessagingModule,
      providers: [
        Outbox,
        MessagingRuntime,
        ...consumers,
        ...outboxListeners,
        { provide: MESSAGING_CONSUMER_TYPES, useValue: consumers },
        {
          provide: OUTBOX_LISTENERS,
          useFactory: (...listeners: OutboxListener[]) => listeners,
          inject: outboxListeners,
        },
        { provide: HEALTH_CONTRIBUTORS, useExisting: MessagingRuntime },
      ],
      exports: [Outbox],
    };
  }
}
