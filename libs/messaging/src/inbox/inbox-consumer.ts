import {
  type Attributes,
  type Context,
  context,
  type Link,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
} from '@opentelemetry/api';
import type { EventEnvelope, EventOn, KnownEventEnvelope, TopicName } from '@settle/contracts';
import {
  InboxOutcome,
  MessagingOperationType,
  MessagingSystem,
  MetricAttribute,
  MetricLabels,
  settleInstruments,
  SpanAttribute,
} from '@settle/telemetry';
import type {
  IncomingBatch,
  IncomingMessage,
  KafkaPort,
  MessageConsumer,
  MessageProducer,
  TopicPartitionRef,
} from '../kafka/kafka-port';
import { type MessagingLogger, silentLogger } from '../logger';
import { textColumn, textColumnsSql } from '../outbox/text-column';
import { inTransaction, type SqlExecutor, type SqlPool } from '../sql';
import { contextFromHeaders, withConsumedEventContexts } from '../trace-context';
import { classifyHandlerError } from './classify-error';
import { type DeadLetterReason, deadLetterMessage, deadLetterReasons } from './dead-letter';
import { type DecodedMessage, decodeMessage } from './decode-message';

export const inboxBatchSizeMax = 1_000;
export const entityRetryAttemptsMax = 8;
export const retryBackoffMsMin = 100;
export const retryBackoffMsMax = 5_000;
export const consumerRestartDelayMs = 1_000;

/**
 * An event handed to a handler: the decoded envelope (upcast to its latest version, so
 * `switch (envelope.type)` narrows its payload) and where it came from.
 */
export interface ConsumedEvent<TEnvelope extends KnownEventEnvelope = KnownEventEnvelope> {
  readonly envelope: TEnvelope;
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

/**
 * Applies events inside the transaction that also records them in the inbox. It receives only events
 * this consumer group has not applied before, in partition order. Throw `EntityNotYetSeenError` to be
 * retried with backoff, `PermanentEventError` to dead-letter the event; any other error dead-letters
 * it too (after the batch was retried message by message to find which event failed).
 */
export type EventBatchHandler = (
  sql: SqlExecutor,
  events: readonly ConsumedEvent[],
) => Promise<void>;

/**
 * The batch a consumer of `TTopics` receives: only events the catalogue puts on those topics (the
 * inbox dead-letters an event on a topic its definition does not name), so a consumer declaring
 * `readonly topics = ['ledger.account-status.v1'] as const` types its handler
 * `(sql, events: EventsOf<AccountStatusConsumer['topics']>)`, and `switch (envelope.type)` narrows
 * each payload without a cast (see `EventConsumer`).
 */
export type EventsOf<TTopics extends readonly TopicName[]> = readonly ConsumedEvent<
  EventOn<TTopics[number]>
>[];

/**
 * How a consumer group applies each event once.
 * - `'inbox'`: the event id is written to `messaging_inbox` in the effect's transaction; an event
 *   seen before never reaches the handler.
 * - `'handler'`: no inbox row; every event delivered reaches the handler, which must recognise one it
 *   applied before by a business key it reads and writes in the same transaction, under a unique
 *   constraint (the ledger's settlement: a transaction id is decided once, `ledger_settlements`'
 *   key). For such a handler the inbox row was a second record of the same fact, and a write per
 *   event on its hottest path (bench/results/ledger-profile.md). Repeats in one batch reach it too.
 */
export type Deduplication = 'inbox' | 'handler';

export interface InboxConsumerOptions {
  readonly groupId: string;
  /** The service consuming (the `service` label of `settle.dead_letters`); defaults to the group id up to its first dot. */
  readonly serviceName?: string;
  readonly topics: readonly string[];
  readonly kafka: KafkaPort;
  readonly pool: SqlPool;
  /** Sends dead letters; may be shared with the outbox relay. */
  readonly producer: MessageProducer;
  readonly deadLetterTopic: string;
  /** The prefix every topic name carries in this deployment ('' by default). */
  readonly topicPrefix?: string;
  readonly handle: EventBatchHandler;
  /** Who recognises an event applied before: the inbox (the default) or the handler (see `Deduplication`). */
  readonly deduplication?: Deduplication;
  readonly batchSizeMax?: number;
  /** How often an event naming an unseen entity is tried before it is dead-lettered (backoff doubles up to 5 s). */
  readonly entityRetryAttemptsMax?: number;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly logger?: MessagingLogger;
  /** Test hook: called after each committed chunk. */
  readonly onChunkCommitted?: (partition: TopicPartitionRef, nextOffset: bigint) => void;
}

export interface PausedPartition extends TopicPartitionRef {
  readonly offset: string;
  readonly reason: string;
}

export interface InboxConsumerStatus {
  readonly running: boolean;
  readonly applied: number;
  readonly duplicatesSkipped: number;
  readonly deadLettered: number;
  readonly pausedPartitions: readonly PausedPartition[];
}

/** Stops a batch that lost its partition or whose consumer is stopping; its offset is not committed. */
class BatchAbandoned extends Error {}

/** A message that decoded into an event. */
type EventItem = Extract<DecodedMessage, { kind: 'event' }>;

/** The `process` span of each event of the chunk in flight. */
type EventSpans = ReadonlyMap<EventItem, Span>;

/**
 * A Kafka consumer with exactly-once effects: the handler's effect and the inbox record commit in one
 * PostgreSQL transaction, and the Kafka offset is committed only after it. Poison goes to the
 * dead-letter topic and the partition moves on; an event of a newer version pauses its partition.
 */
export class InboxConsumer {
  private readonly logger: MessagingLogger;
  private readonly batchSizeMax: number;
  private readonly retryAttemptsMax: number;
  private readonly tracer = trace.getTracer('@settle/messaging');
  private readonly deadLetterCounter = settleInstruments().deadLetters;
  private readonly deadLetterLabels: MetricLabels;
  private readonly serviceName: string;
  private consumer: MessageConsumer | null = null;
  private stopping = false;
  private applied = 0;
  private duplicatesSkipped = 0;
  private deadLettered = 0;
  private readonly paused = new Map<string, PausedPartition>();

