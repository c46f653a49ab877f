import {
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { MessagingOperationType, MessagingSystem, SpanAttribute } from '@settle/telemetry';
import type {
  MessageHeaders,
  MessageProducer,
  OutgoingMessage,
  OutgoingTopicMessages,
} from '../kafka/kafka-port';
import { type MessagingLogger, silentLogger } from '../logger';
import type { PooledConnection } from '../sql';
import { traceHeadersOf } from '../trace-context';
import { outboxBucketCount } from './outbox-writer';
import { textColumn, textColumnSql } from './text-column';

export const outboxRelayBatchSizeMax = 1_000;
/** The wait after a poll that found rows but not a full batch: how long a busy outbox's events wait at most. */
export const outboxRelayIdlePollMs = 20;
/**
 * The longest wait between polls of an idle outbox: each empty poll doubles the wait from
 * `outboxRelayIdlePollMs` up to this. An idle relay costs four queries a second rather than fifty (the
 * 20 ms poll was the largest writer to pg's socket in the token-issuer's profile); an append in this
 * process wakes it at once (`notify`), one in another replica waits at most this long — a quarter
 * second, so a payment after a quiet spell still settles well within a second.
 */
export const outboxRelayIdlePollMsMax = 250;
export const outboxRelayBucketClaimIntervalMs = 5_000;
export const outboxRelayBackoffMsMax = 5_000;
const outboxRelayBackoffMsMin = 100;
/** Advisory-lock class of the outbox buckets (the second key is the bucket number). */
const outboxLockClass = 0x0b0c;

/** The W3C header naming the parent span; a row without it was appended outside a trace. */
const traceparentHeader = 'traceparent';

/** The rows of one relay batch that share a topic and a stored trace context: one `send` span. */
interface SendGroup {
  readonly headers: MessageHeaders;
  readonly span: Span | null;
  messages: number;
}

export interface OutboxRelayOptions {
  /** A dedicated connection: it holds the bucket locks, so it also does the bucket's reads and deletes. */
  readonly connect: () => Promise<PooledConnection>;
  readonly producer: MessageProducer;
  readonly logger?: MessagingLogger;
  readonly batchSizeMax?: number;
}

export interface OutboxRelayStatus {
  readonly running: boolean;
  readonly ownedBuckets: number;
  readonly published: number;
  readonly consecutiveSendFailures: number;
  readonly lastSendError: string | null;
  readonly lastSendOkAt: Date | null;
}

interface OutboxRow extends Record<string, unknown> {
  id: string;
  topic: string;
  message_key: string;
  value: string;
  /** The trace headers as stored (jsonb as text): parsed once per distinct value in `send`. */
  headers: string;
}

/**
 * Publishes outbox rows to Kafka (idempotent producer, acks=all) and deletes them once acknowledged.
 *
 * Ordering with several replicas: the outbox is split into buckets by key; a relay publishes only
 * buckets whose PostgreSQL advisory lock it holds, on the same connection that holds the lock. Two
 * relays therefore never publish the same key, and one relay publishes a bucket in id order. A relay
 * that dies releases its locks with its connection, and a standby takes the buckets over within
 * `outboxRelayBucketClaimIntervalMs`. Kafka down: rows stay in the outbox and the relay backs off.
 * A crash between the send and the delete re-sends the rows; consumers' inboxes drop the repeat.
 */
export class OutboxRelay {
  private readonly logger: MessagingLogger;
  private readonly batchSizeMax: number;
  private readonly tracer = trace.getTracer('@settle/messaging');
  private connection: PooledConnection | null = null;
  private ownedBuckets: number[] = [];
  private lastClaimAt = 0;
  private loop: Promise<void> | null = null;
  private stopping = false;
  /** The wait in progress; `notify` ends only a wait of an empty outbox, `stop` ends any. */
  private waiting: { readonly end: () => void; readonly byAppends: boolean } | null = null;
  /** A `notify` while the relay was not waiting: its next empty-outbox wait ends at once (the rows may be after its read). */
  private wakeRequested = false;
  /** The next wait after an empty poll: doubles from `outboxRelayIdlePollMs` to `outboxRelayIdlePollMsMax`. */
  private emptyPollWaitMs = outboxRelayIdlePollMs;
  private published = 0;
  private consecutiveSendFailures = 0;
  private lastSendError: string | null = null;
  private lastSendOkAt: Date | null = null;

  constructor(private readonly options: OutboxRelayOptions) {
    this.logger = options.logger ?? silentLogger;
    this.batchSizeMax = options.batchSizeMax ?? outboxRelayBatchSizeMax;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Finishes the batch in flight, releases the bucket locks. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.waiting?.end();
    await this.loop;
    this.loop = null;
  }

  /** Wakes an idle relay at once, e.g. right after a transaction that wrote to the outbox. */
  notify(): void {
    if (this.waiting === null) this.wakeRequested = true;
    else if (this.waiting.byAppends) this.waiting.end();
  }

  status(): OutboxRelayStatus {
    return {
      running: this.loop !== null && !this.stopping,
      ownedBuckets: this.ownedBuckets.length,
      published: this.published,
      consecutiveSendFailures: this.consecutiveSendFailures,
      lastSendError: this.lastSendError,
      lastSendOkAt: this.lastSendOkAt,
    };
  }

  private async run(): Promise<void> {
    let backoffMs = outboxRelayBackoffMsMin;
    while (!this.stopping) {
      try {
        const connection = await this.ensureConnection();
        if (
          Date.now() - this.lastClaimAt >= outboxRelayBucketClaimIntervalMs ||
          this.ownedBuckets.length === 0
        ) {
          await this.claimBuckets(connection);
        }
        const relayed = this.ownedBuckets.length > 0 ? await this.relayOnce(connection) : 0;
        backoffMs = outboxRelayBackoffMsMin;
        if (relayed < this.batchSizeMax) await this.pauseBeforeNextPoll(relayed);
      } catch (error) {
        this.logger.warn({ err: error, backoffMs }, 'outbox relay iteration failed; backing off');
        // Not cut short by appends: while Kafka is down, each would cost a failing send.
        await this.idle(backoffMs, false);
        backoffMs = Math.min(backoffMs * 2, outboxRelayBackoffMsMax);
      }
    }
    this.dropConnection(false);
  }

  /** After a batch that was not full (after a full one the relay reads again at once). */
  private async pauseBeforeNextPoll(relayed: number): Promise<void> {
    if (this.ownedBuckets.length === 0) {
      // A standby: appends do not wake it, or each would cost it a claim query.
      await this.idle(outboxRelayBucketClaimIntervalMs, false);
    } else if (relayed > 0) {
      // Busy: a short pause lets the next batch fill; appends do not cut it short.
      this.emptyPollWaitMs = outboxRelayIdlePollMs;
      await this.idle(outboxRelayIdlePollMs, false);
    } else {
      // Empty: each empty poll waits twice as long as the last; an append of this process ends it.
      const woken = await this.idle(this.emptyPollWaitMs, true);
      this.emptyPollWaitMs = woken
        ? outboxRelayIdlePollMs
        : Math.min(this.emptyPollWaitMs * 2, outboxRelayIdlePollMsMax);
    }
  }

  private async ensureConnection(): Promise<PooledConnection> {
    if (this.connection) return this.connection;
    const connection = await this.options.connect();
    // A checked-out pg client has lost its pool's error listener: without one, the server ending the
    // session while the relay idles (pg_terminate_backend, a failover) is an unhandled 'error' event
    // that kills the whole service. Drop the connection instead; the next iteration reconnects.
    connection.on('error', () => {
      if (this.connection === connection) this.dropConnection(true);
    });
    this.connection = connection;
    this.ownedBuckets = [];
    return connection;
  }

  private dropConnection(broken: boolean): void {
    // Releasing the connection to the pool would keep the session and its locks alive: destroy it.
    this.connection?.release(true);
    if (broken) this.logger.warn({}, 'outbox relay lost its connection; bucket locks released');
    this.connection = null;
    this.ownedBuckets = [];
  }

  private async claimBuckets(connection: PooledConnection): Promise<void> {
    const owned = new Set(this.ownedBuckets);
    const candidates = Array.from({ length: outboxBucketCount }, (_, bucket) => bucket).filter(
      (bucket) => !owned.has(bucket),
    );
    if (candidates.length > 0) {
      let rows: Array<{ bucket: number }>;
      try {
        ({ rows } = await connection.query<{ bucket: number }>(
          `SELECT bucket FROM unnest($1::int[]) AS bucket WHERE pg_try_advisory_lock($2, bucket)`,
          [candidates, outboxLockClass],
        ));
      } catch (error) {
        // A broken session would fail every claim after it: reconnect instead.
        this.dropConnection(true);
        throw error;
      }
      for (const row of rows) owned.add(row.bucket);
    }
    this.ownedBuckets = [...owned].sort((a, b) => a - b);
    this.lastClaimAt = Date.now();
  }

  private async relayOnce(connection: PooledConnection): Promise<number> {
    let rows: OutboxRow[];
    try {
      ({ rows } = await connection.query<OutboxRow>(
        `SELECT id, topic, message_key, value, headers::text AS headers FROM messaging_outbox
          WHERE bucket = ANY($1::smallint[]) ORDER BY id LIMIT $2`,
        [this.ownedBuckets, this.batchSizeMax],
      ));
    } catch (error) {
      this.dropConnection(true);
      throw error;
    }
    if (rows.length === 0) return 0;
    await this.send(rows);
    try {
      await connection.query(
        `DELETE FROM messaging_outbox WHERE id = ANY(${textColumnSql(1, 'bigint')})`,
        [textColumn(rows.map((row) => row.id))],
      );
    } catch (error) {
      this.dropConnection(true);
      throw error;
    }
    this.published += rows.length;
    return rows.length;
  }

  private async send(rows: readonly OutboxRow[]): Promise<void> {
    const { batch, spans } = this.prepare(rows);
    try {
      await this.options.producer.send(batch);
      this.consecutiveSendFailures = 0;
      this.lastSendError = null;
      this.lastSendOkAt = new Date();
    } catch (error) {
      this.consecutiveSendFailures++;
      this.lastSendError = (error as Error).message;
      for (const span of spans)
        span.setStatus({ code: SpanStatusCode.ERROR, message: this.lastSendError });
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
  }

  /**
   * Groups the rows by topic, and starts one `send <topic>` span per trace context and topic (the
   * events of one transaction share a context: parse it once), a child of the context the row stored.
   * The messages carry that span's context, so a consumer's span follows the send in the same trace.
   * Rows appended outside a trace are sent as they are, without a span. Consecutive rows mostly share
   * topic and context: such a row reuses the previous row's group without a lookup.
   */
  private prepare(rows: readonly OutboxRow[]): { batch: OutgoingTopicMessages[]; spans: Span[] } {
    const byTopic = new Map<string, OutgoingMessage[]>();
    const groups = new Map<string, SendGroup>();
    let previous: { row: OutboxRow; group: SendGroup; messages: OutgoingMessage[] } | null = null;
    for (const row of rows) {
      if (
        previous === null ||
        previous.row.topic !== row.topic ||
        previous.row.headers !== row.headers
      ) {
        previous = { row, ...this.groupOf(row, groups, byTopic) };
      }
      previous.group.messages++;
      previous.messages.push({
        key: row.message_key,
        value: row.value,
        headers: previous.group.headers,
      });
    }
    const spans: Span[] = [];
    for (const { span, messages } of groups.values()) {
      if (span === null) continue;
      span.setAttribute(SpanAttribute.messagingBatchMessageCount, messages);
      spans.push(span);
    }
    return { batch: [...byTopic].map(([topic, messages]) => ({ topic, messages })), spans };
  }

  /** The send group of a row's topic and stored context (started on first use) and its topic's messages. */
  private groupOf(
    row: OutboxRow,
    groups: Map<string, SendGroup>,
    byTopic: Map<string, OutgoingMessage[]>,
  ): { group: SendGroup; messages: OutgoingMessage[] } {
    const groupKey = `${row.topic}\n${row.headers}`;
    let group = groups.get(groupKey);
    if (group === undefined) {
      group = this.startSend(row.topic, JSON.parse(row.headers) as MessageHeaders);
      groups.set(groupKey, group);
    }
    let messages = byTopic.get(row.topic);
    if (messages === undefined) {
      messages = [];
      byTopic.set(row.topic, messages);
    }
    return { group, messages };
  }

  private startSend(topic: string, stored: MessageHeaders): SendGroup {
    if (stored[traceparentHeader] === undefined)
      return { headers: stored, span: null, messages: 0 };
    const parent = propagation.extract(ROOT_CONTEXT, stored);
    const span = this.tracer.startSpan(
      `send ${topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          [SpanAttribute.messagingSystem]: MessagingSystem.kafka,
          [SpanAttribute.messagingOperationType]: MessagingOperationType.send,
          [SpanAttribute.messagingOperationName]: 'send',
          [SpanAttribute.messagingDestinationName]: topic,
        },
      },
      parent,
    );
    return {
      headers: { ...stored, ...traceHeadersOf(trace.setSpan(parent, span)) },
      span,
      messages: 0,
    };
  }

  /** Waits `ms`, or less if stopped or (`byAppends`) notified: resolves to true when cut short. */
  private idle(ms: number, byAppends: boolean): Promise<boolean> {
    if (this.stopping) return Promise.resolve(true);
    if (byAppends && this.wakeRequested) {
      this.wakeRequested = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const done = (cutShort: boolean) => {
        clearTimeout(timer);
        this.waiting = null;
        resolve(cutShort);
      };
      const timer = setTimeout(() => done(false), ms);
      this.waiting = { end: () => done(true), byAppends };
    });
  }
}
