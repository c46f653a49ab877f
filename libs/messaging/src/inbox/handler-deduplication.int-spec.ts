// A consumer whose handler recognises repeats itself (deduplication 'handler'), against the real
// PostgreSQL and the real Kafka: no inbox row, and a redelivered event reaches the handler.
import { InboxConsumer } from './inbox-consumer';
import { createHarness, type Harness, paymentVerified, waitFor } from '../testing/harness';

const verifiedTopic = 'payments.verified.v1';

describe('inbox deduplication by the handler', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await createHarness('handler_dedup');
  });
  afterAll(() => harness.close());

  it('writes no inbox row and hands every delivery, a repeated one included, to the handler', async () => {
    const events = [paymentVerified(1), paymentVerified(2), paymentVerified(3)];
    const delivered = [events[0]!, events[1]!, events[0]!, events[2]!];
    await harness.producer.send([
      {
        topic: `${harness.topicPrefix}${verifiedTopic}`,
        messages: delivered.map((event) => ({ key: event.key, value: JSON.stringify(event) })),
      },
    ]);
    const seen: string[] = [];
    const consumer = harness.track(
      new InboxConsumer({
        groupId: 'group-handler-dedup',
        topics: [`${harness.topicPrefix}${verifiedTopic}`],
        kafka: harness.kafka,
        pool: harness.pool,
        producer: harness.producer,
        deadLetterTopic: harness.deadLetterTopic,
        topicPrefix: harness.topicPrefix,
        deduplication: 'handler',
        handle: async (_sql, batch) => {
          seen.push(...batch.map(({ envelope }) => envelope.eventId));
        },
      }),
    );
    void consumer.start();
    await waitFor(async () => seen.length >= delivered.length, 30_000, 'every delivery handled');
    await consumer.stop();

    expect([...seen].sort()).toEqual(delivered.map((event) => event.eventId).sort());
    expect(consumer.status()).toMatchObject({ applied: 4, duplicatesSkipped: 0 });
    const { rows } = await harness.pool.query(
      `SELECT 1 FROM messaging_inbox WHERE consumer_group = 'group-handler-dedup'`,
    );
    expect(rows).toHaveLength(0);
  });
});
