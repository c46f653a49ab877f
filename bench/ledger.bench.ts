// Settled payments per second through the real ledger service (payment.verified on Kafka → settlement
// consumer → journal, sub-balances, outcomes and outbox in PostgreSQL, synchronous_commit=on) at batch
// sizes 1, 100 and 1000, next to a raw-SQL baseline that does the same writes by hand with `pg` (lock
// the partitions, insert entries, postings and outcomes, upsert sub-balances, move chain heads) at
// the same batch sizes, in the same run. Run with `npm run bench -- ledger` (it starts its own Kafka).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Pool } from 'pg';
import {
  accountOpenedV1,
  createEnvelope,
  type EventEnvelope,
  kafkaPartitionOf,
  merchantOnboardedV1,
  paymentTopicPartitions,
  paymentVerifiedV1,
} from '@settle/contracts';
import {
  createKafkajsPort,
  type MessageProducer,
  textColumn,
  textColumnSql,
  textColumnsSql,
} from '@settle/messaging';
import { startTestService } from '@settle/platform/testing';
import { applySqlFiles, createTestDatabase } from '@settle/test-support';
import { ledgerAccountId } from '../apps/ledger/src/domain/accounts';
import { rebuildAndCompare } from '../apps/ledger/src/check-journal/check-journal';
import { genesisHash, partitionOf } from '../apps/ledger/src/domain/hash-chain';
import { serviceDefinition } from '../apps/ledger/src/service-definition';
import { headlineFigures, targets } from './report/headline';
import { writeResults } from './results';

const runs = [
  { batchSize: 1, payments: 1_000 },
  { batchSize: 100, payments: 20_000 },
  { batchSize: 1_000, payments: 60_000 },
];
const walletCount = 1_000;
const merchantCount = 20;
const publishChunkSize = 1_000;
const settledPollMs = 50;
const settleTimeoutMs = 600_000;
const warmUpPayments = 20;
const feeBasisPoints = 150;
const feeFixedMinorUnits = 10n;
/**
 * BENCH_ONLY=ledger:1000 runs one configuration (e.g. under --cpu-prof); a comma-separated list runs
 * several, e.g. BENCH_ONLY=ledger:1000,raw:1000 for the product next to its baseline in one run.
 */
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;

const seconds = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;
/** Linux clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on every Linux this runs on). */
const clockTicksPerSecond = 100;

/** CPU seconds (user + system) a process has used, from /proc; 0 once it has exited. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
  } catch {
    return 0;
  }
}

/** The Kafka broker of KAFKA_BROKERS: the process listening on its port (other benches may run their own). */
function benchKafkaPid(): number | null {
  const port = Number(brokers()[0]?.split(':').pop());
  const listening = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; field 9 is the socket's inode.
      if (fields[3] === '0A' && parseInt(fields[1]?.split(':')[1] ?? '', 16) === port)
        listening.add(`socket:[${fields[9]}]`);
    }
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('kafka.Kafka')) continue;
      for (const fd of readdirSync(`/proc/${entry}/fd`))
        if (listening.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) return Number(entry);
    } catch {
      // exited while listed, or not ours to read
    }
  }
  return null;
}

/**
 * CPU used during a run by this process (service, relay and publisher), by the PostgreSQL backends
 * of the run's database and by the bench's Kafka broker. On a machine shared with other work the
 * rates move 2× between runs; CPU per payment moves far less, so it is the figure to compare.
 */
async function cpuMeter(
  pool: Pool,
): Promise<() => Promise<{ processMs: number; postgresMs: number; kafkaMs: number }>> {
  const backends = async () =>
    (
      await pool.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database()',
      )
    ).rows.map((row) => row.pid);
  const startBackends = new Map((await backends()).map((pid) => [pid, processCpuSeconds(pid)]));
  const kafkaPid = benchKafkaPid();
  const kafkaStart = kafkaPid === null ? 0 : processCpuSeconds(kafkaPid);
  const processStart = process.cpuUsage();
  return async () => {
    const processUsed = process.cpuUsage(processStart);
    let postgres = 0;
    for (const pid of new Set([...startBackends.keys(), ...(await backends())]))
      postgres += processCpuSeconds(pid) - (startBackends.get(pid) ?? 0);
    return {
      processMs: (processUsed.user + processUsed.system) / 1000,
      postgresMs: postgres * 1000,
      kafkaMs: kafkaPid === null ? 0 : (processCpuSeconds(kafkaPid) - kafkaStart) * 1000,
    };
  };
}

