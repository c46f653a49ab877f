// Events per second through outbox → Kafka → inbox with effects in PostgreSQL, at batch sizes 1, 100
// and 1000, next to a raw kafkajs produce/consume baseline measured in the same run. Each run is also
// measured stage by stage (outbox writes alone, relay alone, consumer alone) to show where time goes.
// Run with `npm run bench -- backbone` (it starts its own Kafka unless KAFKA_BROKERS is set).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import {
  type ConsumedEvent,
  InboxConsumer,
  OutboxRelay,
  appendToOutbox,
  inTransaction,
  keyPartitioner,
  type SqlExecutor,
} from '@settle/messaging';
import {
  balanceEffect,
  balanceEffectSetBased,
  brokers,
  createHarness,
  type Harness,
  paymentVerified,
} from '../libs/messaging/src/testing/harness';
import { headlineFigures, targets } from './report/headline';
import { writeResults } from './results';

const runs = [
  { batchSize: 1, events: 2_000, effect: 'per-event statements' as const },
  { batchSize: 100, events: 30_000, effect: 'per-event statements' as const },
  { batchSize: 1_000, events: 60_000, effect: 'per-event statements' as const },
  { batchSize: 100, events: 30_000, effect: 'set-based statements' as const },
  { batchSize: 1_000, events: 60_000, effect: 'set-based statements' as const },
];
const baselineEvents = 60_000;
/**
 * BENCH_ONLY=set-based:1000 runs one configuration (e.g. under --cpu-prof), and with `baseline,`
 * before it (BENCH_ONLY=baseline,set-based:1000) the raw baseline first; the full table needs all.
 */
const onlyParts = process.env.BENCH_ONLY?.split(',') ?? [];
const only = onlyParts.find((part) => part !== 'baseline');
const baselineWanted = onlyParts.length === 0 || onlyParts.includes('baseline');
type Effect = (typeof runs)[number]['effect'];

const seconds = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

/**
 * CPU of this process (the product's code, kafkajs and pg; not PostgreSQL or Kafka) per event since
 * `started`: on a shared machine the rate is noise, this is what a change is judged by.
 */
const cpuMicrosPerEvent = (started: NodeJS.CpuUsage, events: number) => {
  const used = process.cpuUsage(started);
  return Math.round((used.user + used.system) / events);
};

async function rawKafkajsBaseline(
  topic: string,
  eventBytes: Buffer[],
): Promise<{ eventsPerSecond: number; seconds: number; cpuMicrosPerEvent: number }> {
  const kafka = new Kafka({
    clientId: 'bench-baseline',
    brokers: brokers(),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // The product's partitioner (the default's placement, computed cheaper): the baseline is as lean.
    createPartitioner: keyPartitioner,
  });
  const consumer = kafka.consumer({ groupId: `bench-baseline-${randomUUID()}` });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let consumed = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset }) => {
      for (const message of batch.messages) JSON.parse(message.value!.toString());
      consumed += batch.messages.length;
      resolveOffset(batch.lastOffset());
      await consumer.commitOffsets([
        {
          topic: batch.topic,
          partition: batch.partition,
          offset: (BigInt(batch.lastOffset()) + 1n).toString(),
        },
      ]);
      if (consumed >= eventBytes.length) resolveDone();
    },
  });
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  for (let start = 0; start < eventBytes.length; start += 1_000) {
    await producer.send({
      topic,
      acks: -1,
      messages: eventBytes
        .slice(start, start + 1_000)
        .map((value, index) => ({ key: `acct-${(start + index) % 7}`, value })),
    });
  }
  await done;
  const elapsed = seconds(started);
  const cpu = cpuMicrosPerEvent(cpuStarted, eventBytes.length);
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  return { eventsPerSecond: eventBytes.length / elapsed, seconds: elapsed, cpuMicrosPerEvent: cpu };
}

