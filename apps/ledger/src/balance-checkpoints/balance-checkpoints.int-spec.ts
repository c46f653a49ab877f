// Balance checkpoints against the real PostgreSQL (a database of its own, the ledger's migrations):
// every point-in-time balance read through a checkpoint equals the full sum over the journal, on
// both date bases — at a checkpoint's boundary, with an offline payment approved before a checkpoint
// and posted after it, with a terminal clock ahead, with checkpoints written twice and concurrently —
// and a fast-check property over random journals, times and checkpoint rounds.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import fc from 'fast-check';
import { Pool } from 'pg';
import { applySqlFiles, createTestDatabase, type TestDatabase } from '@settle/test-support';
import {
  type CheckpointBasis,
  checkpointPeriodMs,
  netBefore,
  netPostedThrough,
} from './balance-checkpoints';
import { verifyBalanceCheckpoints, writeBalanceCheckpoints } from './write-balance-checkpoints';

const hour = checkpointPeriodMs;
const base = Date.parse('2026-03-01T00:00:00.000Z');
const at = (offsetMs: number) => new Date(base + offsetMs);

interface TestPayment {
  readonly postedAt: Date;
  /** null: a refund-like entry without an approval time (or an outcome older than migration 0007). */
  readonly approvedAt: Date | null;
  readonly amount: number;
  /** Credit the payable (a payment) or debit it (a refund). */
  readonly side: 'credit' | 'debit';
}

/** A merchant's payable and a wallet that pays it. */
interface Accounts {
  readonly merchantId: string;
  readonly payable: string;
  readonly wallet: string;
}