/** CPU milliseconds per 1 000 payments, rounded. */
function perThousand(
  cpu: { processMs: number; postgresMs: number; kafkaMs: number },
  payments: number,
) {
  const per = (ms: number) => Math.round((ms * 1_000) / payments);
  return {
    processMs: per(cpu.processMs),
    postgresMs: per(cpu.postgresMs),
    kafkaMs: per(cpu.kafkaMs),
    totalMs: per(cpu.processMs + cpu.postgresMs + cpu.kafkaMs),
  };
}
const walletOwner = (index: number) => `acc_bench_${index}`;

const merchantOwner = (index: number) => `mer_bench_${index}`;

function brokers(): string[] {
  const value = process.env.KAFKA_BROKERS;
  if (!value) throw new Error('KAFKA_BROKERS is not set: run it with `npm run bench -- ledger`');
  return value.split(',');
}

function envelope(
  definition: Parameters<typeof createEnvelope>[0]['definition'],
  payload: unknown,
  index: number,
  occurredAt: string,
): EventEnvelope {
  const eventId = createHash('sha256')
    .update(`${definition.type}:${index}:${occurredAt}`)
    .digest('hex');
  const uuid = `${eventId.slice(0, 8)}-${eventId.slice(8, 12)}-4${eventId.slice(13, 16)}-8${eventId.slice(17, 20)}-${eventId.slice(20, 32)}`;
  return createEnvelope({
    definition,
    payload,
    eventId: uuid,
    occurredAt,
    producer: definition.producer,
    correlationId: uuid,
    causationId: null,
  } as Parameters<typeof createEnvelope>[0]);
}

function payment(
  run: string,
  index: number,
  occurredAt: string,
): {
  transactionId: string;
  consumerAccountId: string;
  merchantId: string;
  amount: bigint;
  envelope: EventEnvelope;
} {
  const transactionId = `txn_${run}_${index}`;
  const consumerAccountId = walletOwner(index % walletCount);
  const merchantId = merchantOwner(index % merchantCount);
  const amount = BigInt(100 + (index % 5_000));
  const payload = {
    transactionId,
    consumerAccountId,
    consumerDeviceId: `dev_${index % walletCount}`,
    merchantId,
    terminalId: `ter_${index % merchantCount}`,
    amount: amount.toString(),
    currency: 'EUR',
    approvedAt: occurredAt,
    deviceCounter: String(index + 1),
    feeInputs: { merchantCategoryCode: '5411', channel: 'offline-sound' },
    verifiedAt: occurredAt,
  };
  return {
    transactionId,
    consumerAccountId,
    merchantId,
    amount,
    envelope: envelope(paymentVerifiedV1, payload, index, occurredAt),
  };
}

async function publish(
  producer: MessageProducer,
  topic: string,
  envelopes: readonly EventEnvelope[],
): Promise<void> {
  for (let start = 0; start < envelopes.length; start += publishChunkSize) {
    const messages = envelopes
      .slice(start, start + publishChunkSize)
      .map((event) => ({ key: event.key, value: JSON.stringify(event) }));
    await producer.send([{ topic, messages }]);
  }
}

/**
 * The timed payments are published from a worker thread: publishing is the verifier's work, and on
 * the service's own event loop it delayed the consumer it was feeding (a third of the Kafka encoding
 * in the profile). The worker's CPU still counts in the process's CPU figure (≈ 33 µs per payment,
 * 2026-12-07). Same producer settings as the product's (idempotent, one request in flight, acks=all)
 * and the same placement, by kafkajs's own murmur2 partitioner (the product computes it cheaper).
 */
const publisherWorkerSource = `
const { Kafka, Partitioners, logLevel } = require('kafkajs');
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const kafka = new Kafka({ clientId: 'bench-ledger-publisher', brokers: workerData.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await new Promise((resolve) => { parentPort.once('message', resolve); parentPort.postMessage('ready'); });
  for (let start = 0; start < workerData.messages.length; start += workerData.chunkSize) {
    await producer.send({ topic: workerData.topic, acks: -1, messages: workerData.messages.slice(start, start + workerData.chunkSize) });
  }
  await producer.disconnect();
})().catch((error) => { console.error(error); process.exit(1); });
`;

