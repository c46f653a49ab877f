import { randomBytes } from 'node:crypto';
import { type LedgerEntryPostedV1 } from '@settle/contracts';
import {
  type EventsOf,
  inTransaction,
  withConnection,
  type KafkaPort,
  type SqlExecutor,
  type SqlPool,
} from '@settle/messaging';
import { entryOfSettledPayment, type TopicEntry } from '../adapters/ledger-events';
import { appendEntries } from '../adapters/postgres/journal-store';
import { assert } from '../domain/assert';
import { type PostedEntry } from '../domain/entry';
import {
  type ChainHead,
  genesisHead,
  ledgerPartitionCount,
  verifyChain,
} from '../domain/hash-chain';
import { OpenAccountsConsumer } from '../open-accounts/open-accounts.consumer';
import { type PartitionBreak, type RebuildReport, reportedMismatchesMax } from './check-journal';
import { type ReadEvent, readTopicsToEnd } from './read-topics-to-end';

/** Scratch schemas are named `ledger_rebuild_<UTC time>_<random>`. */
export const rebuildSchemaPrefix = 'ledger_rebuild_';
/** Entries appended per statement group while filling the scratch tables (in chain order). */
export const rebuildAppendChunkEntries = 5_000;
/** Registry events handed to the accounts handler per call. */
export const rebuildAccountEventsChunk = 1_000;

/**
 * What the rebuild reads (docs/ledger.md, "Rebuild from the topic"): the registry's account and
 * merchant events through the live accounts handler; the journal from `ledger.entries.v1` and, for
 * payment entries since payment.settled v2, `payments.settlements.v1` (v3: the entry's place in
 * the chain, the rest following from the event and the previous entry), entry by entry as it was
 * posted (ids, times, fee schedule versions and chain order are facts of the past
 * that re-deciding `payment.verified` could not reproduce); `payments.verified.v1` to check that
 * every payment entry answers a verified payment.
 */
export const rebuildSourceTopics = {
  accounts: ['registry.accounts.v1', 'registry.merchants.v1'],
  journal: 'ledger.entries.v1',
  /** payment.settled v2 and v3 carry their payment's entry (no ledger.entry-posted for it). */
  settlements: 'payments.settlements.v1',
  payments: 'payments.verified.v1',
} as const;

/** The tables a rebuild fills, created empty in the scratch schema like the live ones. */
const rebuiltTables = [
  'ledger_accounts',
  'ledger_merchant_settings',
  'ledger_partitions',
  'ledger_entries',
  'ledger_postings',
  'ledger_balances',
] as const;

export interface RebuildFromTopicReport {
  readonly consistent: boolean;
  readonly schema: string;
  /** False: the scratch schema was dropped after the comparison. */
  readonly schemaKept: boolean;
  readonly messagesRead: number;
  /** Messages the inbox would dead-letter or pause on; none in a sound deployment. */
  readonly undecodableMessages: number;
  readonly accountEventsApplied: number;
  readonly entries: {
    readonly read: number;
    readonly duplicates: number;
    readonly conflicting: number;
    readonly applied: number;
  };
  /** Chain check of the entries read, per partition from genesis; a partition stops at its first break. */
  readonly chain: {
    readonly ok: boolean;
    readonly breaks: readonly PartitionBreak[];
    readonly brokenPartitions: number;
  };
  /** Payment entries with no payment.verified of the same transaction, wallet, amount and currency. */
  readonly paymentEntriesWithoutVerifiedPayment: number;
  readonly paymentEntriesWithoutVerifiedPaymentIds: readonly string[];
  /** Entry events still in the live outbox: when above zero the topic lags the live tables. */
  readonly unpublishedEntryEvents: number;
  readonly accountMismatches: ReadonlyArray<{
    accountId: string;
    live: string | null;
    rebuilt: string | null;
  }>;
  readonly accountMismatchCount: number;
  readonly headMismatches: RebuildReport['headMismatches'];
  readonly headMismatchCount: number;
  readonly balanceMismatches: RebuildReport['balanceMismatches'];
  readonly balanceMismatchCount: number;
  /** Debits and credits per currency over the rebuilt sub-balances. */
  readonly trialBalance: RebuildReport['trialBalance'];
}

