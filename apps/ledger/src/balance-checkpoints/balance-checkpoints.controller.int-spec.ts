// The balance checkpoints inside a running ledger: `?asOf=` reads through a checkpoint the balance the
// journal gives, and the verification route reports a checkpoint that disagrees with the journal.
import { type SqlPool } from '@settle/messaging';
import { type Clock, type Logger, PLATFORM_LOGGER, SQL_POOL } from '@settle/platform';
import {
  accountOpened,
  type LedgerTestKit,
  startLedger,
  uniqueId,
  waitFor,
} from '../testing/ledger-test-kit';
import { BalanceCheckpointWriter } from './balance-checkpoint-writer';
import { checkpointPeriodMs, checkpointPostingsMin } from './balance-checkpoints';
import { writeBalanceCheckpoints } from './write-balance-checkpoints';

describe('balance checkpoints in the ledger service', () => {
  let kit: LedgerTestKit;
  const accountId = uniqueId('acc');
  const wallet = `wallet_${accountId}`;

  beforeAll(async () => {
    kit = await startLedger();
    await kit.publish(accountOpened(accountId));
    await waitFor(
      async () =>
        (await kit.query('SELECT 1 FROM ledger_accounts WHERE account_id = $1', [wallet]))
          .length === 1,
      60_000,
      'wallet',
    );
    for (const amount of ['300', '40'])
      expect(
        (
          await kit.admin('POST', '/admin/fundings', {
            clientKey: uniqueId('key'),
            consumerAccountId: accountId,
            amount,
            currency: 'EUR',
            externalReference: uniqueId('ref'),
          })
        ).status,
      ).toBe(200);
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('answers ?asOf= through a checkpoint, and verifies the checkpoints against the journal', async () => {
    // The next whole hour: nothing else posts to this wallet in the test, so the fundings are all before it.
    const boundary = new Date(Math.ceil(Date.now() / checkpointPeriodMs) * checkpointPeriodMs);
    const pool = kit.test.service.app.get<SqlPool>(SQL_POOL);
    await writeBalanceCheckpoints(pool, boundary, { now: new Date(), postingsMin: 1 });
    expect(
      await kit.query(
        'SELECT net::text, postings::text FROM ledger_balance_checkpoints WHERE account_id = $1',
        [wallet],
      ),
    ).toEqual([{ net: '-340', postings: '2' }]);
    const asOf = new Date(boundary.getTime() + 60_000).toISOString();
    expect(await kit.admin('GET', `/admin/accounts/${wallet}/balance?asOf=${asOf}`)).toMatchObject({
      status: 200,
      body: { balance: '340', asOf },
    });
    expect(await kit.admin('POST', '/admin/journal/verify-checkpoints')).toMatchObject({
      status: 200,
      body: { ok: true, mismatchCount: 0 },
    });

    await kit.query(
      `INSERT INTO ledger_balance_checkpoints (account_id, basis, as_of, net, postings, written_at) VALUES ($1, 'posted', $2, -1, 1, now())`,
      [wallet, new Date(boundary.getTime() + checkpointPeriodMs)],
    );
    expect(await kit.admin('POST', '/admin/journal/verify-checkpoints')).toMatchObject({
      status: 200,
      body: {
        ok: false,
        mismatchCount: 1,
        mismatches: [
          {
            accountId: wallet,
            basis: 'posted',
            checkpoint: { net: '-1', postings: '1' },
            journal: { net: '-340', postings: '2' },
          },
        ],
      },
    });
  });

  it('writes checkpoints in a scheduled round once per boundary, for the accounts with enough postings', async () => {
    // A busy account: checkpointPostingsMin postings an hour ago, written in SQL (two per entry).
    const busy = uniqueId('acc');
    const busyWallet = `wallet_${busy}`;
    await kit.query(
      `INSERT INTO ledger_accounts (account_id, purpose, type, currency, owner_kind, owner_id, opened_at)
       VALUES ($1, 'wallet', 'liability', 'EUR', 'consumer-account', $2, now())`,
      [busyWallet, busy],
    );
    const entries = checkpointPostingsMin / 2;
    await kit.query(
      `WITH k AS (SELECT k, $2 || '-' || k AS entry_id FROM generate_series(1, $3::int) AS k)
       , entries AS (INSERT INTO ledger_entries (entry_id, partition, sequence, partition_key, kind, idempotency_key, previous_hash, hash, posted_at)
         SELECT entry_id, 1023, 1000000 + k, 'busy', 'funding', entry_id, repeat('0', 64), repeat('0', 64), now() - interval '1 hour' FROM k)
       INSERT INTO ledger_postings (entry_id, posting_index, account_id, partition, side, amount, currency, posted_at)
       SELECT entry_id, i, $1, 1023, CASE i WHEN 0 THEN 'credit' ELSE 'debit' END, 5, 'EUR', now() - interval '1 hour'
         FROM k CROSS JOIN generate_series(0, 1) AS i`,
      [busyWallet, uniqueId('busy'), entries],
    );
    const app = kit.test.service.app;
    // Three hours ahead: the boundary is after everything posted here.
    const clock: Clock = { now: () => new Date(Date.now() + 3 * checkpointPeriodMs) };
    const writer = new BalanceCheckpointWriter(
      app.get<SqlPool>(SQL_POOL),
      clock,
      app.get<Logger>(PLATFORM_LOGGER, { strict: false }),
    );
    expect(await writer.writeOnce()).toBeGreaterThanOrEqual(1);
    expect(
      await kit.query(
        'SELECT net::text, postings::text FROM ledger_balance_checkpoints WHERE account_id = $1',
        [busyWallet],
      ),
    ).toEqual([{ net: '0', postings: String(checkpointPostingsMin) }]);
    expect(await writer.writeOnce()).toBe(0);
  });
});
