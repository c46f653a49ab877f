// W3C trace context through Kafka: a trace started before publishing continues in the relay's send
// span and in the consumer's span; and a batch handler that applies the events of several traces in
// one transaction appends what they cause each into the trace of its cause.
import { randomUUID } from 'node:crypto';
import { context, type Span, SpanKind, trace } from '@opentelemetry/api';
import { type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createEnvelope, type EventEnvelope, paymentSettledV1 } from '@settle/contracts';
import { installInMemorySpanExporter, type InMemorySpans, SpanAttribute } from '@settle/telemetry';
import { type ConsumedEvent, InboxConsumer } from './inbox/inbox-consumer';
import { OutboxRelay } from './outbox/outbox-relay';
import { appendToOutbox } from './outbox/outbox-writer';
import { inTransaction, type SqlExecutor } from './sql';
import {
  balanceEffect,
  createHarness,
  effectSummary,
  type Harness,
  paymentVerified,
  waitFor,
} from './testing/harness';

describe('trace context through Kafka', () => {
  let spans: InMemorySpans;
  let harness: Harness;

  beforeAll(async () => {
    spans = installInMemorySpanExporter();
    harness = await createHarness('trace');
  });
  afterAll(async () => {
    await harness.close();
    await spans.uninstall();
  });

  const processSpanOf = (eventId: string): ReadableSpan | undefined =>
    spans
      .finishedSpans()
      .find(
        (span) =>
          span.kind === SpanKind.CONSUMER &&
          span.attributes[SpanAttribute.settleEventId] === eventId,
      );
  const spanById = (spanId: string | undefined): ReadableSpan | undefined =>
    spans.finishedSpans().find((span) => span.spanContext().spanId === spanId);

  /** Appends `events` in one transaction inside a new root span named `name`; returns the span. */
  async function publishInSpan(name: string, events: readonly EventEnvelope[]) {
    const span = trace.getTracer('test').startSpan(name);
    // The outbox captures the context that is active when the events are appended.
    await context.with(trace.setSpan(context.active(), span), () =>
      inTransaction(harness.pool, (sql) =>
        appendToOutbox(sql, events, { topicPrefix: harness.topicPrefix }),
      ),
    );
    span.end();
    return span;
  }

  function startRelay(): OutboxRelay {
    const relay = harness.track(
      new OutboxRelay({ connect: () => harness.pool.connect(), producer: harness.producer }),
    );
    relay.start();
    return relay;
  }

  function startConsumer(
    topic: string,
    handle: (sql: SqlExecutor, events: readonly ConsumedEvent[]) => Promise<void>,
  ): InboxConsumer {
    const consumer = harness.track(
      new InboxConsumer({
        groupId: `trace-${randomUUID()}`,
        topics: [`${harness.topicPrefix}${topic}`],
        kafka: harness.kafka,
        pool: harness.pool,
        producer: harness.producer,
        deadLetterTopic: harness.deadLetterTopic,
        topicPrefix: harness.topicPrefix,
        handle,
      }),
    );
    void consumer.start();
    return consumer;
  }

  it('continues the publisher trace in the relay send span and the consumer span', async () => {
    const event = paymentVerified(1);
    const publishSpan = await publishInSpan('upload payment', [event]);
    const relay = startRelay();
    const consumer = startConsumer('payments.verified.v1', balanceEffect('trace'));
    await waitFor(
      async () => (await effectSummary(harness.pool)).applied === 1,
      30_000,
      'event applied',
    );
    await waitFor(
      () => processSpanOf(event.eventId) !== undefined,
      5_000,
      'the consumer span ended',
    );
    await Promise.all([consumer.stop(), relay.stop()]);

    const consumerSpan = processSpanOf(event.eventId)!;
    const sendSpan = spanById(consumerSpan.parentSpanContext?.spanId);
    expect(sendSpan).toMatchObject({
      name: `send ${harness.topicPrefix}payments.verified.v1`,
      kind: SpanKind.PRODUCER,
    });
    expect(sendSpan!.parentSpanContext?.spanId).toBe(publishSpan.spanContext().spanId);
    expect(consumerSpan.spanContext().traceId).toBe(publishSpan.spanContext().traceId);
    expect(consumerSpan.attributes).toMatchObject({
      [SpanAttribute.messagingDestinationName]: `${harness.topicPrefix}payments.verified.v1`,
      [SpanAttribute.settleTransactionId]: (event.payload as { transactionId: string })
        .transactionId,
      [SpanAttribute.settleInboxOutcome]: 'applied',
    });
  });

  it('appends what a batch of events from several traces causes each into the trace of its cause', async () => {
    // Three payments, each uploaded in its own trace, on one account: one partition, one batch.
    const verified = [0, 1, 2].map((index) => paymentVerified(index * 7 + 3));
    const publishSpans: Span[] = [];
    for (const [index, event] of verified.entries())
      publishSpans.push(await publishInSpan(`upload ${index}`, [event]));
    const batchSizes: number[] = [];
    // A batch handler like the ledger's: one transaction, one append of the events every payment caused.
    const settle = async (sql: SqlExecutor, events: readonly ConsumedEvent[]) => {
      batchSizes.push(events.length);
      await appendToOutbox(
        sql,
        events.map(({ envelope }) => settledEventOf(envelope)),
        { topicPrefix: harness.topicPrefix },
      );
    };
    const transactionIds = verified.map(
      (event) => (event.payload as { transactionId: string }).transactionId,
    );
    const consumer = startConsumer('payments.verified.v1', settle);
    const confirmations = startConsumer('payments.settlements.v1', async () => undefined);
    const relay = startRelay();
    const settledSpans = () =>
      spans
        .finishedSpans()
        .filter(
          (span) =>
            span.kind === SpanKind.CONSUMER &&
            span.attributes[SpanAttribute.settleEventType] === 'payment.settled' &&
            transactionIds.includes(String(span.attributes[SpanAttribute.settleTransactionId])),
        );
    await waitFor(
      () => settledSpans().length === verified.length,
      30_000,
      'every payment.settled consumed',
    );
    await Promise.all([consumer.stop(), confirmations.stop(), relay.stop()]);

    // Each payment.settled consumed continues the trace of the upload of its own payment.
    const traceOfPayment = (span: ReadableSpan) =>
      span.attributes[SpanAttribute.settleTransactionId];
    const expected = Object.fromEntries(
      transactionIds.map((transactionId, index) => [
        transactionId,
        publishSpans[index]!.spanContext().traceId,
      ]),
    );
    expect(
      Object.fromEntries(
        settledSpans().map((span) => [traceOfPayment(span), span.spanContext().traceId]),
      ),
    ).toEqual(expected);
    // The chain within one trace: upload → send → process (verified) → send → process (settled).
    for (const span of settledSpans()) {
      const send = spanById(span.parentSpanContext?.spanId)!;
      const verifiedProcess = spanById(send.parentSpanContext?.spanId)!;
      expect(verifiedProcess.attributes[SpanAttribute.settleEventType]).toBe('payment.verified');
      expect(verifiedProcess.attributes[SpanAttribute.settleTransactionId]).toBe(
        traceOfPayment(span),
      );
    }
    // The three were applied together: the handler saw one batch of several traces.
    expect(Math.max(...batchSizes)).toBeGreaterThanOrEqual(verified.length);
  });
});

/** A payment.settled caused by `verified` (the causation id is what ties the trace). */
function settledEventOf(verified: EventEnvelope): EventEnvelope {
  const payment = verified.payload as {
    transactionId: string;
    consumerAccountId: string;
    merchantId: string;
    amount: string;
    currency: string;
  };
  return createEnvelope({
    definition: paymentSettledV1,
    payload: {
      transactionId: payment.transactionId,
      consumerAccountId: payment.consumerAccountId,
      merchantId: payment.merchantId,
      amount: payment.amount,
      fee: '0',
      merchantAmount: payment.amount,
      currency: payment.currency,
      entryId: `entry-${payment.transactionId}`,
      settledAt: '2026-11-28T10:00:02.000Z',
    },
    eventId: randomUUID(),
    occurredAt: '2026-11-28T10:00:02.000Z',
    producer: 'ledger',
    correlationId: verified.correlationId,
    causationId: verified.eventId,
  });
}
