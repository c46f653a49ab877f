import { HttpStatus } from '@nestjs/common';
import { ProblemException } from './problem';

// Token buckets in PostgreSQL (libs/platform/migrations/0002-rate-limits.sql), shared by every replica of a
// service: the token issuer's per-address, per-key and per-session limits, the verifier's uploads
// per terminal. One implementation, so both answer 429 the same way and one sweep keeps the table
// small.

/** What the rate limiter needs of PostgreSQL: a `pg` Pool (or the pool under TypeORM) satisfies it. */
export interface RateLimitSql {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Row[] }>;
}

/** One bucket: its name (unique within the service), capacity (the burst) and refill rate. */
export interface RateLimitBucket {
  readonly bucket: string;
  readonly capacity: number;
  readonly perSecond: number;
}

/** Whether the bucket had a token and, if not, the whole seconds until it has one (at least 1). */
export interface RateLimitDecision {
  readonly bucket: string;
  readonly allowed: boolean;
  readonly retryAfterSeconds: number;
}

/** The stable code of every 429 answered because a bucket was empty. */
export const rateLimitedProblemCode = 'RATE_LIMITED';

/**
 * Takes one token from each bucket, atomically for every replica, in one statement whose commit does
 * not wait for the WAL flush (a bucket update lost in a crash costs nothing; a synchronous commit per
 * request would double the cost of a cheap request). Call it on the pool, outside a business
 * transaction: `synchronous_commit` is set for the enclosing transaction.
 *
 * @example
 * const [decision] = await takeRateLimitTokens(pool, [{ bucket: `upload:${terminalId}`, capacity: 60, perSecond: 10 }], now);
 * if (!decision.allowed) throw rateLimitedProblem({ title: 'Too many uploads', field: 'terminal', limit: 'more than 10 per second', retryAfterSeconds: decision.retryAfterSeconds });
 */
export async function takeRateLimitTokens(
  sql: RateLimitSql,
  buckets: readonly RateLimitBucket[],
  now: Date,
): Promise<RateLimitDecision[]> {
  for (const { bucket, capacity, perSecond } of buckets) {
    if (bucket.length === 0 || !(capacity >= 1) || !(perSecond > 0))
      throw new Error(
        `takeRateLimitTokens: invalid bucket ${JSON.stringify({ bucket, capacity, perSecond })}`,
      );
  }
  if (new Set(buckets.map(({ bucket }) => bucket)).size !== buckets.length)
    throw new Error('takeRateLimitTokens: a bucket is named twice');
  const refilled =
    'LEAST(EXCLUDED.capacity, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM (EXCLUDED.refilled_at - b.refilled_at))) * EXCLUDED.per_second)';
  const { rows } = await sql.query<{
    bucket: string;
    tokens: number;
    allowed: boolean;
    per_second: number;
  }>(
    `WITH settings AS (SELECT set_config('synchronous_commit', 'off', true) AS applied)
     INSERT INTO platform_rate_limits AS b (bucket, capacity, per_second, tokens, refilled_at, allowed)
     SELECT requested.bucket, requested.capacity, requested.per_second, requested.capacity - 1, $4::timestamptz, true
     FROM unnest($1::text[], $2::float8[], $3::float8[]) AS requested (bucket, capacity, per_second), settings
     ON CONFLICT (bucket) DO UPDATE SET
       capacity = EXCLUDED.capacity,
       per_second = EXCLUDED.per_second,
       tokens = CASE WHEN ${refilled} >= 1 THEN ${refilled} - 1 ELSE ${refilled} END,
       allowed = ${refilled} >= 1,
       refilled_at = GREATEST(b.refilled_at, EXCLUDED.refilled_at)
     RETURNING b.bucket, b.tokens, b.allowed, b.per_second`,
    [
      buckets.map(({ bucket }) => bucket),
      buckets.map(({ capacity }) => capacity),
      buckets.map(({ perSecond }) => perSecond),
      now,
    ],
  );
  return buckets.map(({ bucket }) => {
    const row = rows.find((candidate) => candidate.bucket === bucket);
    if (row === undefined)
      throw new Error(`takeRateLimitTokens: no row returned for bucket ${bucket}`);
    return {
      bucket,
      allowed: row.allowed,
      retryAfterSeconds: row.allowed
        ? 0
        : Math.max(1, Math.ceil((1 - row.tokens) / row.per_second)),
    };
  });
}