function consumerFor(
  harness: Harness,
  batchSize: number,
  effect: Effect,
  expected: number,
  onDone: () => void,
) {
  const apply =
    effect === 'set-based statements' ? balanceEffectSetBased('bench') : balanceEffect('bench');
  let applied = 0;
  return new InboxConsumer({
    groupId: `bench-${batchSize}-${randomUUID()}`,
    topics: [`${harness.topicPrefix}payments.verified.v1`],
    kafka: harness.kafka,
    pool: harness.pool,
    producer: harness.producer,
    deadLetterTopic: harness.deadLetterTopic,
    topicPrefix: harness.topicPrefix,
    batchSizeMax: batchSize,
    handle: async (sql: SqlExecutor, events: readonly ConsumedEvent[]) => {
      await apply(sql, events);
      applied += events.length;
      if (applied >= expected) setImmediate(onDone);
    },
  });
}

async function writeOutbox(
  harness: Harness,
  batchSize: number,
  events: ReturnType<typeof paymentVerified>[],
): Promise<void> {
  for (let start = 0; start < events.length; start += batchSize) {
    await inTransaction(harness.pool, (sql) =>
      appendToOutbox(sql, events.slice(start, start + batchSize), {
        topicPrefix: harness.topicPrefix,
      }),
    );
  }
}

async function drainOutbox(harness: Harness, batchSize: number): Promise<void> {
  const relay = new OutboxRelay({
    connect: () => harness.pool.connect(),
    producer: harness.producer,
    batchSizeMax: Math.max(batchSize, 100),
  });
  relay.start();
  while ((await harness.pool.query('SELECT 1 FROM messaging_outbox LIMIT 1')).rowCount !== 0)
    await new Promise((resolve) => setTimeout(resolve, 5));
  await relay.stop();
}

/** Stage by stage: each stage runs alone over the whole set, so each rate is that stage's ceiling. */
async function stages(batchSize: number, eventCount: number, effect: Effect) {
  const harness = await createHarness(`bench_stages_${batchSize}`);
  const events = Array.from({ length: eventCount }, (_, index) => paymentVerified(index));
  let started = process.hrtime.bigint();
  let cpuStarted = process.cpuUsage();
  await writeOutbox(harness, batchSize, events);
  const outboxWrite = eventCount / seconds(started);
  const outboxWriteCpu = cpuMicrosPerEvent(cpuStarted, eventCount);
  started = process.hrtime.bigint();
  cpuStarted = process.cpuUsage();
  await drainOutbox(harness, batchSize);
  const relay = eventCount / seconds(started);
  const relayCpu = cpuMicrosPerEvent(cpuStarted, eventCount);
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const consumer = consumerFor(harness, batchSize, effect, eventCount, resolveDone);
  started = process.hrtime.bigint();
  cpuStarted = process.cpuUsage();
  void consumer.start();
  await done;
  const consume = eventCount / seconds(started);
  const consumeCpu = cpuMicrosPerEvent(cpuStarted, eventCount);
  await consumer.stop();
  await harness.close();
  return {
    outboxWriteEventsPerSecond: outboxWrite,
    relayEventsPerSecond: relay,
    consumeEventsPerSecond: consume,
    cpuMicrosPerEvent: { outboxWrite: outboxWriteCpu, relay: relayCpu, consume: consumeCpu },
  };
}

/** End to end: writers, relay and consumer run at once, as in a service. */
async function pipeline(batchSize: number, eventCount: number, effect: Effect) {
  const harness = await createHarness(`bench_${batchSize}`);
  const events = Array.from({ length: eventCount }, (_, index) => paymentVerified(index));
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const consumer = consumerFor(harness, batchSize, effect, eventCount, resolveDone);
  const relay = new OutboxRelay({
    connect: () => harness.pool.connect(),
    producer: harness.producer,
    batchSizeMax: Math.max(batchSize, 100),
  });
  void consumer.start();
  relay.start();
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // group join
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  await writeOutbox(harness, batchSize, events);
  await done;
  const elapsed = seconds(started);
  const cpu = cpuMicrosPerEvent(cpuStarted, eventCount);
  await Promise.all([consumer.stop(), relay.stop()]);
  await harness.close();
  return { seconds: elapsed, eventsPerSecond: eventCount / elapsed, cpuMicrosPerEvent: cpu };
}

