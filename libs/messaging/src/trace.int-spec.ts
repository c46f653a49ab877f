// A trace started before publishing continues in the consumer: W3C trace context travels from the
// outbox row through the Kafka headers to the consumer's span.
import { randomUUID } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { SpanAttribute } from '@settle/telemetry';
import { InboxConsumer } from './inbox/inbox-consumer';
import { OutboxRelay } from './outbox/outbox-relay';
import { appendToOutbox } from './outbox/outbox-writer';
import { inTransaction } from './sql';
import { balanceEffect, createHarness, effectSummary, type Harness, paymentVerified, waitFor } from './testing/harness';

describe('trace context through Kafka', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let harness: Harness;

  beforeAll(async () => {
    provider.register();
    harness = await createHarness('trace');
  });
  afterAll(async () => {
    await harness.close();
    await provider.shutdown();
  });

  it('continues the publisher trace in the consumer span', async () => {
    const event = paymentVerified(1);
    const publishSpan = trace.getTracer('test').startSpan('upload payment');
    // The outbox captures the context that is active when the event is appended.
    await context.with(trace.setSpan(context.active(), publishSpan), () =>
      inTransaction(harness.pool, (sql) => appendToOutbox(sql, [event], { topicPrefix: harness.topicPrefix })),
    );
    publishSpan.end();

    const relay = harness.track(new OutboxRelay({ connect: () => harness.pool.connect(), producer: harness.producer }));
    relay.start();
    const consumer = harness.track(new InboxConsumer({
      groupId: `trace-${randomUUID()}`,
      topics: [`${harness.topicPrefix}payments.verified.v1`],
      kafka: harness.kafka,
      pool: harness.pool,
      producer: harness.producer,
      deadLetterTopic: harness.deadLetterTopic,
      topicPrefix: harness.topicPrefix,
      handle: balanceEffect('trace'),
    }));
    void consumer.start();
    await waitFor(async () => (await effectSummary(harness.pool)).applied === 1, 30_000, 'event applied');
    await Promise.all([consumer.stop(), relay.stop()]);

    const consumerSpan = exporter.getFinishedSpans().find((span) => span.attributes[SpanAttribute.settleEventId] === event.eventId);
    expect(consumerSpan).toBeDefined();
    expect(consumerSpan!.spanContext().traceId).toBe(publishSpan.spanContext().traceId);
    expect(consumerSpan!.parentSpanContext?.spanId).toBe(publishSpan.spanContext().spanId);
    expect(consumerSpan!.attributes[SpanAttribute.messagingDestinationName]).toBe(`${harness.topicPrefix}payments.verified.v1`);
  });
});