/**
 * Rebuild from the topics into empty tables: reads the source topics from their earliest offsets
 * (own consumer group, no commits), applies them into a fresh scratch schema with the live
 * handlers (accounts) and the live journal writer (`appendEntries`, after each hash link is
 * verified), then compares accounts, chain heads, sub-balances and debits = credits with the live
 * tables in one snapshot. Changes nothing live.
 */
export async function rebuildFromTopicAndCompare(
  pool: SqlPool,
  kafka: KafkaPort,
  options: { readonly topicPrefix: string; readonly keepSchema?: boolean; readonly now?: Date },
): Promise<RebuildFromTopicReport> {
  const schema = scratchSchemaName(options.now ?? new Date());
  // Kept of what is read: the registry events (compacted topics), the entries, and of each verified
  // payment only what a payment entry is checked against.
  const accountEvents: AccountEvent[] = [];
  const collector = new EntryCollector();
  const verifiedPayments = new Map<string, string>();
  const read = await readTopicsToEnd(kafka, {
    topics: [
      ...rebuildSourceTopics.accounts,
      rebuildSourceTopics.journal,
      rebuildSourceTopics.settlements,
      rebuildSourceTopics.payments,
    ],
    topicPrefix: options.topicPrefix,
    groupPrefix: `ledger.rebuild-from-topic`,
    onEvent: (topic, event) => {
      if (topic === rebuildSourceTopics.journal || topic === rebuildSourceTopics.settlements)
        collector.add(event);
      else if (topic === rebuildSourceTopics.payments)
        rememberVerifiedPayment(verifiedPayments, event);
      else if (
        event.envelope.type === 'account.opened' ||
        event.envelope.type === 'merchant.onboarded'
      )
        accountEvents.push({ ...event, envelope: event.envelope });
    },
  });
  const liveSchema = await createScratchSchema(pool, schema);
  try {
    await inScratchSchema(pool, schema, (sql) => applyAccountEvents(sql, accountEvents));
    const journal = collector.inChainOrder();
    const chain = verifyEntries(journal.entries);
    await inScratchSchema(pool, schema, (sql) => appendInChunks(sql, chain.verified));
    const unmatched = paymentsWithoutVerifiedEvent(chain.verified, verifiedPayments);
    const compared = await compareWithLive(
      pool,
      liveSchema,
      schema,
      [rebuildSourceTopics.journal, rebuildSourceTopics.settlements].map(
        (topic) => `${options.topicPrefix}${topic}`,
      ),
    );
    assert(
      chain.verified.length + chain.breaks.length <= journal.entries.length,
      'only entries read are applied',
    );
    return {
      consistent:
        read.undecodable === 0 &&
        journal.conflicting === 0 &&
        chain.breaks.length === 0 &&
        unmatched.length === 0 &&
        compared.accountMismatchCount === 0 &&
        compared.headMismatchCount === 0 &&
        compared.balanceMismatchCount === 0 &&
        compared.trialBalance.every((currency) => currency.balanced),
      schema,
      schemaKept: options.keepSchema === true,
      messagesRead: read.messagesRead,
      undecodableMessages: read.undecodable,
      accountEventsApplied: accountEvents.length,
      entries: {
        read: journal.read,
        duplicates: journal.duplicates,
        conflicting: journal.conflicting,
        applied: chain.verified.length,
      },
      chain: {
        ok: chain.breaks.length === 0,
        breaks: chain.breaks.slice(0, reportedMismatchesMax),
        brokenPartitions: chain.breaks.length,
      },
      paymentEntriesWithoutVerifiedPayment: unmatched.length,
      paymentEntriesWithoutVerifiedPaymentIds: unmatched.slice(0, reportedMismatchesMax),
      ...compared,
    };
  } finally {
    if (options.keepSchema !== true)
      await pool.query(`DROP SCHEMA IF EXISTS ${quoted(schema)} CASCADE`);
  }
}

function scratchSchemaName(now: Date): string {
  const stamp = now.toISOString().replace(/[-:.TZ]/g, '');
  const name = `${rebuildSchemaPrefix}${stamp}_${randomBytes(3).toString('hex')}`;
  assert(/^[a-z0-9_]{1,63}$/.test(name), 'a scratch schema name is a plain lower-case identifier');
  return name;
}

function quoted(identifier: string): string {
  assert(/^[a-z0-9_]{1,63}$/.test(identifier), `${identifier} is a plain lower-case identifier`);
  return `"${identifier}"`;
}

