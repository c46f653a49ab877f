/**
 * Creation by business key (STYLE 4): the first request creates; the same request again finds the same
 * record (`duplicate`, same answer); the same key with other content is a `conflict`.
 */
export type CreateOutcome = 'created' | 'duplicate' | 'conflict';

export function compareWithExisting<T extends Record<string, unknown>>(
  existing: T | null,
  requested: T,
): Exclude<CreateOutcome, 'created'> | 'create' {
  if (existing === null) return 'create';
  const keys = Object.keys(requested);
  return keys.every((key) => existing[key] === requested[key]) ? 'duplicate' : 'conflict';
}
