// What a load run left behind, read where it is kept: the verifier's transactions (final state and
// times: uploaded, decided, settled), the ledger's payment entries and outcomes per transaction,
// balances, the journal's hash chains (the ledger's own check, POST /admin/journal/verify-chain) and
// the dead-letter topics' contents (their offsets).
import { expectStatus, ledgerAdmin, sleep } from '@settle/demo';
import { deadLetterTopicOf } from '@settle/messaging';
import { serviceNames, type ServiceStack } from '@settle/service-stack';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';

/** The verifier's states after which nothing changes. */
export const finalVerifierStatuses: readonly string[] = [
  'settled',
  'rejected',
  'settlement-failed',
];
/** How often {@link waitUntilFinal} reads the verifier's database. */
export const finalPollMs = 500;

export interface TransactionOutcome {
  readonly status: string;
  readonly reasonCode: string | null;
  readonly uploadedAt: Date;
  readonly decidedAt: Date | null;
  readonly settledAt: Date | null;
}

export interface ChainCheck {
  readonly ok: boolean;
  readonly entriesVerified: number;
  readonly brokenPartitions: number;
}

export interface LoadOutcome {
  /** The verifier's transactions by id. */
  readonly transactions: ReadonlyMap<string, TransactionOutcome>;
  /** Payment entries in the ledger's journal per transaction id (more than one: settled twice). */
  readonly paymentEntries: ReadonlyMap<string, number>;
  /** The ledger's outcome per transaction id (`settled` or `failed`). */
  readonly ledgerOutcomes: ReadonlyMap<string, string>;
  /** Every ledger account's balance on its normal side (credit − debit: wallets, payables and fee revenue are credit-normal). */
  readonly balances: ReadonlyMap<string, bigint>;
  readonly chain: ChainCheck;
  /** Messages in each service's dead-letter topic (absent topics count 0). */
  readonly deadLetters: Readonly<Record<string, number>>;
}

/** Reads the outcome of a run from the stack's databases, its ledger and its Kafka. */
export async function readOutcome(stack: ServiceStack): Promise<LoadOutcome> {
  const [transactions, ledger, chain, deadLetters] = await Promise.all([
    readVerifierTransactions(stack),
    readLedger(stack),
    verifyChains(stack),
    countDeadLetters(stack),
  ]);
  return { transactions, ...ledger, chain, deadLetters };
}

/** Waits until every id in `transactionIds` is final at the verifier (or `timeoutMs` passed); returns those that are not. */
export async function waitUntilFinal(
  stack: ServiceStack,
  transactionIds: readonly string[],
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const transactions = await readVerifierTransactions(stack);
    const pending = transactionIds.filter(
      (id) => !finalVerifierStatuses.includes(transactions.get(id)?.status ?? 'unknown'),
    );
    if (pending.length === 0 || Date.now() > deadline) return pending;
    await sleep(finalPollMs);
  }
}

/** Upload → settled (verifier's settled_at − uploaded_at) of every settled transaction, in ms, ascending. */
export function uploadToSettledMs(outcome: LoadOutcome): number[] {
  return [...outcome.transactions.values()]
    .filter((transaction) => transaction.settledAt !== null)
    .map((transaction) => transaction.settledAt!.getTime() - transaction.uploadedAt.getTime())
    .sort((a, b) => a - b);
}

/** The `p`-th percentile (0–100, nearest rank) of ascending `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  return values[
    Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1))
  ]!;
}

export async function readVerifierTransactions(
  stack: ServiceStack,
): Promise<Map<string, TransactionOutcome>> {
  const rows = await query<{
    transaction_id: string;
    status: string;
    reason_code: string | null;
    uploaded_at: Date;
    decided_at: Date | null;
    settled_at: Date | null;
  }>(
    stack.services.verifier.databaseUrl,
    'SELECT transaction_id, status, reason_code, uploaded_at, decided_at, settled_at FROM verifier_transactions',
  );
  return new Map(
    rows.map((row) => [
      row.transaction_id,
      {
        status: row.status,
        reasonCode: row.reason_code,
        uploadedAt: row.uploaded_at,
        decidedAt: row.decided_at,
        settledAt: row.settled_at,
      },
    ]),
  );
}

async function readLedger(
  stack: ServiceStack,
): Promise<Pick<LoadOutcome, 'paymentEntries' | 'ledgerOutcomes' | 'balances'>> {
  const url = stack.services.ledger.databaseUrl;
  const [entries, outcomes, balances] = await Promise.all([
    query<{ transaction_id: string; n: number }>(
      url,
      "SELECT transaction_id, count(*)::int AS n FROM ledger_entries WHERE kind = 'payment' GROUP BY transaction_id",
    ),
    query<{ transaction_id: string; status: string }>(
      url,
      'SELECT transaction_id, status FROM ledger_settlements',
    ),
    query<{ account_id: string; balance: string }>(
      url,
      'SELECT account_id, sum(credits - debits)::text AS balance FROM ledger_balances GROUP BY account_id',
    ),
  ]);
  return {
    paymentEntries: new Map(entries.map((row) => [row.transaction_id, row.n])),
    ledgerOutcomes: new Map(outcomes.map((row) => [row.transaction_id, row.status])),
    balances: new Map(balances.map((row) => [row.account_id, BigInt(row.balance)])),
  };
}

async function verifyChains(stack: ServiceStack): Promise<ChainCheck> {
  const report = expectStatus(
    await ledgerAdmin(stack.endpoints, 'POST', '/admin/journal/verify-chain'),
    200,
    'verify the journal chains',
  ).body;
  return {
    ok: report['ok'] === true,
    entriesVerified: Number(report['entriesVerified']),
    brokenPartitions: Number(report['brokenPartitions']),
  };
}

/** Messages each service's dead-letter topic holds: high watermark − low watermark over its partitions. */
async function countDeadLetters(stack: ServiceStack): Promise<Record<string, number>> {
  const admin = new Kafka({
    clientId: 'load-outcome',
    brokers: stack.kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const counts: Record<string, number> = {};
    for (const service of serviceNames) {
      const topic = `${stack.topicPrefix}${deadLetterTopicOf(service)}`;
      const offsets = existing.has(topic) ? await admin.fetchTopicOffsets(topic) : [];
      counts[topic] = offsets.reduce(
        (sum, partition) => sum + Number(partition.high) - Number(partition.low),
        0,
      );
    }
    return counts;
  } finally {
    await admin.disconnect();
  }
}

async function query<TRow extends Record<string, unknown>>(
  url: string,
  sql: string,
): Promise<TRow[]> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    return (await pool.query<TRow>(sql)).rows;
  } finally {
    await pool.end();
  }
}