  constructor(private readonly options: InboxConsumerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.batchSizeMax = options.batchSizeMax ?? inboxBatchSizeMax;
    this.retryAttemptsMax = options.entityRetryAttemptsMax ?? entityRetryAttemptsMax;
    this.serviceName = options.serviceName ?? options.groupId.split('.')[0]!;
    this.deadLetterLabels = new MetricLabels(MetricAttribute.service, MetricAttribute.reason);
    // Every reason at zero, so a dashboard's rate() and an alert on "> 0" see the series from the start.
    for (const reason of deadLetterReasons)
      this.deadLetterCounter.add(0, this.deadLetterLabels.of(this.serviceName, reason));
  }

  async start(): Promise<void> {
    this.stopping = false;
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
    });
    consumer.onCrash((error, restarting) => {
      if (restarting || this.stopping || this.consumer !== consumer) return;
      // The client gave up (Kafka unreachable for longer than its retries): rejoin with a new one.
      this.logger.error(
        { err: error, groupId: this.options.groupId, retryMs: consumerRestartDelayMs },
        'consumer crashed; restarting it',
      );
      this.consumer = null;
      setTimeout(() => void this.restart(), consumerRestartDelayMs).unref();
    });
    await consumer.connect();
    this.consumer = consumer;
    // A new group reads from the beginning: topics are the record, and replays start from zero.
    await consumer.run({
      topics: this.options.topics,
      fromBeginning: true,
      eachBatch: (batch) => this.consumeBatch(batch),
    });
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.start();
    } catch (error) {
      this.logger.error(
        { err: error, groupId: this.options.groupId, retryMs: consumerRestartDelayMs },
        'consumer restart failed; trying again',
      );
      this.consumer = null;
      setTimeout(() => void this.restart(), consumerRestartDelayMs).unref();
    }
  }

  /** Finishes the chunk in flight, commits it, then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect();
    this.consumer = null;
  }

  status(): InboxConsumerStatus {
    return {
      running: this.consumer !== null && !this.stopping,
      applied: this.applied,
      duplicatesSkipped: this.duplicatesSkipped,
      deadLettered: this.deadLettered,
      pausedPartitions: [...this.paused.values()],
    };
  }

  private async consumeBatch(batch: IncomingBatch): Promise<void> {
    try {
      for (let start = 0; start < batch.messages.length; start += this.batchSizeMax) {
        this.assertStillOwned(batch);
        const chunk = batch.messages
          .slice(start, start + this.batchSizeMax)
          .map((message) => decodeMessage(message, this.options.topicPrefix));
        const newerAt = chunk.findIndex((item) => item.kind === 'newer-version');
        const processable = newerAt === -1 ? chunk : chunk.slice(0, newerAt);
        if (processable.length > 0) await this.processChunk(batch, processable);
        if (newerAt !== -1) {
          this.pauseForNewerVersion(
            chunk[newerAt] as Extract<DecodedMessage, { kind: 'newer-version' }>,
          );
          return;
        }
        await batch.heartbeat();
      }
    } catch (error) {
      if (error instanceof BatchAbandoned) return;
      throw error;
    }
  }

  private async processChunk(
    batch: IncomingBatch,
    chunk: readonly DecodedMessage[],
  ): Promise<void> {
    const events = chunk.filter((item): item is EventItem => item.kind === 'event');
    const spans = this.startSpans(events);
    try {
      await this.applyBisecting(batch, events, spans);
    } finally {
      for (const span of spans.values()) span.end();
    }
    for (const item of chunk) {
      if (item.kind === 'poison') await this.deadLetter(item.message, item.reason, item.detail);
    }
    const last = chunk[chunk.length - 1] as DecodedMessage;
    const nextOffset = last.message.offset + 1n;
    this.assertStillOwned(batch);
    batch.markProcessed(last.message.offset);
    await this.requireConsumer().commit(batch, nextOffset);
    this.options.onChunkCommitted?.(batch, nextOffset);
  }

  /**
   * Applies a run of events in one transaction; if it fails, applies each half the same way, so one
   * failing event among a thousand costs about twenty transactions, not a thousand, and the events
   * around it still commit in order. A single failing event gets the retry policy.
   */
  private async applyBisecting(
    batch: IncomingBatch,
    events: readonly EventItem[],
    spans: EventSpans,
  ): Promise<void> {
    if (events.length === 0) return;
    if (events.length === 1) return this.applyOneWithRetries(batch, events[0]!, spans);
    try {
      await this.applyAll(events, spans);
    } catch (error) {
      this.logger.debug(
        { err: error, topic: batch.topic, partition: batch.partition, events: events.length },
        'batch failed; splitting it',
      );
      this.assertStillOwned(batch);
      const middle = Math.ceil(events.length / 2);
      await this.applyBisecting(batch, events.slice(0, middle), spans);
      await this.applyBisecting(batch, events.slice(middle), spans);
    }
  }

  /**
   * One transaction. The handler runs with each event's span context known by event id, so the
   * events it appends continue the trace of the event that caused them (see appendToOutbox); a lone
   * event's transaction runs inside its span, so its queries join the event's trace too.
   */
  private async applyAll(events: readonly EventItem[], spans: EventSpans): Promise<void> {
    if (events.length === 0) return;
    const contexts = new Map<string, Context>();
    for (const item of events) {
      const span = spans.get(item);
      if (span) contexts.set(item.envelope.eventId, trace.setSpan(context.active(), span));
    }
    const lone = events.length === 1 ? contexts.get(events[0]!.envelope.eventId) : undefined;
    let fresh: readonly EventItem[] = [];
    await withConsumedEventContexts(lone ?? context.active(), contexts, () =>
      inTransaction(this.options.pool, async (sql) => {
        fresh =
          this.options.deduplication === 'handler' ? events : await this.recordInInbox(sql, events);
        if (fresh.length > 0) await this.options.handle(sql, fresh.map(toConsumedEvent));
      }),
    );
    this.applied += fresh.length;
    this.duplicatesSkipped += events.length - fresh.length;
    // Every event new (the usual case): no set to look the outcomes up in.
    const applied = fresh === events ? null : new Set(fresh);
    for (const item of events)
      spans
        .get(item)
        ?.setAttribute(
          SpanAttribute.settleInboxOutcome,
          applied === null || applied.has(item) ? InboxOutcome.applied : InboxOutcome.duplicate,
        );
  }

  private async applyOneWithRetries(
    batch: IncomingBatch,
    item: EventItem,
    spans: EventSpans,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.assertStillOwned(batch);
      try {
        await this.applyAll([item], spans);
        return;
      } catch (error) {
        const verdict = classifyHandlerError(error);
        const backoffMs = Math.min(retryBackoffMsMin * 2 ** (attempt - 1), retryBackoffMsMax);
        const fields = {
          err: error,
          eventId: item.envelope.eventId,
          type: item.envelope.type,
          attempt,
          backoffMs,
        };
        if (verdict.kind === 'transient') {
          // The event is fine; the database or Kafka is not. Wait as long as it takes.
          this.logger.warn(fields, 'transient failure applying event; retrying');
        } else if (verdict.kind === 'entity-not-yet-seen' && attempt < this.retryAttemptsMax) {
          this.logger.info(fields, 'event names an entity not seen yet; retrying with backoff');
        } else {
          const reason: DeadLetterReason =
            verdict.kind === 'entity-not-yet-seen' ? 'RETRIES_EXHAUSTED' : verdict.reason;
          await this.deadLetter(item.message, reason, verdict.detail, spans.get(item));
          return;
        }
        await this.sleepWithHeartbeat(batch, backoffMs);
      }
    }
  }

  /**
   * Records the events in the inbox and returns those new to this consumer group, in order: not those
   * it applied before, nor a repeat of an event earlier in the chunk. The statement answers with one
   * row, the new events' ids only when some event was not new: a returned row per event, parsed and
   * put in a set, cost the consumer about 1 µs per event for nothing in the usual case (bench/backbone).
   */
  private async recordInInbox(
    sql: SqlExecutor,
    events: readonly EventItem[],
  ): Promise<readonly EventItem[]> {
    const first = events[0] as EventItem;
    const { rows } = await sql.query<{ inserted: number; inserted_ids: string | null }>(
      `WITH inserted AS (
         INSERT INTO messaging_inbox (consumer_group, event_id, topic, kafka_partition, kafka_offset)
         SELECT $1, event_id, $2, $3, kafka_offset FROM unnest(${textColumnsSql(['uuid', 'bigint'], 4)}) AS rows(event_id, kafka_offset)
         ON CONFLICT DO NOTHING RETURNING event_id)
       SELECT count(*)::int AS inserted,
              CASE WHEN count(*) < $6 THEN string_agg(event_id::text, ',') END AS inserted_ids
         FROM inserted`,
      [
        this.options.groupId,
        first.message.topic,
        first.message.partition,
        textColumn(events.map(({ envelope }) => envelope.eventId)),
        textColumn(events.map(({ message }) => message.offset)),
        events.length,
      ],
    );
    const { inserted, inserted_ids: insertedIds } = rows[0]!;
    // Every row inserted: no event was seen before, and none repeats another of the chunk.
    if (inserted === events.length) return events;
    const insertedSet = new Set(insertedIds === null ? [] : insertedIds.split(','));
    // A repeat within the chunk finds its id inserted by the first occurrence: only that one applies.
    return events.filter(({ envelope }) => insertedSet.delete(envelope.eventId));
  }

  private async deadLetter(
    message: IncomingMessage,
    reason: DeadLetterReason,
    detail: string,
    span?: Span,
  ): Promise<void> {
    this.logger.error(
      {
        reason,
        detail,
        topic: message.topic,
        partition: message.partition,
        offset: message.offset.toString(),
        groupId: this.options.groupId,
      },
      'message dead-lettered',
    );
    await this.options.producer.send([
      {
        topic: this.options.deadLetterTopic,
        messages: [
          deadLetterMessage(message, {
            reason,
            detail,
            consumerGroup: this.options.groupId,
            failedAt: new Date(),
          }),
        ],
      },
    ]);
    this.deadLettered++;
    this.deadLetterCounter.add(1, this.deadLetterLabels.of(this.serviceName, reason));
    span?.setAttributes({
      [SpanAttribute.settleInboxOutcome]: InboxOutcome.deadLettered,
      [SpanAttribute.settleDeadLetterReason]: reason,
    });
    span?.setStatus({ code: SpanStatusCode.ERROR, message: `dead-lettered: ${reason}` });
  }

  private pauseForNewerVersion(item: Extract<DecodedMessage, { kind: 'newer-version' }>): void {
    const { topic, partition, offset } = item.message;
    const consumer = this.requireConsumer();
    consumer.pause({ topic, partition });
    consumer.seek({ topic, partition }, offset);
    const paused: PausedPartition = {
      topic,
      partition,
      offset: offset.toString(),
      reason: item.detail,
    };
    this.paused.set(`${topic}/${partition}`, paused);
    // An alert, not a dead letter: the event is valid for a newer deployment of this service.
    this.logger.error(
      { alert: 'EVENT_VERSION_NEWER_THAN_CONSUMER', ...paused, groupId: this.options.groupId },
      'partition paused: event version newer than this consumer knows',
    );
  }

  /**
   * One `process <topic>` span per event, a child of the context its message carries (the relay's
   * send span), so each payment's trace continues here even when a chunk holds events of a thousand
   * traces. Each links to the span active around the chunk (the kafkajs instrumentation's `poll`
   * span of the batch), so the batch view and the per-payment view lead to each other.
   */
  private startSpans(events: readonly EventItem[]): Map<EventItem, Span> {
    const batchSpan = trace.getActiveSpan();
    const links: Link[] = batchSpan ? [{ context: batchSpan.spanContext() }] : [];
    return new Map(
      events.map((item) => [item, this.startSpan(item.message, item.envelope, links)]),
    );
  }

  /**
   * The attributes are set only on a span that records: without a tracer provider, or for an
   * unsampled trace, building thirteen of them per event was allocation for nothing.
   */
  private startSpan(message: IncomingMessage, envelope: EventEnvelope, links: Link[]): Span {
    const span = this.tracer.startSpan(
      `process ${message.topic}`,
      { kind: SpanKind.CONSUMER, links },
      contextFromHeaders(message.headers),
    );
    if (span.isRecording()) span.setAttributes(this.processSpanAttributes(message, envelope));
    return span;
  }

  private processSpanAttributes(message: IncomingMessage, envelope: EventEnvelope): Attributes {
    const attributes: Attributes = {
      [SpanAttribute.messagingSystem]: MessagingSystem.kafka,
      [SpanAttribute.messagingOperationType]: MessagingOperationType.process,
      [SpanAttribute.messagingOperationName]: 'process',
      [SpanAttribute.messagingDestinationName]: message.topic,
      [SpanAttribute.messagingDestinationPartitionId]: String(message.partition),
      [SpanAttribute.messagingKafkaOffset]: message.offset.toString(),
      [SpanAttribute.messagingConsumerGroupName]: this.options.groupId,
      [SpanAttribute.settleConsumerGroup]: this.options.groupId,
      [SpanAttribute.messagingMessageId]: envelope.eventId,
      [SpanAttribute.settleEventType]: envelope.type,
      [SpanAttribute.settleEventVersion]: envelope.version,
      [SpanAttribute.settleEventId]: envelope.eventId,
      [SpanAttribute.settleCorrelationId]: envelope.correlationId,
    };
    const transactionId = (envelope.payload as { transactionId?: unknown } | null)?.transactionId;
    if (typeof transactionId === 'string')
      attributes[SpanAttribute.settleTransactionId] = transactionId;
    return attributes;
  }

  private assertStillOwned(batch: IncomingBatch): void {
    if (batch.isStale() || !batch.isRunning()) throw new BatchAbandoned();
  }

  private async sleepWithHeartbeat(batch: IncomingBatch, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, deadline - Date.now())));
      await batch.heartbeat().catch(() => undefined);
      this.assertStillOwned(batch);
    }
  }

  private requireConsumer(): MessageConsumer {
    if (!this.consumer) throw new BatchAbandoned();
    return this.consumer;
  }
}

function toConsumedEvent({ envelope, message }: EventItem): ConsumedEvent {
  return { envelope, topic: message.topic, partition: message.partition, offset: message.offset };
}
