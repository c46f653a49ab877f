import { assert } from './assert';
import { isPostableAmount } from './money';

/** An entry has two to this many postings (the contract's limit). */
export const postingsPerEntryMax = 32;

export const entryKinds = ['payment', 'funding', 'payout', 'refund', 'reversal'] as const;
export type EntryKind = (typeof entryKinds)[number];

export type PostingSide = 'debit' | 'credit';

/** One leg of an entry; the amount is positive and the side says which way. */
export interface Posting {
  readonly accountId: string;
  readonly side: PostingSide;
  readonly amount: bigint;
  readonly currency: string;
}

/** An entry before it has a place in a partition's chain. */
export interface EntryDraft {
  readonly entryId: string;
  readonly kind: EntryKind;
  /** What makes the entry unique within its kind: the transaction id of a payment, a client key... */
  readonly idempotencyKey: string;
  readonly partitionKey: string;
  readonly transactionId: string | null;
  readonly originalEntryId: string | null;
  readonly postings: readonly Posting[];
  readonly feeScheduleVersion: string | null;
  readonly postedAt: string;
}

/** An entry appended to a partition's chain. */
export interface PostedEntry extends EntryDraft {
  readonly partition: number;
  readonly sequence: bigint;
  readonly previousHash: string;
  readonly hash: string;
}

/** Debits minus credits per currency; zero everywhere for a balanced entry. */
export function netByCurrency(postings: readonly Posting[]): Map<string, bigint> {
  const net = new Map<string, bigint>();
  for (const posting of postings) {
    net.set(posting.currency, (net.get(posting.currency) ?? 0n) + signed(posting));
  }
  return net;
}

/** +amount for a debit, −amount for a credit. */
export function signed(posting: Posting): bigint {
  return posting.side === 'debit' ? posting.amount : -posting.amount;
}

/** Double entry: crashes unless every posting is positive and debits equal credits per currency. */
export function assertBalanced(postings: readonly Posting[]): void {
  assert(
    postings.length >= 2 && postings.length <= postingsPerEntryMax,
    `an entry has 2..${postingsPerEntryMax} postings, got ${postings.length}`,
  );
  for (const posting of postings)
    assert(
      isPostableAmount(posting.amount),
      `posting amount ${posting.amount} is positive and within the limit`,
    );
  for (const [currency, net] of netByCurrency(postings))
    assert(net === 0n, `debits equal credits in ${currency} (off by ${net})`);
}

/** Checks the draft's invariants (balance, links required by its kind) and returns it. */
export function draftEntry(draft: EntryDraft): EntryDraft {
  assertBalanced(draft.postings);
  const undoes = draft.kind === 'refund' || draft.kind === 'reversal';
  assert(
    undoes === (draft.originalEntryId !== null),
    `${draft.kind} links an original entry exactly when it undoes one`,
  );
  assert(
    !(undoes || draft.kind === 'payment') || draft.transactionId !== null,
    `${draft.kind} names its transaction`,
  );
  assert(draft.idempotencyKey.length > 0, 'an entry has an idempotency key');
  return draft;
}