async function main(): Promise<void> {
  const eventBytes = Array.from({ length: baselineEvents }, (_, index) =>
    Buffer.from(JSON.stringify(paymentVerified(index))),
  );
  let baseline = { eventsPerSecond: 0, seconds: 0, cpuMicrosPerEvent: 0 };
  if (baselineWanted) {
    const baselineHarness = await createHarness('bench_baseline');
    baseline = await rawKafkajsBaseline(
      `${baselineHarness.topicPrefix}payments.verified.v1`,
      eventBytes,
    );
    await baselineHarness.close();
    console.log(JSON.stringify({ baseline }));
  }
  const results = [];
  for (const run of runs.filter(
    (candidate) =>
      onlyParts.length === 0 || `${candidate.effect.split(' ')[0]}:${candidate.batchSize}` === only,
  )) {
    const endToEnd = await pipeline(run.batchSize, run.events, run.effect);
    const stage = await stages(run.batchSize, run.events, run.effect);
    results.push({ ...run, ...endToEnd, stages: stage });
    console.log(JSON.stringify(results[results.length - 1]));
  }
  const eventSizeBytes = eventBytes[0]!.length;
  const rate = (value: number) => String(Math.round(value));
  if (onlyParts.length > 0) return;
  const data = {
    description:
      'outbox → Kafka → inbox with effects in PostgreSQL (synchronous_commit=on, acks=all, idempotent producer, schema validation on send and receive)',
    eventSizeBytes,
    baseline: {
      what: 'raw kafkajs produce (acks=all, idempotent, batches of 1000) and consume (JSON.parse, offset commit per batch)',
      ...baseline,
    },
    results,
    targetEventsPerSecondAtBatch1000: targets.backboneEventsPerSecond,
  };
  writeResults(
    'backbone',
    data,
    [
      '| run | effect | batch | events | end-to-end events/s | CPU µs/event end to end | outbox writes/s alone | relay events/s alone | consumer events/s alone | CPU µs/event alone (write + relay + consume) |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
      `| raw kafkajs baseline | — | 1000 | ${baselineEvents} | ${rate(baseline.eventsPerSecond)} | ${baseline.cpuMicrosPerEvent} | — | — | — | — |`,
      ...results.map(
        (run) =>
          `| outbox → Kafka → inbox | ${run.effect} | ${run.batchSize} | ${run.events} | ${rate(run.eventsPerSecond)} | ${run.cpuMicrosPerEvent} | ${rate(run.stages.outboxWriteEventsPerSecond)} | ${rate(run.stages.relayEventsPerSecond)} | ${rate(run.stages.consumeEventsPerSecond)} | ${run.stages.cpuMicrosPerEvent.outboxWrite} + ${run.stages.cpuMicrosPerEvent.relay} + ${run.stages.cpuMicrosPerEvent.consume} |`,
      ),
      '',
      `Event: a ${eventSizeBytes}-byte payment.verified envelope. CPU is this process's (product code, kafkajs, pg), not PostgreSQL's or Kafka's. The effect is a log row and a running balance per event, either one statement per event or two set-based statements per batch. The raw baseline writes nothing to PostgreSQL: the product's outbox insert and delete, inbox rows and effects, each committed with synchronous_commit=on, are durable work it does not do (and PostgreSQL's CPU for them shares the same 2 cores). Target at batch 1000: ${targets.backboneEventsPerSecond} events/s end to end.`,
    ],
    headlineFigures.backbone(data),
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
