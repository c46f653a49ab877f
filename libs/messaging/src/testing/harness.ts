// Test support for the backbone's integration tests: a fresh database with the backbone's tables and
// a test effect, the real Kafka (KAFKA_BROKERS, started by the Jest global setup) with topics under a
// unique prefix, and factories for real catalogue events.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Pool } from 'pg';
import { type EventEnvelope, paymentVerifiedV1, topicCatalogue } from '@settle/contracts';
import { applySqlFiles, createTestDatabase, type TestDatabase } from '@settle/test-support';
import { newEvent, requestCause } from '../events';
import { createKafkajsPort } from '../kafka/kafkajs-adapter';
import type { KafkaAdministration, KafkaPort, MessageProducer } from '../kafka/kafka-port';
import { type ConsumedEvent } from '../inbox/inbox-consumer';
import type { SqlExecutor } from '../sql';
import { textColumn, textColumnsSql } from '../outbox/text-column';

export const testEffectSql = `
  CREATE TABLE test_effect_log (event_id uuid NOT NULL, transaction_id text NOT NULL, amount bigint NOT NULL, applied_by text NOT NULL);
  CREATE TABLE test_balances (account_id text PRIMARY KEY, total bigint NOT NULL, applications integer NOT NULL);
`;

export interface Harness {
  readonly database: TestDatabase;
  readonly pool: Pool;
  readonly kafka: KafkaPort;
  readonly admin: KafkaAdministration;
  readonly producer: MessageProducer;
  readonly topicPrefix: string;
  readonly deadLetterTopic: string;
  /** Stops it in close() if the test did not (a failed assertion must not leave a consumer running). */
  track<T extends { stop(): Promise<void> }>(running: T): T;
  close(): Promise<void>;
}

export function brokers(): string[] {
  const value = process.env.KAFKA_BROKERS;
  if (!value)
    throw new Error('KAFKA_BROKERS is not set: the integration tests need the global setup');
  return value.split(',');
}

export async function createHarness(name: string): Promise<Harness> {
  const database = await createTestDatabase(`messaging_${name}`);
  const pool = new Pool({ connectionString: database.url, max: 8 });
  // An idle connection the server ends (the database is dropped at close) must not crash the process.
  pool.on('error', () => undefined);
  await applySqlFiles(pool, path.join(__dirname, '../../migrations'));
  await pool.query(testEffectSql);
  const kafka = createKafkajsPort({ clientId: `test-${name}`, brokers: brokers() });
  const admin = await kafka.admin();
  const topicPrefix = `t${Date.now().toString(36)}${randomUUID().slice(0, 4)}.`;
  const deadLetterTopic = `${topicPrefix}test.dead-letters.v1`;
  await admin.ensureTopics([
    ...topicCatalogue.map((topic) => ({
      name: `${topicPrefix}${topic.name}`,
      partitions: 3,
      config: {},
    })),
    { name: deadLetterTopic, partitions: 1, config: {} },
  ]);
  const producer = kafka.producer();
  await producer.connect();
  const tracked: Array<{ stop(): Promise<void> }> = [];
  return {
    database,
    pool,
    kafka,
    admin,
    producer,
    topicPrefix,
    deadLetterTopic,
    track: (running) => {
      tracked.push(running);
      return running;
    },
    close: async () => {
      await Promise.allSettled(tracked.map((running) => running.stop()));
      await producer.disconnect().catch(() => undefined);
      await admin
        .deleteTopics(
          topicCatalogue.map((topic) => `${topicPrefix}${topic.name}`).concat(deadLetterTopic),
        )
        .catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      await pool.end();
      await database.drop();
    },
  };
}