describe('balance checkpoints', () => {
  let database: TestDatabase;
  let pool: Pool;
  let sequence = 0;

  beforeAll(async () => {
    database = await createTestDatabase('ledger_checkpoints');
    pool = new Pool({ connectionString: database.url, max: 4 });
    await applySqlFiles(
      pool,
      path.join(__dirname, '..', '..', '..', '..', 'libs', 'platform', 'migrations'),
    );
    await applySqlFiles(pool, path.join(__dirname, '..', '..', 'migrations'));
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  const openMerchant = async (): Promise<Accounts> => {
    const merchantId = `mer_${randomUUID().slice(0, 8)}`;
    const payable = `payable_${merchantId}`;
    const wallet = `wallet_${merchantId}`;
    await pool.query(
      `INSERT INTO ledger_accounts (account_id, purpose, type, currency, owner_kind, owner_id, opened_at) VALUES
         ($1, 'merchant-payable', 'liability', 'EUR', 'merchant', $3, $4),
         ($2, 'wallet', 'liability', 'EUR', 'consumer-account', $3, $4)`,
      [payable, wallet, merchantId, at(-hour)],
    );
    return { merchantId, payable, wallet };
  };

  /** Entries of two postings (payable and wallet), with an outcome carrying the approval time for payments. */
  const post = async (accounts: Accounts, payments: readonly TestPayment[]) => {
    for (const payment of payments) {
      const entryId = randomUUID();
      sequence += 1;
      const kind = payment.side === 'credit' ? 'payment' : 'refund';
      const transactionId = `txn_${entryId}`;
      await pool.query(
        `INSERT INTO ledger_entries (entry_id, partition, sequence, partition_key, kind, idempotency_key, transaction_id, original_entry_id, previous_hash, hash, posted_at)
         VALUES ($1, 0, $2, 'k', $3, $1, $4, $5, repeat('0', 64), repeat('0', 64), $6)`,
        [
          entryId,
          sequence,
          kind,
          transactionId,
          kind === 'refund' ? entryId : null,
          payment.postedAt,
        ],
      );
      const walletSide = payment.side === 'credit' ? 'debit' : 'credit';
      await pool.query(
        `INSERT INTO ledger_postings (entry_id, posting_index, account_id, partition, side, amount, currency, posted_at)
         VALUES ($1, 0, $2, 0, $3, $4, 'EUR', $6), ($1, 1, $5, 0, $7, $4, 'EUR', $6)`,
        [
          entryId,
          accounts.payable,
          payment.side,
          payment.amount,
          accounts.wallet,
          payment.postedAt,
          walletSide,
        ],
      );
      if (kind === 'payment')
        await pool.query(
          `INSERT INTO ledger_settlements (transaction_id, consumer_account_id, merchant_id, amount, currency, status, fee, merchant_amount, entry_id, decided_at, approved_at)
           VALUES ($1, 'c', $6, $2::bigint, 'EUR', 'settled', 0, $2::bigint, $3, $4, $5)`,
          [
            transactionId,
            payment.amount,
            entryId,
            payment.postedAt,
            payment.approvedAt,
            accounts.merchantId,
          ],
        );
    }
  };

  /** The full sums the ledger computed before checkpoints (the reference). */
  const fullBefore = async (accountId: string, basis: CheckpointBasis, before: Date) => {
    const time = basis === 'posted' ? 'p.posted_at' : 'coalesce(s.approved_at, p.posted_at)';
    const { rows } = await pool.query<{ net: string }>(
      `SELECT coalesce(sum(CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END), 0)::text AS net
         FROM ledger_postings p JOIN ledger_entries e ON e.entry_id = p.entry_id
         LEFT JOIN ledger_settlements s ON e.kind = 'payment' AND s.transaction_id = e.transaction_id AND s.entry_id = e.entry_id
        WHERE p.account_id = $1 AND ${time} < $2`,
      [accountId, before],
    );
    return BigInt(rows[0]!.net);
  };
  const fullPostedThrough = async (accountId: string, through: Date) => {
    const { rows } = await pool.query<{ net: string }>(
      `SELECT coalesce(sum(CASE side WHEN 'debit' THEN amount ELSE -amount END), 0)::text AS net FROM ledger_postings WHERE account_id = $1 AND posted_at <= $2`,
      [accountId, through],
    );
    return BigInt(rows[0]!.net);
  };
  const expectExact = async (accountId: string, times: readonly Date[]) => {
    for (const time of times) {
      for (const basis of ['posted', 'approved'] as const)
        expect({ basis, time, net: (await netBefore(pool, accountId, basis, time)).net }).toEqual({
          basis,
          time,
          net: await fullBefore(accountId, basis, time),
        });
      expect({ time, through: (await netPostedThrough(pool, accountId, time)).net }).toEqual({
        time,
        through: await fullPostedThrough(accountId, time),
      });
    }
  };
  const checkpointsOf = (accountId: string) =>
    pool
      .query<{ basis: string; as_of: Date; net: string; postings: string }>(
        'SELECT basis, as_of, net::text, postings::text FROM ledger_balance_checkpoints WHERE account_id = $1 ORDER BY basis, as_of',
        [accountId],
      )
      .then((result) => result.rows);

  it('reads through a checkpoint exactly what the full sum gives, on both bases and exactly on its boundary', async () => {
    const accounts = await openMerchant();
    await post(accounts, [
      { postedAt: at(10 * 60_000), approvedAt: at(5 * 60_000), amount: 100, side: 'credit' },
      { postedAt: at(hour - 1), approvedAt: at(hour - 1), amount: 200, side: 'credit' },
      { postedAt: at(hour), approvedAt: at(hour), amount: 400, side: 'credit' }, // on the boundary: after it
      { postedAt: at(hour + 60_000), approvedAt: null, amount: 50, side: 'debit' },
      { postedAt: at(2 * hour + 1), approvedAt: at(90 * 60_000), amount: 800, side: 'credit' },
    ]);
    const readBefore = await netBefore(pool, accounts.payable, 'posted', at(2 * hour));
    expect(readBefore.postingsRead).toBe(4n); // no checkpoint yet: the whole history
    expect(
      await writeBalanceCheckpoints(pool, at(hour), { now: at(3 * hour), postingsMin: 1 }),
    ).toBeGreaterThanOrEqual(2);
    expect(await checkpointsOf(accounts.payable)).toEqual([
      { basis: 'approved', as_of: at(hour), net: '-300', postings: '2' },
      { basis: 'posted', as_of: at(hour), net: '-300', postings: '2' },
    ]);
    const readAfter = await netBefore(pool, accounts.payable, 'posted', at(2 * hour));
    expect(readAfter).toEqual({ net: readBefore.net, postings: 4n, postingsRead: 2n });
    await expectExact(accounts.payable, [
      at(0),
      at(hour - 1),
      at(hour),
      at(hour + 1),
      at(hour + 60_000),
      at(2 * hour),
      at(2 * hour + 1),
      at(10 * hour),
    ]);
    // The wallet is checkpointed on the posted basis only (statements are of merchant payables).
    expect((await checkpointsOf(accounts.wallet)).map((row) => row.basis)).toEqual(['posted']);
    await expectExact(accounts.wallet, [at(hour), at(2 * hour)]);
    expect(await verifyBalanceCheckpoints(pool)).toMatchObject({ ok: true, mismatchCount: 0 });
  });

  it('counts an offline payment approved before a checkpoint and posted after it, and one approved after it but posted before', async () => {
    const accounts = await openMerchant();
    await post(accounts, [
      { postedAt: at(30 * 60_000), approvedAt: at(20 * 60_000), amount: 1_000, side: 'credit' },
      // A terminal whose clock ran ahead: approved after the boundary, posted before it.
      { postedAt: at(40 * 60_000), approvedAt: at(hour + 5 * 60_000), amount: 30, side: 'credit' },
    ]);
    await writeBalanceCheckpoints(pool, at(hour), { now: at(2 * hour), postingsMin: 1 });
    expect(
      (await checkpointsOf(accounts.payable)).find((row) => row.basis === 'approved'),
    ).toMatchObject({ net: '-1000' });
    // Uploaded the next day, approved 50 minutes before the checkpoint's boundary.
    await post(accounts, [
      { postedAt: at(26 * hour), approvedAt: at(10 * 60_000), amount: 7, side: 'credit' },
    ]);
    expect((await netBefore(pool, accounts.payable, 'approved', at(hour))).net).toBe(-1_007n);
    await expectExact(accounts.payable, [
      at(hour),
      at(hour + 5 * 60_000),
      at(hour + 5 * 60_000 + 1),
      at(27 * hour),
    ]);
    // The checkpoint's definition excludes what was posted after its boundary: still consistent.
    expect(await verifyBalanceCheckpoints(pool)).toMatchObject({ ok: true });
  });

  it('writes a checkpoint once when two writers (replicas) run the same round, and again writes nothing', async () => {
    const accounts = await openMerchant();
    await post(
      accounts,
      Array.from({ length: 12 }, (_, index) => ({
        postedAt: at(index * 10 * 60_000),
        approvedAt: at(index * 10 * 60_000 - 3 * 60_000),
        amount: 10 + index,
        side: 'credit' as const,
      })),
    );
    const round = () =>
      writeBalanceCheckpoints(pool, at(hour), { now: at(3 * hour), postingsMin: 3 });
    await Promise.all([round(), round()]);
    const once = await checkpointsOf(accounts.payable);
    expect(once).toHaveLength(2);
    expect(await round()).toBe(0);
    expect(await checkpointsOf(accounts.payable)).toEqual(once);
    // Fewer postings than the threshold since the latest checkpoint: no new one.
    await writeBalanceCheckpoints(pool, at(2 * hour), { now: at(3 * hour), postingsMin: 7 });
    expect(await checkpointsOf(accounts.payable)).toHaveLength(2);
    await expectExact(accounts.payable, [at(hour), at(90 * 60_000), at(2 * hour)]);
  });

  it('reports a checkpoint that disagrees with the journal, and refuses to change one', async () => {
    const accounts = await openMerchant();
    await post(accounts, [{ postedAt: at(0), approvedAt: at(0), amount: 5, side: 'credit' }]);
    await pool.query(
      `INSERT INTO ledger_balance_checkpoints (account_id, basis, as_of, net, postings, written_at) VALUES ($1, 'posted', $2, -6, 1, now())`,
      [accounts.payable, at(5 * hour)],
    );
    const report = await verifyBalanceCheckpoints(pool);
    expect(report).toMatchObject({ ok: false, mismatchCount: 1 });
    expect(report.mismatches[0]).toEqual({
      accountId: accounts.payable,
      basis: 'posted',
      asOf: at(5 * hour).toISOString(),
      checkpoint: { net: '-6', postings: '1' },
      journal: { net: '-5', postings: '1' },
    });
    await expect(
      pool.query('UPDATE ledger_balance_checkpoints SET net = -5 WHERE account_id = $1', [
        accounts.payable,
      ]),
    ).rejects.toThrow(/append-only/);
    // A wrong checkpoint is a cache entry: deleting it is the repair.
    await pool.query('DELETE FROM ledger_balance_checkpoints WHERE account_id = $1', [
      accounts.payable,
    ]);
    expect(await verifyBalanceCheckpoints(pool)).toMatchObject({ ok: true });
  });

  it('property: over random journals, checkpoint rounds and late uploads, every read equals the full sum', async () => {
    const minute = 60_000;
    const paymentArbitrary = fc.record({
      postedMinute: fc.integer({ min: 0, max: 6 * 60 }),
      // Approved before posting (offline: up to two hours or a day late), after it (a terminal clock ahead), or none.
      approvalLagMinutes: fc.oneof(
        fc.constant(null),
        fc.integer({ min: -90, max: 0 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 0, max: 24 * 60 }),
      ),
      amount: fc.integer({ min: 1, max: 10_000 }),
      side: fc.constantFrom<'credit' | 'debit'>('credit', 'credit', 'debit'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(paymentArbitrary, { minLength: 1, maxLength: 25 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: -60, max: 7 * 60 }), { minLength: 1, maxLength: 6 }),
        async (drawn, boundaryHours, readMinutes) => {
          const accounts = await openMerchant();
          const payments = drawn
            .map((payment) => ({
              postedAt: at(payment.postedMinute * minute),
              approvedAt:
                payment.approvalLagMinutes === null || payment.side === 'debit'
                  ? null
                  : at((payment.postedMinute - payment.approvalLagMinutes) * minute),
              amount: payment.amount,
              side: payment.side,
            }))
            .sort((a, b) => a.postedAt.getTime() - b.postedAt.getTime());
          // Rounds in the drawn order; before each, everything posted before its boundary has committed
          // (the writer's margin), what is posted later may still be on its way.
          let committed = 0;
          for (const boundary of boundaryHours) {
            const upTo = payments.findIndex(
              (payment) => payment.postedAt.getTime() >= boundary * hour,
            );
            const end = upTo === -1 ? payments.length : upTo;
            if (end > committed) await post(accounts, payments.slice(committed, end));
            committed = Math.max(committed, end);
            await writeBalanceCheckpoints(pool, at(boundary * hour), {
              now: at(8 * hour),
              postingsMin: 1,
            });
          }
          await post(accounts, payments.slice(committed));
          await expectExact(accounts.payable, [
            ...readMinutes.map((minutes) => at(minutes * minute)),
            ...boundaryHours.map((hours) => at(hours * hour)),
          ]);
        },
      ),
      { numRuns: 40 },
    );
    expect(await verifyBalanceCheckpoints(pool)).toMatchObject({ ok: true });
  });
});
