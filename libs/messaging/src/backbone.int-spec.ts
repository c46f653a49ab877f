// The backbone against the real PostgreSQL and the real Kafka: outbox → Kafka → inbox, with
// duplicates, a rebalance, a consumer killed mid-batch, a replay, poison and a newer version.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { EventEnvelope } from '@settle/contracts';
import { Pool } from 'pg';
import { applySqlFiles, createTestDatabase } from '@settle/test-support';
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
  testEffectSql,
  waitFor,
} from './testing/harness';

const verifiedTopic = 'payments.verified.v1';
const eventCount = 300;

describe('outbox → Kafka → inbox', () => {
  let harness: Harness;
  let events: EventEnvelope[];
  const expectedTotal = () =>
    events.reduce((sum, event) => sum + BigInt((event.payload as { amount: string }).amount), 0n);

  beforeAll(async () => {
    harness = await createHarness('backbone');
    events = Array.from({ length: eventCount }, (_, index) => paymentVerified(index));
  });
  afterAll(() => harness.close());

  function consumer(
    groupId: string,
    options: {
      pool?: Pool;
      batchSizeMax?: number;
      appliedBy?: string;
      slowMsPerEvent?: number;
    } = {},
  ) {
    const effect = balanceEffect(options.appliedBy ?? groupId);
    return harness.track(
      new InboxConsumer({
        groupId,
        topics: [`${harness.topicPrefix}${verifiedTopic}`],
        kafka: harness.kafka,
        pool: options.pool ?? harness.pool,
        producer: harness.producer,
        deadLetterTopic: harness.deadLetterTopic,
        topicPrefix: harness.topicPrefix,
        handle: async (sql, events) => {
          await effect(sql, events);
          if (options.slowMsPerEvent)
            await new Promise((resolve) =>
              setTimeout(resolve, options.slowMsPerEvent! * events.length),
            );
        },
        batchSizeMax: options.batchSizeMax ?? 100,
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 500,
      }),
    );
  }

  it('applies every event exactly once although some are delivered twice, across a rebalance', async () => {
    for (let start = 0; start < eventCount; start += 50) {
      await inTransaction(harness.pool, (sql) =>
        appendToOutbox(sql, events.slice(start, start + 50), { topicPrefix: harness.topicPrefix }),
      );
    }
    const relay = harness.track(
      new OutboxRelay({ connect: () => harness.pool.connect(), producer: harness.producer }),
    );
    relay.start();
    await waitFor(
      async () =>
        (await harness.pool.query('SELECT 1 FROM messaging_outbox LIMIT 1')).rowCount === 0,
      30_000,
      'outbox drained',
    );
    await relay.stop();
    expect(relay.status().published).toBe(eventCount);

    // The relay crashed after a send and before its delete: the first 100 events go out again.
    await harness.producer.send([
      {
        topic: `${harness.topicPrefix}${verifiedTopic}`,
        messages: events
          .slice(0, 100)
          .map((event) => ({ key: event.key, value: JSON.stringify(event) })),
      },
    ]);

    const first = consumer('group-main', {
      batchSizeMax: 20,
      appliedBy: 'first',
      slowMsPerEvent: 15,
    });
    void first.start();
    await waitFor(
      async () => (await effectSummary(harness.pool)).applied >= 60,
      30_000,
      'first consumer applies some events',
    );
    const second = consumer('group-main', {
      batchSizeMax: 20,
      appliedBy: 'second',
      slowMsPerEvent: 15,
    });
    void second.start();
    const duplicatesSkipped = () =>
      first.status().duplicatesSkipped + second.status().duplicatesSkipped;
    await waitFor(
      async () =>
        (await effectSummary(harness.pool)).distinct === eventCount && duplicatesSkipped() >= 100,
      60_000,
      'all events read',
    );
    await Promise.all([first.stop(), second.stop()]);

    const summary = await effectSummary(harness.pool);
    expect(summary.applied).toBe(eventCount);
    expect(summary.total).toBe(expectedTotal());
    expect(duplicatesSkipped()).toBe(100);
    const appliedBy = await harness.pool.query<{ applied_by: string }>(
      'SELECT DISTINCT applied_by FROM test_effect_log ORDER BY 1',
    );
    expect(appliedBy.rows.map((row) => row.applied_by)).toEqual(['first', 'second']);
  });

  it('ends in the same state when the group is reset to the earliest offset and replays everything', async () => {
    const before = await effectSummary(harness.pool);
    await harness.admin.resetGroupToEarliest('group-main', [
      `${harness.topicPrefix}${verifiedTopic}`,
    ]);
    const replay = consumer('group-main');
    void replay.start();
    await waitFor(
      async () => replay.status().duplicatesSkipped >= eventCount + 100,
      60_000,
      'replay read everything',
    );
    await replay.stop();
    expect(await effectSummary(harness.pool)).toEqual(before);
    expect(replay.status().applied).toBe(0);
  });

  it('rebuilds the same state into an empty database from the topic', async () => {
    const database = await createTestDatabase('messaging_rebuild');
    const pool = new Pool({ connectionString: database.url, max: 4 });
    try {
      await applySqlFiles(pool, path.join(__dirname, '../migrations'));
      await pool.query(testEffectSql);
      const rebuild = consumer('group-rebuild', { pool, appliedBy: 'first' });
      void rebuild.start();
      await waitFor(
        async () => (await effectSummary(pool)).distinct === eventCount,
        60_000,
        'rebuild applied everything',
      );
      await rebuild.stop();
      const rebuilt = await effectSummary(pool);
      const live = await effectSummary(harness.pool);
      expect(rebuilt.balances).toEqual(live.balances);
      expect(rebuilt.total).toBe(live.total);
      expect(rebuilt.applied).toBe(eventCount);
    } finally {
      await pool.end();
      await database.drop();
    }
  });

  it('applies everything exactly once after a consumer is killed with SIGKILL mid-batch', async () => {
    const more = Array.from({ length: 400 }, (_, index) => paymentVerified(1000 + index));
    await inTransaction(harness.pool, (sql) =>
      appendToOutbox(sql, more, { topicPrefix: harness.topicPrefix }),
    );
    const relay = harness.track(
      new OutboxRelay({ connect: () => harness.pool.connect(), producer: harness.producer }),
    );
    relay.start();
    await waitFor(
      async () =>
        (await harness.pool.query('SELECT 1 FROM messaging_outbox LIMIT 1')).rowCount === 0,
      30_000,
      'outbox drained',
    );
    await relay.stop();

    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', path.join(__dirname, 'testing/consumer-process.ts')],
      {
        env: {
          ...process.env,
          DATABASE_URL: harness.database.url,
          TOPIC: `${harness.topicPrefix}${verifiedTopic}`,
          TOPIC_PREFIX: harness.topicPrefix,
          DEAD_LETTER_TOPIC: harness.deadLetterTopic,
          GROUP_ID: 'group-killed',
          SLOW_MS: '5',
          SWC_NODE_PROJECT: path.join(__dirname, '../../../tsconfig.json'),
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // The inbox is per consumer group: group-killed applies all 700 distinct events of the topic under
    // its own name, whatever group-main did before. Only its own applications are counted.
    const appliedByChild = async () =>
      Number(
        (
          await harness.pool.query<{ n: string }>(
            `SELECT count(*) AS n FROM test_effect_log WHERE applied_by = 'group-killed'`,
          )
        ).rows[0]!.n,
      );
    await waitFor(
      async () => (await appliedByChild()) >= 150,
      60_000,
      'the child applies some events',
    );
    child.kill('SIGKILL');
    await exited;
    const beforeRestart = await appliedByChild();
    expect(beforeRestart).toBeLessThan(eventCount + 100 + 400);

    const restarted = consumer('group-killed', { appliedBy: 'group-killed' });
    void restarted.start();
    await waitFor(
      async () => (await appliedByChild()) >= eventCount + 400,
      60_000,
      'the restarted consumer applies the rest',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await restarted.stop();
    const perEvent = await harness.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM test_effect_log WHERE applied_by = 'group-killed' GROUP BY event_id HAVING count(*) > 1`,
    );
    expect(perEvent.rowCount).toBe(0);
    expect(await appliedByChild()).toBe(eventCount + 400);
  });
});
