// JSON schemas of the admin routes' parameters and bodies, shared by the use cases' controllers.

/** An id in a path or a body: what every other id of the system looks like. */
export const identifier = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;

/** A movement's amount in minor units: 1 to 19 digits; the deciders refuse what the journal cannot post. */
export const positiveAmount = { type: 'string', pattern: '^[1-9][0-9]{0,18}$' } as const;

export const currency = { type: 'string', pattern: '^[A-Z]{3}$' } as const;

// The format (ajv-formats, full mode) refuses what only matches the pattern (2026-13-45T…), which
// PostgreSQL would answer with an error — a 500 — instead of a field problem.
export const timestamp = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$',
  format: 'date-time',
} as const;
