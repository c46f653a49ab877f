import { hash } from 'node:crypto';
import { kafkaKeyHash, paymentTopicPartitions } from '@settle/contracts';
import { assert } from './assert';
import { type EntryDraft, type PostedEntry } from './entry';

/** `previousHash` of the first entry of a partition (the contract's genesis value). */
export const genesisHash = '0'.repeat(64);
/** Hash chains (partitions) are numbered 0..ledgerPartitionCount-1 (the contract's limit). */
export const ledgerPartitionCount = 1024;

/** Label of the canonical encoding, so a hash of one structure can never pass for another. */
const canonicalEncodingLabel = 'settle.ledger.entry.v1';
const sha256HexPattern = /^[0-9a-f]{64}$/;

/** The head of a partition's chain: the last sequence appended and its hash. */
export interface ChainHead {
  readonly partition: number;
  readonly sequence: bigint;
  readonly hash: string;
}

export function genesisHead(partition: number): ChainHead {
  return { partition, sequence: 0n, hash: genesisHash };
}

/**
 * Kafka partitions of the settlement's input, `payments.verified.v1` (keyed by consumer account id).
 * Chains follow them: chain c holds only keys that Kafka puts on partition c mod this count, so the
 * settlement's concurrent batches (one per Kafka partition) never wait for each other's chain locks.
 */
const inputPartitions = paymentTopicPartitions;
const chainsPerInputPartition = Math.floor(ledgerPartitionCount / inputPartitions);

/**
 * The partition (hash chain) of a registry id. With k = Kafka's key hash of the id (murmur2, as
 * Kafka's and kafkajs's default partitioners, made non-negative) and P the input topic's 6 partitions:
 * (k mod P) + P × (⌊k / P⌋ mod ⌊1024 / P⌋) — chains 0…1019, and chain mod P is the id's Kafka
 * partition. Stable across deployments; documented in docs/ledger.md. Entries keep their partition,
 * so entries written under an earlier rule verify and sum as before.
 */
export function partitionOf(partitionKey: string): number {
  const keyHash = kafkaKeyHash(partitionKey);
  return (
    (keyHash % inputPartitions) +
    inputPartitions * (Math.floor(keyHash / inputPartitions) % chainsPerInputPartition)
  );
}

/**
 * The canonical encoding that is hashed: a JSON array in a fixed order (JSON of strings, integers and
 * null is deterministic). Amounts and the sequence are decimal strings. Exported for docs and tests.
 */
export function canonicalEntryEncoding(
  entry: Omit<PostedEntry, 'hash' | 'idempotencyKey'>,
): string {
  return JSON.stringify([
    canonicalEncodingLabel,
    entry.entryId,
    entry.partition,
    entry.partitionKey,
    entry.sequence.toString(),
    entry.kind,
    entry.transactionId,
    entry.originalEntryId,
    entry.postings.map((posting) => [
      posting.accountId,
      posting.side,
      posting.amount.toString(),
      posting.currency,
    ]),
    entry.feeScheduleVersion,
    entry.postedAt,
    entry.previousHash,
  ]);
}

export function entryHash(entry: Omit<PostedEntry, 'hash' | 'idempotencyKey'>): string {
  return hash('sha256', canonicalEntryEncoding(entry), 'hex');
}

/** Appends a draft to a chain: next sequence, previous hash, own hash. */
export function appendToChain(
  head: ChainHead,
  draft: EntryDraft,
): { entry: PostedEntry; head: ChainHead } {
  assert(
    head.partition >= 0 && head.partition < ledgerPartitionCount,
    `partition ${head.partition} in range`,
  );
  assert(sha256HexPattern.test(head.hash), 'chain head hash is lower-case hex SHA-256');
  // One object, field by field, its hash filled in last: building it with two object spreads was
  // half of this function's time (settlement appends one per payment; ledger-profile.md, fourth pass).
  const entry: Mutable<PostedEntry> = {
    entryId: draft.entryId,
    kind: draft.kind,
    idempotencyKey: draft.idempotencyKey,
    partitionKey: draft.partitionKey,
    transactionId: draft.transactionId,
    originalEntryId: draft.originalEntryId,
    postings: draft.postings,
    feeScheduleVersion: draft.feeScheduleVersion,
    postedAt: draft.postedAt,
    partition: head.partition,
    sequence: head.sequence + 1n,
    previousHash: head.hash,
    hash: '',
  };
  entry.hash = entryHash(entry);
  return { entry, head: { partition: head.partition, sequence: entry.sequence, hash: entry.hash } };
}

/** `T` with its fields writable: for an object completed in place before it is handed out. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export type ChainBreak =
  | { readonly code: 'SEQUENCE_GAP'; readonly sequence: bigint; readonly expected: bigint }
  | { readonly code: 'PREVIOUS_HASH_MISMATCH'; readonly sequence: bigint }
  | { readonly code: 'HASH_MISMATCH'; readonly sequence: bigint };

/**
 * Checks one partition's entries in sequence order against the chain; returns the first break, or the
 * head it ends in. `from` lets a verification resume from a known head.
 */
export function verifyChain(
  entries: Iterable<Omit<PostedEntry, 'idempotencyKey'>>,
  from: ChainHead,
): { ok: true; head: ChainHead } | { ok: false; break: ChainBreak } {
  let head = from;
  for (const entry of entries) {
    const expected = head.sequence + 1n;
    if (entry.sequence !== expected)
      return { ok: false, break: { code: 'SEQUENCE_GAP', sequence: entry.sequence, expected } };
    if (entry.previousHash !== head.hash)
      return { ok: false, break: { code: 'PREVIOUS_HASH_MISMATCH', sequence: entry.sequence } };
    if (entryHash(entry) !== entry.hash)
      return { ok: false, break: { code: 'HASH_MISMATCH', sequence: entry.sequence } };
    head = { partition: head.partition, sequence: entry.sequence, hash: entry.hash };
  }
  return { ok: true, head };
}
