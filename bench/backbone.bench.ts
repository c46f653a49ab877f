// Events per second through outbox → Kafka → inbox with effects in PostgreSQL, at batch sizes 1, 100
// and 1000, next to a raw kafkajs produce/consume baseline measured in the same run.
// Run with `npm run bench` (it starts its own Kafka unless KAFKA_BROKERS is set).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { InboxConsumer, OutboxRelay, appendToOutbox, inTransaction } from '@settle/messaging';
import { balanceEffect, brokers, createHarness, paymentVerified } from '../libs/messaging/src/testing/harness';
import { writeResults } from './results';

const runs = [
  { batchSize: 1, events: 2_000 },
  { batchSize: 100, events: 30_000 },
  { batchSize: 1_000, events: 60_000 },
];
const baselineEvents = 60_000;

async function rawKafkajsBaseline(topic: string, eventBytes: Buffer[]): Promise<{ eventsPerSecond: number; seconds: number }> {
  const kafka = new Kafka({ clientId: 'bench-baseline', brokers: brokers(), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `bench-baseline-${randomUUID()}` });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let consumed = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) JSON.parse(message.value!.toString());
      consumed += batch.messages.length;
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }]);
      if (consumed >= eventBytes.length) resolveDone();
    },
  });
  const started = process.hrtime.bigint();
  for (let start = 0; start < eventBytes.length; start += 1_000) {
    await producer.send({ topic, acks: -1, messages: eventBytes.slice(start, start + 1_000).map((value, index) => ({ key: `acct-${(start + index) % 7}`, value })) });
  }
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  return { eventsPerSecond: eventBytes.length / seconds, seconds };
}

async function pipeline(batchSize: number, eventCount: number) {
  const harness = await createHarness(`bench_${batchSize}`);
  await harness.pool.query('SET synchronous_commit = on');
  const topic = `${harness.topicPrefix}payments.verified.v1`;
  const events = Array.from({ length: eventCount }, (_, index) => paymentVerified(index));
  const relay = new OutboxRelay({ connect: () => harness.pool.connect(), producer: harness.producer, batchSizeMax: Math.max(batchSize, 100) });
  let applied = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const effect = balanceEffect('bench');
  const consumer = new InboxConsumer({
    groupId: `bench-${batchSize}-${randomUUID()}`,
    topics: [topic],
    kafka: harness.kafka,
    pool: harness.pool,
    producer: harness.producer,
    deadLetterTopic: harness.deadLetterTopic,
    topicPrefix: harness.topicPrefix,
    batchSizeMax: batchSize,
    handle: async (sql, consumed) => {
      await effect(sql, consumed);
      applied += consumed.length;
      if (applied >= eventCount) setImmediate(resolveDone);
    },
  });
  void consumer.start();
  relay.start();
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // group join
  const started = process.hrtime.bigint();
  for (let start = 0; start < eventCount; start += batchSize) {
    await inTransaction(harness.pool, (sql) => appendToOutbox(sql, events.slice(start, start + batchSize), { topicPrefix: harness.topicPrefix }));
  }
  const writtenSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all([consumer.stop(), relay.stop()]);
  await harness.close();
  return { batchSize, events: eventCount, seconds, eventsPerSecond: eventCount / seconds, outboxWriteEventsPerSecond: eventCount / writtenSeconds };
}

async function main(): Promise<void> {
  const sample = paymentVerified(1);
  const eventBytes = Array.from({ length: baselineEvents }, (_, index) => Buffer.from(JSON.stringify(paymentVerified(index))));
  const baselineHarness = await createHarness('bench_baseline');
  const baseline = await rawKafkajsBaseline(`${baselineHarness.topicPrefix}payments.verified.v1`, eventBytes);
  await baselineHarness.close();
  const results = [];
  for (const run of runs) results.push(await pipeline(run.batchSize, run.events));
  const eventSizeBytes = Buffer.byteLength(JSON.stringify(sample));
  writeResults('backbone', {
    description: 'outbox → Kafka → inbox with effects in PostgreSQL (synchronous_commit=on, acks=all, schema validation on)',
    eventSizeBytes,
    baseline: { what: 'raw kafkajs produce (acks=all, idempotent, batches of 1000) + consume with JSON.parse and offset commits', ...baseline },
    results,
    targetEventsPerSecondAtBatch1000: 20_000,
  }, [
    '| run | batch | events | seconds | events/s |',
    '|---|---:|---:|---:|---:|',
    `| raw kafkajs baseline | 1000 | ${baselineEvents} | ${baseline.seconds.toFixed(2)} | ${Math.round(baseline.eventsPerSecond)} |`,
    ...results.map((run) => `| outbox → Kafka → inbox | ${run.batchSize} | ${run.events} | ${run.seconds.toFixed(2)} | ${Math.round(run.eventsPerSecond)} |`),
    '',
    `Event size: ${eventSizeBytes} bytes (a payment.verified envelope). Target at batch 1000: 20000 events/s.`,
  ]);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
