import { type Outbox, requestCause, type SqlExecutor } from '@settle/messaging';
import { assert } from '../domain/assert';
import { type EntryDraft } from '../domain/entry';
import { appendToChain, type ChainHead } from '../domain/hash-chain';
import { type OverdraftTransition } from '../domain/overdraft';
import { entryPostedEvent, overdraftEvents } from './ledger-events';
import { appendEntries } from './postgres/journal-store';

/**
 * Posts an entry an admin use case decided (a funding, a refund, a reversal): chains it on its
 * partition's head (locked by the caller), appends it, and writes its events to the outbox, all in the
 * caller's transaction. An admin action is a root cause: a new correlation id, and the request id as
 * causation when it is a UUID.
 */
export async function postAdminEntry(
  sql: SqlExecutor,
  outbox: Outbox,
  posting: {
    readonly head: ChainHead | undefined;
    readonly draft: EntryDraft;
    readonly overdraft: OverdraftTransition;
    readonly wallet: {
      readonly consumerAccountId: string;
      readonly balance: bigint;
      readonly currency: string;
    };
    readonly requestId: string | null;
    readonly now: string;
  },
): Promise<void> {
  assert(posting.head !== undefined, 'the partition was locked');
  const { entry } = appendToChain(posting.head, posting.draft);
  await appendEntries(sql, [entry]);
  const cause = requestCause(posting.requestId, posting.now);
  await outbox.append(sql, [
    entryPostedEvent(entry, cause),
    ...overdraftEvents(posting.overdraft, posting.wallet, cause),
  ]);
}