/** A real `payment.verified` event; accounts spread the events over partitions. */
export function paymentVerified(
  index: number,
  options: { accounts?: number; amount?: bigint } = {},
): EventEnvelope {
  const accountId = `acct-${index % (options.accounts ?? 7)}`;
  return newEvent(
    paymentVerifiedV1,
    {
      transactionId: `tx-${index}-${randomUUID().slice(0, 8)}`,
      consumerAccountId: accountId,
      consumerDeviceId: `dev-${index % 5}`,
      merchantId: 'merchant-1',
      terminalId: 'terminal-1',
      amount: String(options.amount ?? BigInt(100 + index)),
      currency: 'EUR',
      approvedAt: '2026-11-28T10:00:00.000Z',
      deviceCounter: String(index + 1),
      feeInputs: { merchantCategoryCode: '5411', channel: 'offline-sound' },
      verifiedAt: '2026-11-28T10:00:01.000Z',
    },
    requestCause(null, '2026-11-28T10:00:01.000Z'),
    'verifier',
  );
}

/** The test effect: a non-idempotent update (a running total) plus a log row per application. */
export function balanceEffect(appliedBy: string) {
  return async (sql: SqlExecutor, events: readonly ConsumedEvent[]): Promise<void> => {
    for (const { envelope } of events) {
      const payload = envelope.payload as {
        transactionId: string;
        consumerAccountId: string;
        amount: string;
      };
      await sql.query(
        'INSERT INTO test_effect_log (event_id, transaction_id, amount, applied_by) VALUES ($1, $2, $3, $4)',
        [envelope.eventId, payload.transactionId, payload.amount, appliedBy],
      );
      await sql.query(
        `INSERT INTO test_balances (account_id, total, applications) VALUES ($1, $2, 1)
         ON CONFLICT (account_id) DO UPDATE SET total = test_balances.total + EXCLUDED.total, applications = test_balances.applications + 1`,
        [payload.consumerAccountId, payload.amount],
      );
    }
  };
}

/**
 * The same effect written set-based, as a production handler of a bounded batch would: one statement
 * for the log and one for the balances, whatever the batch size, each column sent as one text
 * (`textColumn`, as the ledger's handlers do) rather than an array pg quotes element by element.
 */
export function balanceEffectSetBased(appliedBy: string) {
  return async (sql: SqlExecutor, events: readonly ConsumedEvent[]): Promise<void> => {
    const eventIds: string[] = [];
    const transactionIds: string[] = [];
    const accountIds: string[] = [];
    const amounts: string[] = [];
    for (const { envelope } of events) {
      const payload = envelope.payload as {
        transactionId: string;
        consumerAccountId: string;
        amount: string;
      };
      eventIds.push(envelope.eventId);
      transactionIds.push(payload.transactionId);
      accountIds.push(payload.consumerAccountId);
      amounts.push(payload.amount);
    }
    await sql.query(
      `INSERT INTO test_effect_log (event_id, transaction_id, amount, applied_by)
       SELECT event_id, transaction_id, amount, $4
         FROM unnest(${textColumnsSql(['uuid', 'text', 'bigint'])}) AS rows(event_id, transaction_id, amount)`,
      [textColumn(eventIds), textColumn(transactionIds), textColumn(amounts), appliedBy],
    );
    await sql.query(
      `INSERT INTO test_balances (account_id, total, applications)
       SELECT account_id, sum(amount), count(*)
         FROM unnest(${textColumnsSql(['text', 'bigint'])}) AS rows(account_id, amount)
        GROUP BY account_id ORDER BY account_id
       ON CONFLICT (account_id) DO UPDATE SET total = test_balances.total + EXCLUDED.total, applications = test_balances.applications + EXCLUDED.applications`,
      [textColumn(accountIds), textColumn(amounts)],
    );
  };
}

export async function effectSummary(
  pool: Pool,
): Promise<{ applied: number; distinct: number; total: bigint; balances: Record<string, string> }> {
  const log = await pool.query<{ applied: string; distinct: string; total: string | null }>(
    'SELECT count(*) AS applied, count(DISTINCT event_id) AS distinct, sum(amount)::text AS total FROM test_effect_log',
  );
  const balances = await pool.query<{ account_id: string; total: string }>(
    'SELECT account_id, total::text FROM test_balances ORDER BY account_id',
  );
  const row = log.rows[0]!;
  return {
    applied: Number(row.applied),
    distinct: Number(row.distinct),
    total: BigInt(row.total ?? '0'),
    balances: Object.fromEntries(
      balances.rows.map((balance) => [balance.account_id, balance.total]),
    ),
  };
}

export async function waitFor(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
