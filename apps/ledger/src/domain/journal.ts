import { type AccountType, isDebitNormal } from './accounts';
import { assert } from './assert';
import { assertBalanced, type EntryDraft, type PostedEntry } from './entry';
import { appendToChain, type ChainHead, genesisHead, partitionOf } from './hash-chain';

/** Debits and credits of one account in one partition (a sub-balance; reads sum the partitions). */
export interface SubBalance {
  readonly debits: bigint;
  readonly credits: bigint;
}

/**
 * The projection of a journal: each partition's chain head and each account's sub-balances. Pure and
 * in memory: the reference for tests, and the evolve step of a rebuild from the topic.
 */
export interface JournalProjection {
  readonly heads: Map<number, ChainHead>;
  /** accountId → partition → sub-balance. */
  readonly balances: Map<string, Map<number, SubBalance>>;
  readonly currencies: Map<string, string>;
}

export function emptyProjection(): JournalProjection {
  return { heads: new Map(), balances: new Map(), currencies: new Map() };
}

export function headOf(projection: JournalProjection, partition: number): ChainHead {
  return projection.heads.get(partition) ?? genesisHead(partition);
}

/** Appends a draft to the chain of its partition key and applies it (mutates the projection). */
export function postDraft(projection: JournalProjection, draft: EntryDraft): PostedEntry {
  const { entry } = appendToChain(headOf(projection, partitionOf(draft.partitionKey)), draft);
  applyPostedEntry(projection, entry);
  return entry;
}

/** evolve: applies an entry already in the chain (mutates the projection). Crashes on a chain break. */
export function applyPostedEntry(projection: JournalProjection, entry: PostedEntry): void {
  assertBalanced(entry.postings);
  const head = headOf(projection, entry.partition);
  assert(
    entry.sequence === head.sequence + 1n,
    `partition ${entry.partition}: sequence ${entry.sequence} follows ${head.sequence}`,
  );
  assert(
    entry.previousHash === head.hash,
    `partition ${entry.partition}: entry ${entry.sequence} links the previous hash`,
  );
  for (const posting of entry.postings) {
    const byPartition = projection.balances.get(posting.accountId) ?? new Map<number, SubBalance>();
    const before = byPartition.get(entry.partition) ?? { debits: 0n, credits: 0n };
    byPartition.set(
      entry.partition,
      posting.side === 'debit'
        ? { debits: before.debits + posting.amount, credits: before.credits }
        : { debits: before.debits, credits: before.credits + posting.amount },
    );
    projection.balances.set(posting.accountId, byPartition);
    const known = projection.currencies.get(posting.accountId);
    assert(
      known === undefined || known === posting.currency,
      `account ${posting.accountId} holds one currency`,
    );
    projection.currencies.set(posting.accountId, posting.currency);
  }
  projection.heads.set(entry.partition, {
    partition: entry.partition,
    sequence: entry.sequence,
    hash: entry.hash,
  });
}

/** An account's balance on its normal side: the sum of its sub-balances. */
export function balanceOf(
  projection: JournalProjection,
  accountId: string,
  type: AccountType,
): bigint {
  let net = 0n;
  for (const sub of projection.balances.get(accountId)?.values() ?? [])
    net += sub.debits - sub.credits;
  return isDebitNormal(type) ? net : -net;
}

/** Debits minus credits over all accounts, per currency: zero in a sound ledger. */
export function trialBalance(projection: JournalProjection): Map<string, bigint> {
  const net = new Map<string, bigint>();
  for (const [accountId, byPartition] of projection.balances) {
    const currency = projection.currencies.get(accountId);
    assert(currency !== undefined, 'every account with postings has a currency');
    for (const sub of byPartition.values())
      net.set(currency, (net.get(currency) ?? 0n) + sub.debits - sub.credits);
  }
  return net;
}
