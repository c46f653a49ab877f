// The backbone's metrics: dead letters counted by service and reason (every reason present from the
// start), and observations tied to commits — `afterCommit` runs after COMMIT, never after a rollback,
// so a batch retried half by half counts each event once.
import { randomUUID } from 'node:crypto';
import { installInMemoryMetrics, type InMemoryMetrics } from '@settle/telemetry';
import { PermanentEventError } from './errors';
import { type ConsumedEvent, InboxConsumer } from './inbox/inbox-consumer';
import { afterCommit, inTransaction, type SqlExecutor } from './sql';
import { createHarness, type Harness, paymentVerified, waitFor } from './testing/harness';

describe('backbone metrics', () => {
  let recorded: InMemoryMetrics;
  let harness: Harness;

  beforeAll(async () => {
    recorded = installInMemoryMetrics();
    harness = await createHarness('metrics');
  });
  afterAll(async () => {
    await harness.close();
    await recorded.uninstall();
  });

  it('counts dead letters by service and reason, every reason from zero', async () => {
    const topic = `${harness.topicPrefix}payments.verified.v1`;
    const [rejected, fine] = [
      paymentVerified(1, { accounts: 1 }),
      paymentVerified(2, { accounts: 1 }),
    ];
    await harness.producer.send([
      {
        topic,
        messages: ['{"not json', rejected, fine].map((value) => ({
          key: rejected!.key,
          value: typeof value === 'string' ? value : JSON.stringify(value),
          partition: 0,
        })),
      },
    ]);
    const applied: string[] = [];
    const consumer = harness.track(
      new InboxConsumer({
        groupId: `metrics.dead-letters-${randomUUID()}`,
        serviceName: 'metrics-test',
        topics: [topic],
        kafka: harness.kafka,
        pool: harness.pool,
        producer: harness.producer,
        deadLetterTopic: harness.deadLetterTopic,
        topicPrefix: harness.topicPrefix,
        handle: async (_sql: SqlExecutor, events: readonly ConsumedEvent[]) => {
          for (const { envelope } of events) {
            if (envelope.eventId === rejected!.eventId)
              throw new PermanentEventError('TEST_REFUSED', 'refused by the test');
            applied.push(envelope.eventId);
          }
        },
      }),
    );
    void consumer.start();
    await waitFor(
      () => consumer.status().deadLettered === 2 && applied.includes(fine!.eventId),
      30_000,
      'two dead letters and the good event applied',
    );
    await consumer.stop();

    const text = await recorded.scrape();
    expect(text).toMatch(
      /^settle_dead_letters_total\{service="metrics-test",reason="MALFORMED_JSON"\} 1$/m,
    );
    expect(text).toMatch(
      /^settle_dead_letters_total\{service="metrics-test",reason="HANDLER_REJECTED"\} 1$/m,
    );
    expect(text).toMatch(
      /^settle_dead_letters_total\{service="metrics-test",reason="RETRIES_EXHAUSTED"\} 0$/m,
    );
  });

  it('runs afterCommit callbacks once the transaction committed, never after a rollback', async () => {
    const ran: string[] = [];
    await inTransaction(harness.pool, async (sql) => {
      expect(afterCommit(sql, () => ran.push('committed'))).toBe(true);
      await sql.query('SELECT 1');
      expect(ran).toEqual([]);
    });
    await expect(
      inTransaction(harness.pool, async (sql) => {
        afterCommit(sql, () => ran.push('rolled back'));
        throw new Error('the work failed');
      }),
    ).rejects.toThrow('the work failed');
    // A failing callback changes nothing for the committed transaction; a connection outside a
    // transaction takes no callback.
    await expect(
      inTransaction(harness.pool, async (sql) =>
        afterCommit(sql, () => {
          throw new Error('observer failed');
        }),
      ),
    ).resolves.toBe(true);
    expect(afterCommit(harness.pool, () => ran.push('no transaction'))).toBe(false);
    expect(ran).toEqual(['committed']);
  });
});