/** Creates the scratch schema with empty copies of the live tables (constraints and indexes, no triggers); returns the live schema. */
async function createScratchSchema(pool: SqlPool, schema: string): Promise<string> {
  return inTransaction(pool, async (sql) => {
    const { rows } = await sql.query<{ schema: string }>('SELECT current_schema() AS schema');
    const liveSchema = rows[0]?.schema;
    assert(liveSchema !== undefined, 'the connection has a current schema');
    await sql.query(`CREATE SCHEMA ${quoted(schema)}`);
    for (const table of rebuiltTables)
      await sql.query(
        `CREATE TABLE ${quoted(schema)}.${table} (LIKE ${quoted(liveSchema)}.${table} INCLUDING ALL)`,
      );
    await sql.query(
      `INSERT INTO ${quoted(schema)}.ledger_partitions (partition) SELECT generate_series(0, $1::int - 1)`,
      [ledgerPartitionCount],
    );
    return liveSchema;
  });
}

/** Runs `work` in one transaction whose unqualified table names are the scratch schema's. */
function inScratchSchema<T>(
  pool: SqlPool,
  schema: string,
  work: (sql: SqlExecutor) => Promise<T>,
): Promise<T> {
  return inTransaction(pool, async (sql) => {
    await sql.query(`SET LOCAL search_path TO ${quoted(schema)}`);
    return work(sql);
  });
}

/** An event of the registry's account and merchant topics, as the live accounts handler takes it. */
type AccountEvent = EventsOf<OpenAccountsConsumer['topics']>[number];

/** The live accounts handler, fed in chunks in each Kafka partition's order (a merchant's events share a partition). */
async function applyAccountEvents(
  sql: SqlExecutor,
  events: readonly AccountEvent[],
): Promise<void> {
  const handler = new OpenAccountsConsumer();
  for (let start = 0; start < events.length; start += rebuildAccountEventsChunk)
    await handler.handle(sql, events.slice(start, start + rebuildAccountEventsChunk));
}

/**
 * The entries of the topic, one per entry id (the relay delivers at least once: a repeat with the same
 * hash is a duplicate, one with another hash a conflict and is left out), handed out in (partition,
 * sequence) order: a chain's entries come from several Kafka partitions when several wallets share it.
 * A payment.settled v3 entry has no previous hash until `verifyEntries` links it to its chain.
 */
class EntryCollector {
  private readonly byId = new Map<string, TopicEntry>();
  private read = 0;
  private duplicates = 0;
  private conflicting = 0;

  add({ envelope }: ReadEvent): void {
    const entry =
      envelope.type === 'ledger.entry-posted'
        ? toPostedEntry(envelope.payload)
        : envelope.type === 'payment.settled'
          ? entryOfSettledPayment(envelope.payload)
          : null;
    if (entry === null) return;
    this.read += 1;
    const known = this.byId.get(entry.entryId);
    if (known === undefined) this.byId.set(entry.entryId, entry);
    else if (
      known.hash === entry.hash &&
      known.sequence === entry.sequence &&
      known.partition === entry.partition
    )
      this.duplicates += 1;
    else this.conflicting += 1;
  }

  inChainOrder(): {
    entries: TopicEntry[];
    read: number;
    duplicates: number;
    conflicting: number;
  } {
    const entries = [...this.byId.values()].sort(
      (a, b) =>
        a.partition - b.partition ||
        (a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0),
    );
    return { entries, read: this.read, duplicates: this.duplicates, conflicting: this.conflicting };
  }
}

/**
 * The event does not carry the business key of admin entries (a client key is the operator's, not the
 * journal's): payments keep their transaction id and reversals their original entry id, as live;
 * fundings, refunds and payouts are keyed by their entry id. The key is not hashed and not compared.
 */
