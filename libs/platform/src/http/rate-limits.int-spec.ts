// The shared token buckets against the real PostgreSQL: exact under concurrent replicas, refilled
// by the caller's clock, Retry-After when empty, idle buckets swept.
import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@settle/test-support';
import { platformMigrations } from '../database/platform-migrations';
import { runMigrations } from '../database/run-migrations';
import { ProblemException } from './problem';
import { deleteIdleRateLimitBuckets, rateLimitedProblem, takeRateLimitTokens } from './rate-limits';

describe('takeRateLimitTokens', () => {
  let database: TestDatabase;
  let pool: Pool;
  const start = new Date('2026-03-01T12:00:00.000Z');
  const at = (seconds: number) => new Date(start.getTime() + seconds * 1_000);

  beforeAll(async () => {
    database = await createTestDatabase('settle_test_rate_limits');
    pool = new Pool({ connectionString: database.url, max: 8 });
    pool.on('error', () => undefined);
    await runMigrations(pool, [platformMigrations]);
  });

  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it('gives out exactly the capacity to concurrent callers (as replicas would be), then refuses with Retry-After', async () => {
    const bucket = { bucket: 'upload:ter_concurrent', capacity: 5, perSecond: 0.5 };
    const decisions = await Promise.all(
      Array.from({ length: 20 }, () => takeRateLimitTokens(pool, [bucket], start)),
    );
    const allowed = decisions.filter(([decision]) => decision!.allowed);
    expect(allowed).toHaveLength(5);
    // Empty: one token takes 2 s at 0.5 per second.
    expect(
      decisions
        .filter(([decision]) => !decision!.allowed)
        .map(([decision]) => decision!.retryAfterSeconds),
    ).toEqual(Array(15).fill(2));
  });

  it('refills at the per-second rate, up to the capacity, by the time the caller passes', async () => {
    const bucket = { bucket: 'key:refill', capacity: 2, perSecond: 1 };
    expect((await takeRateLimitTokens(pool, [bucket], start))[0]!.allowed).toBe(true);
    expect((await takeRateLimitTokens(pool, [bucket], start))[0]!.allowed).toBe(true);
    expect((await takeRateLimitTokens(pool, [bucket], start))[0]).toEqual({
      bucket: 'key:refill',
      allowed: false,
      retryAfterSeconds: 1,
    });
    expect((await takeRateLimitTokens(pool, [bucket], at(1)))[0]!.allowed).toBe(true);
    expect((await takeRateLimitTokens(pool, [bucket], at(1)))[0]!.allowed).toBe(false);
    // A long pause fills the bucket to its capacity, never beyond.
    const afterPause = await Promise.all(
      [1, 2, 3].map(() => takeRateLimitTokens(pool, [bucket], at(100))),
    );
    expect(afterPause.map(([decision]) => decision!.allowed).sort()).toEqual([false, true, true]);
  });

  it('takes from several buckets at once and decides each on its own', async () => {
    const empty = { bucket: 'ip:empty', capacity: 1, perSecond: 1 };
    await takeRateLimitTokens(pool, [empty], start);
    const decisions = await takeRateLimitTokens(
      pool,
      [empty, { bucket: 'ip:full', capacity: 1, perSecond: 1 }],
      start,
    );
    expect(decisions.map(({ bucket, allowed }) => [bucket, allowed])).toEqual([
      ['ip:empty', false],
      ['ip:full', true],
    ]);
  });

  it('drops only buckets idle since the given time', async () => {
    await takeRateLimitTokens(
      pool,
      [{ bucket: 'sweep:old', capacity: 1, perSecond: 1 }],
      at(-7_200),
    );
    await takeRateLimitTokens(
      pool,
      [{ bucket: 'sweep:new', capacity: 1, perSecond: 1 }],
      at(7_200),
    );
    expect(await deleteIdleRateLimitBuckets(pool, at(-3_600))).toBe(1);
    const { rows } = await pool.query<{ bucket: string }>(
      "SELECT bucket FROM platform_rate_limits WHERE bucket LIKE 'sweep:%'",
    );
    expect(rows.map((row) => row.bucket)).toEqual(['sweep:new']);
  });

  it('refuses nonsense buckets as programmer errors', async () => {
    await expect(
      takeRateLimitTokens(pool, [{ bucket: 'x', capacity: 0, perSecond: 1 }], start),
    ).rejects.toThrow(/invalid bucket/);
    await expect(
      takeRateLimitTokens(
        pool,
        [
          { bucket: 'x', capacity: 1, perSecond: 1 },
          { bucket: 'x', capacity: 1, perSecond: 1 },
        ],
        start,
      ),
    ).rejects.toThrow(/named twice/);
  });
});

describe('rateLimitedProblem', () => {
  it('is a 429 RATE_LIMITED naming the limit, with Retry-After', () => {
    const problem = rateLimitedProblem({
      title: 'Too many uploads',
      field: 'terminal',
      limit: 'more than 10 per second',
      retryAfterSeconds: 3,
    });
    expect(problem).toBeInstanceOf(ProblemException);
    expect(problem.problem).toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      detail: 'terminal: more than 10 per second; retry after 3 s',
      errors: [{ field: 'terminal', code: 'RATE_LIMITED' }],
    });
    expect(problem.headers).toEqual({ 'retry-after': '3' });
  });
});
