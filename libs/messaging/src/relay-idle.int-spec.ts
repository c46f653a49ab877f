// An idle relay backs off its polls (an idle service should not query its outbox fifty times a second),
// and still publishes at once when an append in its process wakes it, or within the longest poll
// interval when an append elsewhere does not.
import { OutboxRelay, outboxRelayIdlePollMsMax } from './outbox/outbox-relay';
import { appendToOutbox } from './outbox/outbox-writer';
import type { PooledConnection } from './sql';
import { inTransaction } from './sql';
import { createHarness, type Harness, paymentVerified, waitFor } from './testing/harness';

const outboxReads = /FROM messaging_outbox/;

describe('an idle outbox relay', () => {
  let harness: Harness;
  let reads = 0;
  let relay: OutboxRelay;
  beforeAll(async () => {
    harness = await createHarness('relay_idle');
    relay = harness.track(
      new OutboxRelay({
        // Counts the relay's reads of the outbox on its own connection.
        connect: async () => {
          const connection = await harness.pool.connect();
          const query = connection.query.bind(connection) as PooledConnection['query'];
          return Object.assign(connection, {
            query: ((text: string, values?: unknown[]) => {
              if (outboxReads.test(text) && text.startsWith('SELECT')) reads++;
              return query(text, values);
            }) as PooledConnection['query'],
          });
        },
        producer: harness.producer,
      }),
    );
    relay.start();
  });
  afterAll(() => harness.close());

  const published = () => relay.status().published;
  const append = (index: number) =>
    inTransaction(harness.pool, (sql) =>
      appendToOutbox(sql, [paymentVerified(index)], { topicPrefix: harness.topicPrefix }),
    );

  it('polls less and less often while the outbox stays empty', async () => {
    await waitFor(() => relay.status().ownedBuckets > 0, 10_000, 'buckets claimed');
    const before = reads;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // 20 ms doubling to 250 ms: about ten reads in two seconds, where a fixed 20 ms poll made a hundred.
    expect(reads - before).toBeLessThanOrEqual(16);
  });

  it('reads at once when notified after an append (its longest wait cut short), and publishes', async () => {
    await append(1);
    const readsBefore = reads;
    const started = Date.now();
    relay.notify();
    await waitFor(() => reads > readsBefore, 5_000, 'outbox read');
    // The read, not the publish, is timed: Kafka's acknowledgement is not the relay's wait.
    expect(Date.now() - started).toBeLessThan(outboxRelayIdlePollMsMax / 2);
    await waitFor(() => published() === 1, 5_000, 'event published');
  });

  it('publishes within the longest poll interval without a notification', async () => {
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // back at the longest interval
    const started = Date.now();
    await append(2);
    await waitFor(() => published() === 2, 5_000, 'event published');
    expect(Date.now() - started).toBeLessThan(outboxRelayIdlePollMsMax + 500);
  });
});