function toPostedEntry(payload: LedgerEntryPostedV1): PostedEntry {
  const idempotencyKey =
    payload.kind === 'payment'
      ? payload.transactionId
      : payload.kind === 'reversal'
        ? payload.originalEntryId
        : payload.entryId;
  assert(idempotencyKey !== null, 'the contract requires the links of payments and reversals');
  return {
    entryId: payload.entryId,
    kind: payload.kind,
    idempotencyKey,
    partitionKey: payload.partitionKey,
    transactionId: payload.transactionId,
    originalEntryId: payload.originalEntryId,
    postings: payload.postings.map((posting) => ({
      accountId: posting.accountId,
      side: posting.side,
      amount: BigInt(posting.amount),
      currency: posting.currency,
    })),
    feeScheduleVersion: payload.feeScheduleVersion,
    postedAt: payload.postedAt,
    partition: payload.partition,
    sequence: BigInt(payload.sequence),
    previousHash: payload.previousHash,
    hash: payload.hash,
  };
}

/**
 * Verifies every hash link from genesis (entries sorted by partition, sequence); a partition stops at
 * its first break. An entry read without its previous hash (payment.settled v3) takes its chain's
 * head's: its own hash, recomputed with it, then proves the link.
 */
function verifyEntries(entries: readonly TopicEntry[]): {
  verified: PostedEntry[];
  breaks: PartitionBreak[];
} {
  const heads = new Map<number, ChainHead>();
  const broken = new Map<number, PartitionBreak>();
  const verified: PostedEntry[] = [];
  for (const read of entries) {
    if (broken.has(read.partition)) continue;
    const head = heads.get(read.partition) ?? genesisHead(read.partition);
    const entry = linkedTo(read, head);
    const checked = verifyChain([entry], head);
    if (!checked.ok) {
      const expected =
        checked.break.code === 'SEQUENCE_GAP' ? checked.break.expected.toString() : null;
      broken.set(entry.partition, {
        partition: entry.partition,
        code: checked.break.code,
        sequence: checked.break.sequence.toString(),
        expected,
      });
      continue;
    }
    heads.set(entry.partition, checked.head);
    verified.push(entry);
  }
  return { verified, breaks: [...broken.values()].sort((a, b) => a.partition - b.partition) };
}

/** The entry with its previous hash: its own if the topic carried it, else the chain head's. */
function linkedTo(entry: TopicEntry, head: ChainHead): PostedEntry {
  return entry.previousHash === null
    ? { ...entry, previousHash: head.hash }
    : (entry as PostedEntry);
}

async function appendInChunks(sql: SqlExecutor, entries: readonly PostedEntry[]): Promise<void> {
  for (let start = 0; start < entries.length; start += rebuildAppendChunkEntries)
    await appendEntries(sql, entries.slice(start, start + rebuildAppendChunkEntries));
}

/** What a payment entry must match of its payment.verified: wallet owner, amount, currency. */
const verifiedPaymentFacts = (consumerAccountId: string, amount: bigint, currency: string) =>
  `${consumerAccountId}\u0000${amount}\u0000${currency}`;

function rememberVerifiedPayment(verified: Map<string, string>, { envelope }: ReadEvent): void {
  if (envelope.type !== 'payment.verified') return;
  const payment = envelope.payload;
  verified.set(
    payment.transactionId,
    verifiedPaymentFacts(payment.consumerAccountId, BigInt(payment.amount), payment.currency),
  );
}

/** Payment entries whose transaction has no payment.verified with the same wallet, amount and currency. */
function paymentsWithoutVerifiedEvent(
  entries: readonly PostedEntry[],
  verified: ReadonlyMap<string, string>,
): string[] {
  const unmatched: string[] = [];
  for (const entry of entries) {
    if (entry.kind !== 'payment') continue;
    const debit = entry.postings.find((posting) => posting.side === 'debit');
    const facts = entry.transactionId === null ? undefined : verified.get(entry.transactionId);
    if (
      debit === undefined ||
      facts !== verifiedPaymentFacts(entry.partitionKey, debit.amount, debit.currency)
    )
      unmatched.push(entry.entryId);
  }
  return unmatched;
}

type Comparison = Pick<
  RebuildFromTopicReport,
  | 'unpublishedEntryEvents'
  | 'accountMismatches'
  | 'accountMismatchCount'
  | 'headMismatches'
  | 'headMismatchCount'
  | 'balanceMismatches'
  | 'balanceMismatchCount'
  | 'trialBalance'
>;

