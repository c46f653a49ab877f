// Poison never blocks a partition: malformed and invalid messages go to the dead-letter topic with
// their reason and original bytes, later messages are applied; a newer version pauses its partition.
import { randomUUID } from 'node:crypto';
import { createKafkajsPort } from './kafka/kafkajs-adapter';
import type { IncomingMessage } from './kafka/kafka-port';
import { deadLetterHeader } from './inbox/dead-letter';
import { EntityNotYetSeenError } from './errors';
import { redriveDeadLetters } from './redrive/redrive';
import { InboxConsumer } from './inbox/inbox-consumer';
import {
  brokers,
  balanceEffect,
  createHarness,
  effectSummary,
  type Harness,
  paymentVerified,
  waitFor,
} from './testing/harness';

const verifiedTopic = 'payments.verified.v1';

describe('poison messages and newer versions', () => {
  let harness: Harness;
  beforeAll(async () => (harness = await createHarness('poison')));
  afterAll(() => harness.close());

  it('dead-letters poison with its reason, applies what follows, and pauses on a newer version', async () => {
    const topic = `${harness.topicPrefix}${verifiedTopic}`;
    const good = [paymentVerified(1, { accounts: 1 }), paymentVerified(2, { accounts: 1 })];
    const key = good[0]!.key;
    const withExtraField = paymentVerified(3, { accounts: 1 });
    (withExtraField.payload as Record<string, unknown>).injected = 'x';
    const numberAmount = paymentVerified(4, { accounts: 1 });
    (numberAmount.payload as Record<string, unknown>).amount = 12.5;
    const unknownType = { ...paymentVerified(5, { accounts: 1 }), type: 'payment.teleported' };
    const newer = { ...paymentVerified(6, { accounts: 1 }), version: 99 };
    const afterNewer = paymentVerified(7, { accounts: 1 });
    // The poison sequence goes to partition 0; the other events to partitions 1 and 2, which must not
    // be held up by partition 0's pause.
    const otherPartitionEvents = Array.from({ length: 12 }, (_, index) =>
      paymentVerified(100 + index, { accounts: 12 }),
    );

    await harness.producer.send([
      {
        topic,
        messages: [
          ...[
            good[0],
            '{"eventId": "not json',
            withExtraField,
            numberAmount,
            unknownType,
            good[1],
            newer,
            afterNewer,
          ].map((value) => ({
            key,
            value: typeof value === 'string' ? value : JSON.stringify(value),
            partition: 0,
          })),
          ...otherPartitionEvents.map((event, index) => ({
            key: event.key,
            value: JSON.stringify(event),
            partition: 1 + (index % 2),
          })),
        ],
      },
    ]);

    const consumer = harness.track(
      new InboxConsumer({
        groupId: `poison-${randomUUID()}`,
        topics: [topic],
        kafka: harness.kafka,
        pool: harness.pool,
        producer: harness.producer,
        deadLetterTopic: harness.deadLetterTopic,
        topicPrefix: harness.topicPrefix,
        handle: balanceEffect('poison'),
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 500,
      }),
    );
    void consumer.start();
    const expectedApplied = 2 + otherPartitionEvents.length;
    await waitFor(
      async () =>
        (await effectSummary(harness.pool)).applied >= expectedApplied &&
        consumer.status().pausedPartitions.length === 1,
      30_000,
      'good events applied and the partition paused',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const applied = await harness.pool.query<{ transaction_id: string }>(
      'SELECT transaction_id FROM test_effect_log',
    );
    const appliedIds = new Set(applied.rows.map((row) => row.transaction_id));
    expect(appliedIds.size).toBe(expectedApplied);
    for (const event of [...good, ...otherPartitionEvents])
      expect(appliedIds.has((event.payload as { transactionId: string }).transactionId)).toBe(true);
    expect(appliedIds.has((afterNewer.payload as { transactionId: string }).transactionId)).toBe(
      false,
    );
    const [paused] = consumer.status().pausedPartitions;
    expect(paused?.topic).toBe(topic);
    expect(consumer.status().deadLettered).toBe(4);
    await consumer.stop();

    const deadLetters = await readAll(harness.deadLetterTopic, 4);
    expect(deadLetters.map((message) => message.headers[deadLetterHeader.reason])).toEqual([
      'MALFORMED_JSON',
      'SCHEMA_VIOLATION',
      'SCHEMA_VIOLATION',
      'UNKNOWN_EVENT_TYPE',
    ]);
    expect(deadLetters[0]!.value!.toString()).toBe('{"eventId": "not json');
    expect(deadLetters[1]!.headers[deadLetterHeader.detail]).toContain('injected');
    expect(deadLetters[2]!.headers[deadLetterHeader.detail]).toContain('amount');
    for (const letter of deadLetters) {
      expect(letter.headers[deadLetterHeader.originalTopic]).toBe(topic);
      expect(letter.key?.toString()).toBe(key);
    }
  });

  it('retries an event naming an unknown entity, dead-letters it when retries run out, and redrives it once the entity exists', async () => {
    // Topics of its own: the previous test left a paused partition and dead letters behind.
    const harness = await createHarness('redrive');
    const topic = `${harness.topicPrefix}${verifiedTopic}`;
    const late = paymentVerified(500, { accounts: 1_000 });
    const lateAccount = (late.payload as { consumerAccountId: string }).consumerAccountId;
    const knownAccounts = new Set<string>();
    const effect = balanceEffect('redrive');
    let attempts = 0;
    const consumer = harness.track(
      new InboxConsumer({
        groupId: `redrive-${randomUUID()}`,
        topics: [topic],
        kafka: harness.kafka,
        pool: harness.pool,
        producer: harness.producer,
        deadLetterTopic: harness.deadLetterTopic,
        topicPrefix: harness.topicPrefix,
        entityRetryAttemptsMax: 3,
        handle: async (sql, events) => {
          for (const event of events) {
            const account = (event.envelope.payload as { consumerAccountId: string })
              .consumerAccountId;
            if (account === lateAccount && !knownAccounts.has(account)) {
              attempts++;
              throw new EntityNotYetSeenError('account', account);
            }
            await effect(sql, [event]);
          }
        },
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 500,
      }),
    );
    void consumer.start();
    await harness.producer.send([
      { topic, messages: [{ key: late.key, value: JSON.stringify(late) }] },
    ]);
    await waitFor(
      async () => consumer.status().deadLettered >= 1,
      30_000,
      'the late event dead-lettered',
    );
    expect(attempts).toBeGreaterThanOrEqual(3);

    const inspected = await redriveDeadLetters({
      kafka: harness.kafka,
      producer: harness.producer,
      deadLetterTopic: harness.deadLetterTopic,
      reason: 'RETRIES_EXHAUSTED',
      dryRun: true,
    });
    expect(inspected.republished).toBe(0);
    expect(
      inspected.listed.map((letter) => [letter.reason, letter.key, letter.originalTopic]),
    ).toEqual([['RETRIES_EXHAUSTED', late.key, topic]]);

    knownAccounts.add(lateAccount);
    const redriven = await redriveDeadLetters({
      kafka: harness.kafka,
      producer: harness.producer,
      deadLetterTopic: harness.deadLetterTopic,
      reason: 'RETRIES_EXHAUSTED',
      dryRun: false,
    });
    expect(redriven.republished).toBe(1);
    const transactionId = (late.payload as { transactionId: string }).transactionId;
    const appliedCount = async () =>
      Number(
        (
          await harness.pool.query<{ n: string }>(
            'SELECT count(*) AS n FROM test_effect_log WHERE transaction_id = $1',
            [transactionId],
          )
        ).rows[0]!.n,
      );
    await waitFor(async () => (await appliedCount()) === 1, 30_000, 'the redriven event applied');

    // Redriving again is harmless: the inbox drops the repeat.
    await redriveDeadLetters({
      kafka: harness.kafka,
      producer: harness.producer,
      deadLetterTopic: harness.deadLetterTopic,
      reason: 'RETRIES_EXHAUSTED',
      dryRun: false,
    });
    await waitFor(
      async () => consumer.status().duplicatesSkipped >= 1,
      30_000,
      'the second redrive skipped',
    );
    expect(await appliedCount()).toBe(1);
    await consumer.stop();
    await harness.close();
  });

  async function readAll(topic: string, count: number): Promise<IncomingMessage[]> {
    const reader = createKafkajsPort({
      clientId: 'dead-letter-reader',
      brokers: brokers(),
    }).consumer({ groupId: `reader-${randomUUID()}` });
    const received: IncomingMessage[] = [];
    await reader.connect();
    await reader.run({
      topics: [topic],
      fromBeginning: true,
      eachBatch: async (batch) => {
        received.push(...batch.messages);
        const last = batch.messages[batch.messages.length - 1];
        if (last) batch.markProcessed(last.offset);
      },
    });
    await waitFor(async () => received.length >= count, 20_000, `${count} dead letters`);
    await reader.disconnect();
    return received.sort((a, b) => Number(a.offset - b.offset));
  }
});
