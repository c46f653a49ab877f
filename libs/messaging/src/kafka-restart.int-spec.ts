// Kafka stopped and restarted while producers write: the outbox buffers, nothing is lost, and no
// effect is applied twice. It restarts the test run's own broker, so it needs the global setup's.
import { randomUUID } from 'node:crypto';
import { testBroker } from '@settle/test-support';
import { InboxConsumer } from './inbox/inbox-consumer';
import { OutboxRelay } from './outbox/outbox-relay';
import { appendToOutbox } from './outbox/outbox-writer';
import { inTransaction } from './sql';
import {
  balanceEffect,
  createHarness,
  effectSummary,
  type Harness,
  paymentVerified,
  waitFor,
} from './testing/harness';

const broker = testBroker();
const transactions = 40;
const eventsPerTransaction = 10;

(broker ? describe : describe.skip)('Kafka restart under load', () => {
  jest.setTimeout(240_000);
  let harness: Harness;
  beforeAll(async () => (harness = await createHarness('restart')));
  afterAll(() => harness.close());

  it('loses nothing and applies nothing twice when the broker stops and restarts mid-stream', async () => {
    // What the relay and the consumer said, printed if the test fails: the cause is in there.
    const said: string[] = [];
    const record = (level: string) => (fields: Record<string, unknown>, message: string) =>
      void said.push(
        `${new Date().toISOString()} ${level} ${message} ${fields.err instanceof Error ? fields.err.message : ''}`,
      );
    const logger = {
      debug: () => undefined,
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    };
    const relay = harness.track(
      new OutboxRelay({
        connect: () => harness.pool.connect(),
        producer: harness.producer,
        logger,
      }),
    );
    relay.start();
    const consumer = harness.track(
      new InboxConsumer({
        groupId: `restart-${randomUUID()}`,
        topics: [`${harness.topicPrefix}payments.verified.v1`],
        kafka: harness.kafka,
        pool: harness.pool,
        producer: harness.producer,
        deadLetterTopic: harness.deadLetterTopic,
        topicPrefix: harness.topicPrefix,
        handle: balanceEffect('restart'),
        logger,
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 500,
      }),
    );
    void consumer.start();

    const writeTransactions = async (from: number, to: number) => {
      for (let index = from; index < to; index++) {
        const events = Array.from({ length: eventsPerTransaction }, (_, offset) =>
          paymentVerified(index * eventsPerTransaction + offset),
        );
        await inTransaction(harness.pool, (sql) =>
          appendToOutbox(sql, events, { topicPrefix: harness.topicPrefix }),
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    // The phases follow each other by what happened, not by time: under load the consumer may take
    // longer to join its group than a writer that paced itself by the clock takes to finish.
    const beforeStop = 5;
    const duringStop = 15;
    await writeTransactions(0, beforeStop);
    await waitFor(
      async () => (await effectSummary(harness.pool)).applied > 0,
      30_000,
      'first effects',
    );
    // Writes go on while the broker shuts down, and after it is down: their events wait in the outbox.
    const writingDuringStop = writeTransactions(beforeStop, beforeStop + duringStop);
    await broker!.stop();
    let pendingWhileDown: number;
    try {
      await writingDuringStop;
      await writeTransactions(beforeStop + duringStop, transactions);
      pendingWhileDown = (
        await harness.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM messaging_outbox')
      ).rows[0]!.n;
    } finally {
      await broker!.start();
    }
    expect(pendingWhileDown).toBeGreaterThanOrEqual(
      (transactions - beforeStop - duringStop) * eventsPerTransaction,
    );

    const total = transactions * eventsPerTransaction;
    try {
      await waitFor(
        async () => (await effectSummary(harness.pool)).distinct === total,
        120_000,
        'every event applied after the restart',
      );
    } catch (error) {
      console.error(
        `relay ${JSON.stringify(relay.status())}\nconsumer ${JSON.stringify(consumer.status())}\n${said.slice(-60).join('\n')}`,
      );
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await Promise.all([consumer.stop(), relay.stop()]);
    const summary = await effectSummary(harness.pool);
    expect(summary.applied).toBe(total);
    expect(
      (await harness.pool.query('SELECT count(*)::int AS n FROM messaging_outbox')).rows[0].n,
    ).toBe(0);
  });
});