/** Live against rebuilt, set-based, in one REPEATABLE READ snapshot of the live tables. */
function compareWithLive(
  pool: SqlPool,
  liveSchema: string,
  schema: string,
  entryTopics: readonly string[],
): Promise<Comparison> {
  const live = quoted(liveSchema);
  const rebuilt = quoted(schema);
  return withConnection(pool, async (client, markBroken) => {
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // Entry-bearing topics (the settlements topic's failures too: a lag indicator, not a count of entries).
      const outbox = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${live}.messaging_outbox WHERE topic = ANY($1::text[])`,
        [entryTopics],
      );
      const accounts = await client.query<{
        account_id: string;
        live: string | null;
        rebuilt: string | null;
        total: number;
      }>(
        `SELECT account_id, concat_ws('/', l.purpose, l.type, l.currency, l.owner_kind, l.owner_id) AS live,
                concat_ws('/', r.purpose, r.type, r.currency, r.owner_kind, r.owner_id) AS rebuilt, count(*) OVER ()::int AS total
           FROM ${live}.ledger_accounts l FULL JOIN ${rebuilt}.ledger_accounts r USING (account_id)
          WHERE (l.purpose, l.type, l.currency, l.owner_kind, l.owner_id) IS DISTINCT FROM (r.purpose, r.type, r.currency, r.owner_kind, r.owner_id)
          ORDER BY account_id LIMIT $1`,
        [reportedMismatchesMax],
      );
      const heads = await client.query<{
        partition: number;
        live_sequence: string;
        live_hash: string;
        rebuilt_sequence: string;
        rebuilt_hash: string;
        total: number;
      }>(
        `SELECT partition, l.last_sequence::text AS live_sequence, l.last_hash AS live_hash, r.last_sequence::text AS rebuilt_sequence, r.last_hash AS rebuilt_hash,
                count(*) OVER ()::int AS total
           FROM ${live}.ledger_partitions l JOIN ${rebuilt}.ledger_partitions r USING (partition)
          WHERE l.last_sequence <> r.last_sequence OR l.last_hash <> r.last_hash
          ORDER BY partition LIMIT $1`,
        [reportedMismatchesMax],
      );
      const balances = await client.query<{
        account_id: string;
        partition: number;
        live_debits: string;
        live_credits: string;
        rebuilt_debits: string;
        rebuilt_credits: string;
        total: number;
      }>(
        `SELECT account_id, partition, coalesce(l.debits, 0)::text AS live_debits, coalesce(l.credits, 0)::text AS live_credits,
                coalesce(r.debits, 0)::text AS rebuilt_debits, coalesce(r.credits, 0)::text AS rebuilt_credits, count(*) OVER ()::int AS total
           FROM ${live}.ledger_balances l FULL JOIN ${rebuilt}.ledger_balances r USING (account_id, partition)
          WHERE coalesce(l.debits, 0) <> coalesce(r.debits, 0) OR coalesce(l.credits, 0) <> coalesce(r.credits, 0)
          ORDER BY account_id, partition LIMIT $1`,
        [reportedMismatchesMax],
      );
      const totals = await client.query<{ currency: string; debits: string; credits: string }>(
        `SELECT currency, sum(debits)::text AS debits, sum(credits)::text AS credits FROM ${rebuilt}.ledger_balances GROUP BY currency ORDER BY currency`,
      );
      return {
        unpublishedEntryEvents: outbox.rows[0]?.n ?? 0,
        accountMismatches: accounts.rows.map((row) => ({
          accountId: row.account_id,
          live: row.live || null,
          rebuilt: row.rebuilt || null,
        })),
        accountMismatchCount: accounts.rows[0]?.total ?? 0,
        headMismatches: heads.rows.map((row) => ({
          partition: row.partition,
          live: { sequence: row.live_sequence, hash: row.live_hash },
          rebuilt: { sequence: row.rebuilt_sequence, hash: row.rebuilt_hash },
        })),
        headMismatchCount: heads.rows[0]?.total ?? 0,
        balanceMismatches: balances.rows.map((row) => ({
          accountId: row.account_id,
          partition: row.partition,
          live: { debits: row.live_debits, credits: row.live_credits },
          rebuilt: { debits: row.rebuilt_debits, credits: row.rebuilt_credits },
        })),
        balanceMismatchCount: balances.rows[0]?.total ?? 0,
        trialBalance: totals.rows.map((row) => ({
          currency: row.currency,
          debits: row.debits,
          credits: row.credits,
          balanced: row.debits === row.credits,
        })),
      };
    } finally {
      await client.query('ROLLBACK').catch(markBroken);
    }
  });
}
