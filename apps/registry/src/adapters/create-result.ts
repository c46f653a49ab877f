import { assert } from '../domain/assert';
import { type compareWithExisting, type CreateOutcome } from '../domain/idempotent-create';

/**
 * What an admin create (account, merchant, terminal, device) found: created, or the business key
 * already taken with the same content (duplicate, the first record) or other content (conflict); or
 * the parent it names (merchant, account) is unknown.
 */
export type CreateResult<T> =
  | {
      readonly outcome: Exclude<CreateOutcome, 'conflict'>;
      readonly record: T & { readonly createdAt: string };
    }
  | { readonly outcome: 'conflict' }
  | { readonly outcome: 'unknown-parent' };

/** The insert found the business key taken: the same content is a duplicate, other content a conflict. */
export function existingRecord<T>(
  outcome: ReturnType<typeof compareWithExisting>,
  request: T,
  createdAt: Date,
): CreateResult<T> {
  assert(outcome !== 'create', 'an existing record was compared');
  if (outcome === 'conflict') return { outcome: 'conflict' };
  return { outcome: 'duplicate', record: { ...request, createdAt: createdAt.toISOString() } };
}
