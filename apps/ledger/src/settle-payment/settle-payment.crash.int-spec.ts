// The ledger killed with SIGKILL in the middle of settling under load, then restarted on the same
// database and topics: every payment settles exactly once, balances are exact, chains are intact.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Pool } from 'pg';
import {
  accountOpenedV1,
  type EventEnvelope,
  merchantOnboardedV1,
  paymentVerifiedV1,
} from '@settle/contracts';
import { createKafkajsPort, type KafkaPort, type MessageProducer } from '@settle/messaging';
import { createTestDatabase, type TestDatabase } from '@settle/test-support';
import { rebuildAndCompare } from '../check-journal/check-journal';
import {
  accountOpened,
  merchantOnboarded,
  paymentVerified,
  uniqueId,
  waitFor,
} from '../testing/ledger-test-kit';

const walletCount = 40;
const paymentCount = 3_000;
const settlementBatchSize = 50;
/** Kill once this many payments have settled (well before all of them). */
const killAfterSettled = 400;

describe('ledger killed mid-batch', () => {
  let database: TestDatabase;
  let pool: Pool;
  let kafka: KafkaPort;
  let producer: MessageProducer;
  let child: ChildProcess | undefined;
  const prefix = `t${randomBytes(4).toString('hex')}.`;

  const startLedgerProcess = (): ChildProcess => {
    const started = spawn(
      process.execPath,
      ['-r', '@swc-node/register', path.join(__dirname, '../testing/ledger-process.ts')],
      {
        env: {
          ...process.env,
          DATABASE_URL: database.url,
          SETTLE_HTTP_PORT: '0',
          SETTLE_KAFKA_TOPIC_PREFIX: prefix,
          SETTLE_KAFKA_CREATE_TOPICS: 'true',
          SETTLE_LEDGER_SETTLEMENT_BATCH_SIZE: String(settlementBatchSize),
          LOG_LEVEL: 'warn',
          SWC_NODE_PROJECT: path.join(__dirname, '../../../../tsconfig.json'),
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    child = started;
    return started;
  };
  const count = async (sql: string): Promise<number> =>
    (await pool.query<{ n: number }>(sql)).rows[0]?.n ?? 0;
  const publish = (topic: string, envelopes: readonly EventEnvelope[]) =>
    producer.send([
      {
        topic: `${prefix}${topic}`,
        messages: envelopes.map((envelope) => ({
          key: envelope.key,
          value: JSON.stringify(envelope),
        })),
      },
    ]);

  beforeAll(async () => {
    database = await createTestDatabase('settle_test_ledger_crash');
    pool = new Pool({ connectionString: database.url, max: 2 });
    pool.on('error', () => undefined);
    kafka = createKafkajsPort({
      clientId: `ledger-crash-${prefix}`,
      brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    });
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await producer?.disconnect().catch(() => undefined);
    await pool?.end();
    await database?.drop();
  });

  it('settles every payment exactly once after a SIGKILL and a restart, with exact balances and intact chains', async () => {
    const first = startLedgerProcess();
    const merchantId = uniqueId('mer');
    const wallets = Array.from({ length: walletCount }, () => uniqueId('acc'));
    // The service creates its topics once it is up; publishing waits for that.
    await waitFor(
      async () => {
        const admin = await kafka.admin();
        return admin
          .topicOffsets(`${prefix}ledger.dead-letters.v1`)
          .then(
            () => true,
            () => false,
          )
          .finally(() => admin.disconnect());
      },
      60_000,
      'the ledger up, with its topics',
    );
    await publish(merchantOnboardedV1.topic, [merchantOnboarded(merchantId)]);
    await publish(
      accountOpenedV1.topic,
      wallets.map((wallet) => accountOpened(wallet)),
    );
    await waitFor(
      async () =>
        (await count(
          `SELECT count(*)::int AS n FROM ledger_accounts WHERE purpose IN ('wallet', 'merchant-payable')`,
        )) ===
        walletCount + 1,
      60_000,
      'accounts',
    );
    await pool.query(
      `INSERT INTO ledger_fee_schedules (merchant_id, basis_points, fixed_minor_units, effective_from, created_by, created_at) VALUES ($1, 150, 3, now() - interval '1 minute', 'test', now())`,
      [merchantId],
    );

    const payments = Array.from({ length: paymentCount }, (_, index) =>
      paymentVerified({
        consumerAccountId: wallets[index % walletCount]!,
        merchantId,
        amount: String(100 + index),
      }),
    );
    for (let start = 0; start < payments.length; start += 500)
      await publish(paymentVerifiedV1.topic, payments.slice(start, start + 500));

    await waitFor(
      async () =>
        (await count('SELECT count(*)::int AS n FROM ledger_settlements')) >= killAfterSettled,
      60_000,
      'settlement under way',
    );
    // Kill while a settlement transaction of the service is open (the test's own connections hold none).
    await waitFor(
      async () =>
        (await count(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`,
        )) > 0,
      10_000,
      'a transaction in flight',
    );
    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await exited;
    const settledAtKill = await count('SELECT count(*)::int AS n FROM ledger_settlements');
    expect(settledAtKill).toBeLessThan(paymentCount);

    startLedgerProcess();
    await waitFor(
      async () =>
        (await count('SELECT count(*)::int AS n FROM ledger_settlements')) === paymentCount,
      120_000,
      'every payment settled after the restart',
    );

    // Exactly once: one entry and one settled outcome per transaction, nothing failed.
    expect(
      await count(`SELECT count(*)::int AS n FROM ledger_settlements WHERE status = 'settled'`),
    ).toBe(paymentCount);
    expect(
      await count(`SELECT count(*)::int AS n FROM ledger_entries WHERE kind = 'payment'`),
    ).toBe(paymentCount);
    expect(await count(`SELECT count(DISTINCT transaction_id)::int AS n FROM ledger_entries`)).toBe(
      paymentCount,
    );

    // Balances exact: each wallet is down by what it paid; the merchant and fee revenue share it.
    const fee = (amount: bigint) => (amount * 150n) / 10_000n + 3n;
    const expectedWallet = new Map<string, bigint>();
    let expectedFees = 0n;
    let expectedMerchant = 0n;
    payments.forEach((_, index) => {
      const amount = BigInt(100 + index);
      const wallet = `wallet_${wallets[index % walletCount]!}`;
      expectedWallet.set(wallet, (expectedWallet.get(wallet) ?? 0n) - amount);
      expectedFees += fee(amount);
      expectedMerchant += amount - fee(amount);
    });
    const { rows } = await pool.query<{ account_id: string; balance: string }>(
      `SELECT account_id, sum(credits - debits)::text AS balance FROM ledger_balances WHERE account_id = ANY($1::text[]) GROUP BY account_id`,
      [[...expectedWallet.keys(), `payable_${merchantId}`, 'fee-revenue_EUR']],
    );
    const actual = new Map(rows.map((row) => [row.account_id, BigInt(row.balance)]));
    for (const [wallet, balance] of expectedWallet)
      expect({ wallet, balance: actual.get(wallet) }).toEqual({ wallet, balance });
    expect(actual.get(`payable_${merchantId}`)).toBe(expectedMerchant);
    expect(actual.get('fee-revenue_EUR')).toBe(expectedFees);

    // Chains intact and the live projections equal a rebuild from the journal.
    const client = await pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const report = await rebuildAndCompare(client);
      expect(report).toMatchObject({
        consistent: true,
        entriesApplied: paymentCount,
        chain: { ok: true },
        headMismatchCount: 0,
        balanceMismatchCount: 0,
      });
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }, 300_000);
});
