// A consumer in a child process, so a test can kill it with SIGKILL mid-batch.
import { Pool } from 'pg';
import { InboxConsumer } from '../inbox/inbox-consumer';
import { createKafkajsPort } from '../kafka/kafkajs-adapter';
import { balanceEffect, brokers } from './harness';
import type { SqlExecutor } from '../sql';
import type { ConsumedEvent } from '../inbox/inbox-consumer';

async function main(): Promise<void> {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const pool = new Pool({ connectionString: env('DATABASE_URL'), max: 2 });
  const kafka = createKafkajsPort({ clientId: 'killed-consumer', brokers: brokers() });
  const producer = kafka.producer();
  await producer.connect();
  const effect = balanceEffect(env('GROUP_ID'));
  const slowMs = Number(process.env.SLOW_MS ?? '0');
  const consumer = new InboxConsumer({
    groupId: env('GROUP_ID'),
    topics: [env('TOPIC')],
    kafka,
    pool,
    producer,
    deadLetterTopic: env('DEAD_LETTER_TOPIC'),
    topicPrefix: env('TOPIC_PREFIX'),
    batchSizeMax: 25,
    sessionTimeoutMs: 6_000,
    heartbeatIntervalMs: 500,
    handle: async (sql: SqlExecutor, events: readonly ConsumedEvent[]) => {
      for (const event of events) {
        await effect(sql, [event]);
        if (slowMs > 0) await new Promise((resolve) => setTimeout(resolve, slowMs));
      }
    },
  });
  await consumer.start();
}

main().catch((error) => {
  process.stderr.write(`consumer-process failed: ${String(error)}\n`);
  process.exit(1);
});