/**
 * Starts the publisher worker with the serialised payments and its producer connected, and resolves
 * once it is ready, with `go` (start publishing; resolves when all are published). Serialising and
 * handing the messages over is the input's preparation, not settlement: it happens before the timer
 * and the CPU meter start (it was ≈ 1.5 s of the main thread per 60 000 payments).
 */
async function preparePublisher(
  topic: string,
  envelopes: readonly EventEnvelope[],
): Promise<{ go: () => Promise<void> }> {
  const messages = envelopes.map((event) => ({ key: event.key, value: JSON.stringify(event) }));
  const worker = new Worker(publisherWorkerSource, {
    eval: true,
    workerData: { brokers: brokers(), topic, messages, chunkSize: publishChunkSize },
  });
  const exited = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`the publisher worker exited with ${code}`)),
    );
  });
  await Promise.race([
    new Promise<void>((resolve) => worker.once('message', () => resolve())),
    exited.then(() => {
      throw new Error('the publisher worker exited before it was ready');
    }),
  ]);
  return {
    go: () => {
      worker.postMessage('go');
      return exited;
    },
  };
}

async function waitForCount(
  pool: Pool,
  sql: string,
  expected: number,
  what: string,
  parameters: unknown[] = [],
): Promise<void> {
  const deadline = Date.now() + settleTimeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(sql, parameters);
    if ((rows[0]?.n ?? 0) >= expected) return;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what} (${rows[0]?.n}/${expected})`);
    await new Promise((resolve) => setTimeout(resolve, settledPollMs));
  }
}

/**
 * The transaction id of the last payment of each Kafka partition of the input. A partition's payments
 * settle in order, so when these are settled every payment is (counted after the clock stops). The
 * clock's poll reads these few keys: a `count(*)` of the settlements every 50 ms, as before
 * 2026-12-07, cost PostgreSQL CPU that counted as the ledger's and competed with it for the cores.
 */
function lastTransactionOfEachPartition(
  payments: ReadonlyArray<{ transactionId: string; consumerAccountId: string }>,
): string[] {
  const last = new Map<number, string>();
  for (const { transactionId, consumerAccountId } of payments)
    last.set(kafkaPartitionOf(consumerAccountId, paymentTopicPartitions), transactionId);
  return [...last.values()];
}

/** The real service: accounts opened by events, fee schedules set, then N verified payments. */
async function throughLedger(batchSize: number, paymentCount: number) {
  const prefix = `bl${Date.now().toString(36)}.`;
  const test = await startTestService(serviceDefinition, {
    env: {
      SETTLE_KAFKA_TOPIC_PREFIX: prefix,
      SETTLE_KAFKA_CREATE_TOPICS: 'true',
      SETTLE_LEDGER_SETTLEMENT_BATCH_SIZE: String(batchSize),
      LOG_LEVEL: 'warn',
    },
  });
  const pool = new Pool({ connectionString: test.database.url, max: 2 });
  pool.on('error', () => undefined);
  const kafka = createKafkajsPort({ clientId: `bench-ledger-${batchSize}`, brokers: brokers() });
  const producer = kafka.producer();
  await producer.connect();
  try {
    const synchronousCommit = (
      await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')
    ).rows[0]?.synchronous_commit;
    if (synchronousCommit !== 'on') throw new Error(`synchronous_commit is ${synchronousCommit}`);
    const now = new Date().toISOString();
    // Topics are created by the service once Kafka answers; a send before that would fail.
    const admin = await kafka.admin();
    await waitUntil(async () =>
      admin.topicOffsets(`${prefix}${paymentVerifiedV1.topic}`).then(
        () => true,
        () => false,
      ),
    );
    await admin.disconnect();
    await publish(
      producer,
      `${prefix}${merchantOnboardedV1.topic}`,
      Array.from({ length: merchantCount }, (_, index) =>
        envelope(
          merchantOnboardedV1,
          {
            merchantId: merchantOwner(index),
            displayName: 'Bench Shop',
            categoryCode: '5411',
            settlementCurrency: 'EUR',
            timeZone: 'UTC',
            onboardedAt: now,
          },
          index,
          now,
        ),
      ),
    );
    await publish(
      producer,
      `${prefix}${accountOpenedV1.topic}`,
      Array.from({ length: walletCount }, (_, index) =>
        envelope(
          accountOpenedV1,
          {
            accountId: walletOwner(index),
            holderDisplayName: 'Bench Holder',
            currency: 'EUR',
            openedAt: now,
          },
          index,
          now,
        ),
      ),
    );
    await waitForCount(
      pool,
      `SELECT count(*)::int AS n FROM ledger_accounts WHERE purpose IN ('wallet', 'merchant-payable')`,
      walletCount + merchantCount,
      'accounts',
    );
    await pool.query(
      `INSERT INTO ledger_fee_schedules (merchant_id, basis_points, fixed_minor_units, effective_from, created_by, created_at)
       SELECT merchant_id, $2, $3, now() - interval '1 minute', 'bench', now() FROM unnest($1::text[]) AS merchant_id`,
      [
        Array.from({ length: merchantCount }, (_, index) => merchantOwner(index)),
        feeBasisPoints,
        feeFixedMinorUnits.toString(),
      ],
    );
    const topic = `${prefix}${paymentVerifiedV1.topic}`;
    await publish(
      producer,
      topic,
      Array.from(
        { length: warmUpPayments },
        (_, index) => payment('warm', index, new Date().toISOString()).envelope,
      ),
    );
    await waitForCount(
      pool,
      'SELECT count(*)::int AS n FROM ledger_settlements',
      warmUpPayments,
      'warm-up settlements',
    );

    const occurredAt = new Date().toISOString();
    const payments = Array.from({ length: paymentCount }, (_, index) =>
      payment(`b${batchSize}`, index, occurredAt),
    );
    const envelopes = payments.map((timed) => timed.envelope);
    const lastOfEachPartition = lastTransactionOfEachPartition(payments);
    const publisher = await preparePublisher(topic, envelopes);
    const stopCpu = await cpuMeter(pool);
    const started = process.hrtime.bigint();
    await publisher.go();
    const publishedSeconds = seconds(started);
    await waitForCount(
      pool,
      'SELECT count(*)::int AS n FROM ledger_settlements WHERE transaction_id = ANY($1::text[])',
      lastOfEachPartition.length,
      'the last payment of each Kafka partition',
      [lastOfEachPartition],
    );
    const elapsed = seconds(started);
    const cpuPerThousandPayments = perThousand(await stopCpu(), paymentCount);
    const { rows } = await pool.query<{ settled: number; entries: number; unbalanced: number }>(
      `SELECT (SELECT count(*)::int FROM ledger_settlements WHERE status = 'settled') AS settled, (SELECT count(*)::int FROM ledger_entries) AS entries,
              (SELECT count(*)::int FROM (SELECT currency FROM ledger_balances GROUP BY currency HAVING sum(debits) <> sum(credits)) AS off) AS unbalanced`,
    );
    const check = rows[0]!;
    if (
      check.settled !== warmUpPayments + paymentCount ||
      check.entries !== check.settled ||
      check.unbalanced !== 0
    )
      throw new Error(`ledger check failed: ${JSON.stringify(check)}`);
    const rebuild = await timeRebuild(pool);
    return {
      seconds: elapsed,
      settledPerSecond: paymentCount / elapsed,
      publishSeconds: publishedSeconds,
      cpuPerThousandPayments,
      rebuild,
    };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await pool.end();
    await test.stop();
  }
}

/** The admin rebuild (check every hash and link, rebuild heads and sub-balances, compare) on the run's journal. */
async function timeRebuild(
  pool: Pool,
): Promise<{ entries: number; seconds: number; entriesPerSecond: number }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const started = process.hrtime.bigint();
    const report = await rebuildAndCompare(client);
    const elapsed = seconds(started);
    if (!report.consistent)
      throw new Error(`rebuild found differences: ${JSON.stringify(report).slice(0, 500)}`);
    return {
      entries: report.entriesApplied,
      seconds: elapsed,
      entriesPerSecond: report.entriesApplied / elapsed,
    };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the service’s topics');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface RawPayment {
  transactionId: string;
  wallet: string;
  payable: string;
  amount: bigint;
  fee: bigint;
  partition: number;
}

/**
 * The same writes by hand: per batch one transaction that locks the batch's partition rows, inserts
 * entries (with a SHA-256 chain), postings and outcomes, upserts sub-balances and moves chain heads.
 * No Kafka, no inbox, no outbox, no decisions: what PostgreSQL alone allows for this schema. Each
 * outcome has an approval time, as the product's do, so the outcomes' `approved_at` index costs the
 * baseline what it costs the product. Its
 * columns travel as the product's do (one `textColumn` text per column, split in SQL), so the
 * baseline gains whatever the product gained from that encoding.
 */
async function rawSql(batchSize: number, paymentCount: number) {
  const database = await createTestDatabase('bench_ledger_raw');
  const pool = new Pool({ connectionString: database.url, max: 2 });
  pool.on('error', () => undefined);
  try {
    // The platform's tables first, as the service's migration runner does (a ledger migration extends one).
    await applySqlFiles(pool, path.join(__dirname, '..', 'libs', 'platform', 'migrations'));
    await applySqlFiles(pool, path.join(__dirname, '..', 'apps', 'ledger', 'migrations'));
    const payments: RawPayment[] = Array.from({ length: paymentCount }, (_, index) => {
      const amount = BigInt(100 + (index % 5_000));
      const consumer = walletOwner(index % walletCount);
      return {
        transactionId: `txn_raw_${index}`,
        wallet: ledgerAccountId('wallet', consumer),
        payable: ledgerAccountId('merchant-payable', merchantOwner(index % merchantCount)),
        amount,
        fee: (amount * BigInt(feeBasisPoints)) / 10_000n + feeFixedMinorUnits,
        partition: partitionOf(consumer),
      };
    });
    const heads = new Map<number, { sequence: bigint; hash: string }>();
    const stopCpu = await cpuMeter(pool);
    const started = process.hrtime.bigint();
    for (let start = 0; start < payments.length; start += batchSize) {
      await rawBatch(pool, payments.slice(start, start + batchSize), heads);
    }
    const elapsed = seconds(started);
    const cpu = await stopCpu();
    return {
      seconds: elapsed,
      settledPerSecond: paymentCount / elapsed,
      cpuPerThousandPayments: perThousand({ ...cpu, kafkaMs: 0 }, paymentCount),
    };
  } finally {
    await pool.end();
    await database.drop();
  }
}

async function rawBatch(
  pool: Pool,
  batch: readonly RawPayment[],
  heads: Map<number, { sequence: bigint; hash: string }>,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const partitions = [...new Set(batch.map((row) => row.partition))].sort((a, b) => a - b);
    await client.query(
      `SELECT partition FROM ledger_partitions WHERE partition = ANY(${textColumnSql(1, 'int')}) ORDER BY partition FOR UPDATE`,
      [textColumn(partitions)],
    );
    const postedAt = new Date().toISOString();
    const entries = batch.map((row) => {
      const head = heads.get(row.partition) ?? { sequence: 0n, hash: genesisHash };
      const sequence = head.sequence + 1n;
      const hash = createHash('sha256')
        .update(`${row.transactionId}|${sequence}|${row.amount}|${row.fee}|${head.hash}`)
        .digest('hex');
      heads.set(row.partition, { sequence, hash });
      return {
        ...row,
        entryId: `ent_${row.transactionId}`,
        sequence,
        previousHash: head.hash,
        hash,
      };
    });
    await client.query(
      `INSERT INTO ledger_entries (entry_id, partition, sequence, partition_key, kind, idempotency_key, transaction_id, original_entry_id, fee_schedule_version, previous_hash, hash, posted_at)
       SELECT entry_id, partition, sequence, partition_key, 'payment', transaction_id, transaction_id, NULL, 'fee-schedule-1', previous_hash, hash, $7::timestamptz
         FROM unnest(${textColumnsSql(['text', 'int', 'bigint', 'text', 'text', 'text'])}, ${textColumnSql(8)}) AS e(entry_id, partition, sequence, partition_key, transaction_id, previous_hash, hash)`,
      [
        textColumn(entries.map((e) => e.entryId)),
        textColumn(entries.map((e) => e.partition)),
        textColumn(entries.map((e) => e.sequence.toString())),
        textColumn(entries.map((e) => e.wallet)),
        textColumn(entries.map((e) => e.transactionId)),
        textColumn(entries.map((e) => e.previousHash)),
        postedAt,
        textColumn(entries.map((e) => e.hash)),
      ],
    );
    const legs = entries.flatMap((e) => [
      {
        entryId: e.entryId,
        index: 0,
        account: e.wallet,
        partition: e.partition,
        side: 'debit',
        amount: e.amount,
      },
      {
        entryId: e.entryId,
        index: 1,
        account: e.payable,
        partition: e.partition,
        side: 'credit',
        amount: e.amount - e.fee,
      },
      {
        entryId: e.entryId,
        index: 2,
        account: 'fee-revenue_EUR',
        partition: e.partition,
        side: 'credit',
        amount: e.fee,
      },
    ]);
    await client.query(
      `INSERT INTO ledger_postings (entry_id, posting_index, account_id, partition, side, amount, currency, posted_at)
       SELECT *, 'EUR', $7::timestamptz FROM unnest(${textColumnsSql(['text', 'smallint', 'text', 'int', 'text', 'bigint'])})`,
      [
        textColumn(legs.map((l) => l.entryId)),
        textColumn(legs.map((l) => l.index)),
        textColumn(legs.map((l) => l.account)),
        textColumn(legs.map((l) => l.partition)),
        textColumn(legs.map((l) => l.side)),
        textColumn(legs.map((l) => l.amount.toString())),
        postedAt,
      ],
    );
    const deltas = new Map<
      string,
      { account: string; partition: number; debits: bigint; credits: bigint }
    >();
    for (const leg of legs) {
      const key = `${leg.account}\u0000${leg.partition}`;
      const delta = deltas.get(key) ?? {
        account: leg.account,
        partition: leg.partition,
        debits: 0n,
        credits: 0n,
      };
      if (leg.side === 'debit') delta.debits += leg.amount;
      else delta.credits += leg.amount;
      deltas.set(key, delta);
    }
    const sorted = [...deltas.values()].sort((a, b) =>
      a.account < b.account ? -1 : a.account > b.account ? 1 : a.partition - b.partition,
    );
    await client.query(
      `INSERT INTO ledger_balances AS balance (account_id, partition, currency, debits, credits)
       SELECT a, p, 'EUR', d, c FROM unnest(${textColumnsSql(['text', 'int', 'bigint', 'bigint'])}) AS x(a, p, d, c)
       ON CONFLICT (account_id, partition) DO UPDATE SET debits = balance.debits + excluded.debits, credits = balance.credits + excluded.credits`,
      [
        textColumn(sorted.map((d) => d.account)),
        textColumn(sorted.map((d) => d.partition)),
        textColumn(sorted.map((d) => d.debits.toString())),
        textColumn(sorted.map((d) => d.credits.toString())),
      ],
    );
    await client.query(
      `UPDATE ledger_partitions AS chain SET last_sequence = head.sequence, last_hash = head.hash
         FROM unnest(${textColumnsSql(['int', 'bigint', 'text'])}) AS head(partition, sequence, hash) WHERE chain.partition = head.partition`,
      [
        textColumn(partitions),
        textColumn(partitions.map((p) => heads.get(p)!.sequence.toString())),
        textColumn(partitions.map((p) => heads.get(p)!.hash)),
      ],
    );
    await client.query(
      `INSERT INTO ledger_settlements (transaction_id, consumer_account_id, merchant_id, amount, currency, status, reason_code, fee, merchant_amount, entry_id, fee_schedule_version, approved_at, decided_at)
       SELECT t, w, m, a, 'EUR', 'settled', NULL, f, a - f, e, 'fee-schedule-1', $6::timestamptz, $6::timestamptz FROM unnest(${textColumnsSql(['text', 'text', 'text', 'bigint', 'bigint'])}, ${textColumnSql(7)}) AS x(t, w, m, a, f, e)`,
      [
        textColumn(entries.map((e) => e.transactionId)),
        textColumn(entries.map((e) => e.wallet)),
        textColumn(entries.map((e) => e.payable)),
        textColumn(entries.map((e) => e.amount.toString())),
        textColumn(entries.map((e) => e.fee.toString())),
        postedAt,
        textColumn(entries.map((e) => e.entryId)),
      ],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function main(): Promise<void> {
  const results = [];
  for (const run of runs) {
    const ledger =
      !only || only.has(`ledger:${run.batchSize}`)
        ? await throughLedger(run.batchSize, run.payments)
        : null;
    const raw =
      !only || only.has(`raw:${run.batchSize}`) ? await rawSql(run.batchSize, run.payments) : null;
    const result = {
      ...run,
      ledger,
      raw,
      ratio: ledger && raw ? ledger.settledPerSecond / raw.settledPerSecond : null,
    };
    results.push(result);
    console.log(JSON.stringify(result));
  }
  if (only) return;
  const rate = (value: number | undefined) =>
    value === undefined ? '—' : String(Math.round(value));
  const atThousand = results.find((result) => result.batchSize === 1_000);
  const data = {
    description:
      'payment.verified on Kafka → ledger settlement consumer (inbox, decisions, hash chain, entries, postings, sub-balances, outcomes, outbox in one transaction per batch) → settled; PostgreSQL synchronous_commit=on; the outbox relay runs in the same service',
    walletCount,
    merchantCount,
    baseline: {
      what: 'the same inserts, sub-balance upserts and chain-head updates written by hand with pg, one transaction per batch, no Kafka/inbox/outbox/decisions',
    },
    results,
    targets: {
      settledPerSecondAtBatch1000: targets.ledgerSettledPerSecond,
      ratioToBaselineAtBatch1000: targets.ledgerRatio,
    },
    metAtBatch1000:
      atThousand?.ledger && atThousand.ratio !== null
        ? {
            throughput: atThousand.ledger.settledPerSecond >= targets.ledgerSettledPerSecond,
            ratio: atThousand.ratio >= targets.ledgerRatio,
          }
        : null,
    rebuild: {
      what: 'POST /admin/journal/rebuild: recompute every entry hash and check every link, rebuild sub-balances and heads from the verified entries, compare them with the live ones (set-based in PostgreSQL)',
      ...atThousand?.ledger?.rebuild,
    },
  };
  writeResults(
    'ledger',
    data,
    [
      '| batch | payments | ledger settled/s | raw SQL baseline settled/s | ledger / baseline |',
      '|---:|---:|---:|---:|---:|',
      ...results.map(
        (run) =>
          `| ${run.batchSize} | ${run.payments} | ${rate(run.ledger?.settledPerSecond)} | ${rate(run.raw?.settledPerSecond)} | ${run.ratio === null ? '—' : `${Math.round(run.ratio * 100)} %`} |`,
      ),
      '',
      'CPU per settled payment, µs (user + system, from /proc: this process — service, relay and the publisher worker —, the PostgreSQL backends of the run’s database, the bench’s Kafka broker); less sensitive than a rate to other work on the machine:',
      '',
      '| batch | ledger: process | PostgreSQL | Kafka | total | raw SQL: process | PostgreSQL | total |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...results.map((run) => {
        const ledger = run.ledger?.cpuPerThousandPayments;
        const raw = run.raw?.cpuPerThousandPayments;
        return `| ${run.batchSize} | ${ledger?.processMs ?? '—'} | ${ledger?.postgresMs ?? '—'} | ${ledger?.kafkaMs ?? '—'} | ${ledger?.totalMs ?? '—'} | ${raw?.processMs ?? '—'} | ${raw?.postgresMs ?? '—'} | ${raw?.totalMs ?? '—'} |`;
      }),
      '',
      `Rebuild (recompute every hash and link, rebuild heads and sub-balances, compare with the live ones; set-based in PostgreSQL) of the batch-1000 run's journal: ${atThousand?.ledger?.rebuild.entries ?? '—'} entries at ${rate(atThousand?.ledger?.rebuild.entriesPerSecond)} entries/s.`,
      '',
      `Ledger: ${walletCount} wallets and ${merchantCount} merchants opened by events, a fee schedule per merchant; time from the first publish until every payment has its outcome row. Baseline: the same writes by hand with pg. synchronous_commit=on. Targets at batch 1000: ${targets.ledgerSettledPerSecond} settled/s and ${targets.ledgerRatio * 100} % of the baseline.`,
    ],
    headlineFigures.ledger(data),
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