/**
 * Whether each bucket has a token now, without taking one: for a limit charged only after the fact
 * (the token issuer charges its per-address bucket for refused requests, and checks it before
 * verifying anything). A bucket never taken is full. Checking then charging is not atomic: a burst of
 * concurrent requests may overdraw the bucket by its concurrency, never more.
 *
 * @example
 * const [decision] = await peekRateLimitTokens(pool, [{ bucket: `ip:${address}`, capacity: 120, perSecond: 2 }], now);
 * if (!decision.allowed) throw rateLimitedProblem({ … retryAfterSeconds: decision.retryAfterSeconds });
 */
export async function peekRateLimitTokens(
  sql: RateLimitSql,
  buckets: readonly RateLimitBucket[],
  now: Date,
): Promise<RateLimitDecision[]> {
  const { rows } = await sql.query<{ bucket: string; tokens: number }>(
    `SELECT bucket, LEAST(capacity, tokens + GREATEST(0, EXTRACT(EPOCH FROM ($2::timestamptz - refilled_at))) * per_second)::float8 AS tokens
     FROM platform_rate_limits WHERE bucket = ANY($1::text[])`,
    [buckets.map(({ bucket }) => bucket), now],
  );
  return buckets.map(({ bucket, perSecond }) => {
    const tokens = rows.find((row) => row.bucket === bucket)?.tokens ?? Infinity;
    return {
      bucket,
      allowed: tokens >= 1,
      retryAfterSeconds: tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / perSecond)),
    };
  });
}

/**
 * Drops buckets untouched since `idleSince` (full again by then, so nothing is forgotten); returns
 * how many. Services with unbounded bucket names (client addresses) sweep periodically.
 *
 * @example
 * await deleteIdleRateLimitBuckets(pool, new Date(now.getTime() - 3_600_000));
 */
export async function deleteIdleRateLimitBuckets(
  sql: RateLimitSql,
  idleSince: Date,
): Promise<number> {
  const { rows } = await sql.query<{ n: string }>(
    'WITH deleted AS (DELETE FROM platform_rate_limits WHERE refilled_at < $1 RETURNING 1) SELECT count(*)::text AS n FROM deleted',
    [idleSince],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * The 429 problem of an empty bucket: code RATE_LIMITED, the limit named in `detail` and in the
 * field problem, `Retry-After` in whole seconds.
 *
 * @example
 * throw rateLimitedProblem({ title: 'Too many session requests', field: 'bindingKeyId', limit: 'more than 10 per minute', retryAfterSeconds: 6 });
 */
export function rateLimitedProblem(input: {
  readonly title: string;
  readonly field: string;
  readonly limit: string;
  readonly retryAfterSeconds: number;
}): ProblemException {
  if (!Number.isSafeInteger(input.retryAfterSeconds) || input.retryAfterSeconds < 1)
    throw new Error(
      `rateLimitedProblem: retryAfterSeconds must be a positive integer, got ${input.retryAfterSeconds}`,
    );
  return new ProblemException({
    status: HttpStatus.TOO_MANY_REQUESTS,
    code: rateLimitedProblemCode,
    title: input.title,
    detail: `${input.field}: ${input.limit}; retry after ${input.retryAfterSeconds} s`,
    errors: [{ field: input.field, code: rateLimitedProblemCode, message: input.limit }],
    headers: { 'retry-after': String(input.retryAfterSeconds) },
  });
}
