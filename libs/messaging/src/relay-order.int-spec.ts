// Two relays on one outbox (two replicas of a service) still publish each key's events in order:
// a bucket is published only by the relay holding its advisory lock.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from './kafka/kafka-port';
import { OutboxRelay } from './outbox/outbox-relay';
import { appendToOutbox } from './outbox/outbox-writer';
import { inTransaction } from './sql';
import { createHarness, type Harness, paymentVerified, waitFor } from './testing/harness';

const accounts = 12;
const eventsPerAccount = 40;

describe('outbox relays on several replicas', () => {
  let harness: Harness;
  beforeAll(async () => (harness = await createHarness('relay_order')));
  afterAll(() => harness.close());

  it('keeps per-key order with two relays running at once, and a standby takes over a stopped relay', async () => {
    const first = harness.track(
      new OutboxRelay({
        connect: () => harness.pool.connect(),
        producer: harness.producer,
        batchSizeMax: 7,
      }),
    );
    const second = harness.track(
      new OutboxRelay({
        connect: () => harness.pool.connect(),
        producer: harness.producer,
        batchSizeMax: 7,
      }),
    );
    first.start();
    second.start();
    // Writers interleave keys; each key's device counter increases with its events.
    for (let round = 0; round < eventsPerAccount; round++) {
      const events = Array.from({ length: accounts }, (_, account) =>
        paymentVerified(round * accounts + account, { accounts }),
      );
      await inTransaction(harness.pool, (sql) =>
        appendToOutbox(sql, events, { topicPrefix: harness.topicPrefix }),
      );
      if (round === eventsPerAccount / 2) await first.stop(); // its buckets pass to the standby
    }
    await waitFor(
      async () =>
        (await harness.pool.query('SELECT 1 FROM messaging_outbox LIMIT 1')).rowCount === 0,
      30_000,
      'outbox drained',
    );
    await second.stop();
    // The standby published what came after the first relay stopped; together they published each row once.
    expect(second.status().published).toBeGreaterThan(0);
    expect(first.status().published + second.status().published).toBe(accounts * eventsPerAccount);

    const received: IncomingMessage[] = [];
    const reader = harness.kafka.consumer({ groupId: `order-${randomUUID()}` });
    await reader.connect();
    await reader.run({
      topics: [`${harness.topicPrefix}payments.verified.v1`],
      fromBeginning: true,
      eachBatch: async (batch) => {
        received.push(...batch.messages);
        const last = batch.messages[batch.messages.length - 1];
        if (last) batch.markProcessed(last.offset);
      },
    });
    await waitFor(
      async () => received.length >= accounts * eventsPerAccount,
      30_000,
      'every event read',
    );
    await reader.disconnect();

    const countersByKey = new Map<string, number[]>();
    for (const message of received.sort(
      (a, b) => a.partition - b.partition || Number(a.offset - b.offset),
    )) {
      const envelope = JSON.parse(message.value!.toString()) as {
        key: string;
        payload: { deviceCounter: string };
      };
      countersByKey.set(envelope.key, [
        ...(countersByKey.get(envelope.key) ?? []),
        Number(envelope.payload.deviceCounter),
      ]);
    }
    expect(countersByKey.size).toBe(accounts);
    for (const counters of countersByKey.values()) {
      expect(counters).toHaveLength(eventsPerAccount);
      expect(counters).toEqual([...counters].sort((a, b) => a - b));
    }
  });
});
