// Regressions (found by test/e2e/faults-under-load.faults-spec.ts). pg leaves a checked-out client
// without an error listener, so the server ending a session (pg_terminate_backend, a failover) while a
// service held it went unhandled and killed the whole service.
//
// The relay holds one checked-out
// connection for its bucket locks, and pg leaves a checked-out client without an error listener. When
// the server ended that session while the relay idled (pg_terminate_backend, a failover), the 'error'
// event went unhandled and killed the whole service. Now the relay drops the connection, reconnects
// and goes on relaying.
import { Client } from 'pg';
import { postgresAdminUrl } from '@settle/test-support';
import { OutboxRelay } from './outbox/outbox-relay';
import { appendToOutbox } from './outbox/outbox-writer';
import { inTransaction } from './sql';
import { createHarness, type Harness, paymentVerified, waitFor } from './testing/harness';

const relayedWithinMs = 30_000;

describe('outbox relay when PostgreSQL ends its session', () => {
  let harness: Harness;
  beforeAll(async () => (harness = await createHarness('relay-loss')));
  afterAll(() => harness.close());

  it('reconnects and relays what is written afterwards, without an unhandled error', async () => {
    const relay = harness.track(
      new OutboxRelay({ connect: () => harness.pool.connect(), producer: harness.producer }),
    );
    relay.start();
    const outboxEmpty = async () =>
      (await harness.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM messaging_outbox'))
        .rows[0]!.n === 0;
    await inTransaction(harness.pool, (sql) =>
      appendToOutbox(sql, [paymentVerified(1)], { topicPrefix: harness.topicPrefix }),
    );
    await waitFor(outboxEmpty, relayedWithinMs, 'the first event relayed');

    expect(await terminateSessionsOf(harness.database.name)).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await inTransaction(harness.pool, (sql) =>
      appendToOutbox(sql, [paymentVerified(2)], { topicPrefix: harness.topicPrefix }),
    );
    await waitFor(outboxEmpty, relayedWithinMs, 'the second event relayed after the session ended');

    expect(relay.status()).toMatchObject({ running: true, published: 2 });
  });
});

describe('inTransaction when PostgreSQL ends its session between two queries', () => {
  let harness: Harness;
  beforeAll(async () => (harness = await createHarness('tx-loss')));
  afterAll(() => harness.close());

  it('rejects, rolls back and leaves the pool usable, without an unhandled error', async () => {
    const outcome = inTransaction(harness.pool, async (sql) => {
      await appendToOutbox(sql, [paymentVerified(1)], { topicPrefix: harness.topicPrefix });
      const { rows } = await sql.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await terminateSession(rows[0]!.pid);
      // The 'error' event of the ended session arrives while the transaction still holds the client.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await sql.query('SELECT 1');
    });
    await expect(outcome).rejects.toThrow();

    expect(
      (await harness.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM messaging_outbox'))
        .rows[0]!.n,
    ).toBe(0);
    await inTransaction(harness.pool, (sql) =>
      appendToOutbox(sql, [paymentVerified(2)], { topicPrefix: harness.topicPrefix }),
    );
    expect(
      (await harness.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM messaging_outbox'))
        .rows[0]!.n,
    ).toBe(1);
  });
});

async function terminateSession(pid: number): Promise<void> {
  const admin = new Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

/** pg_terminate_backend on every session of `database` (the relay's among them); how many there were. */
async function terminateSessionsOf(database: string): Promise<number> {
  const admin = new Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: number }>(
      'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    return rows[0]!.n;
  } finally {
    await admin.end();
  }
}
