// Ledger migration 0006 against the real PostgreSQL: payouts that were waiting in ledger_payouts
// (their own approval table before) move to ledger_approvals under their payout id, with the request
// an approval replays; posted and rejected payouts stay; a pending payout row can no longer exist.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { applySqlFiles, createTestDatabase, type TestDatabase } from '@settle/test-support';
import { Pool } from 'pg';

const migrations = path.join(__dirname, '..', '..', 'migrations');
const before0006 = [
  '0001-init.sql',
  '0002-accounts-journal-balances.sql',
  '0003-payouts.sql',
  '0004-maker-checker.sql',
  '0005-payout-approvals.sql',
];

describe('ledger migration 0006 (payouts through ledger_approvals)', () => {
  let database: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase('ledger_migration_0006');
    pool = new Pool({ connectionString: database.url, max: 1 });
    await applySqlFiles(
      pool,
      path.join(__dirname, '..', '..', '..', '..', 'libs', 'platform', 'migrations'),
    );
    await applySqlFiles(
      pool,
      path.join(__dirname, '..', '..', '..', '..', 'libs', 'messaging', 'migrations'),
    );
    for (const file of before0006)
      await pool.query(readFileSync(path.join(migrations, file), 'utf8'));
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('moves the pending payouts, with and without a request audit row, and keeps the others', async () => {
    const insert = `INSERT INTO ledger_payouts (payout_id, client_key, merchant_id, amount, currency, status, requested_by, requested_at, requested_audit_id, expires_at, rejected_by)
                    VALUES ($1, $2, 'mer_1', $3, 'EUR', $4, 'alice', '2026-12-01T10:00:00Z', $5, '2026-12-02T10:00:00Z', $6)`;
    await pool.query(insert, ['payout_pending', 'key-1', 3000, 'pending-approval', 41, null]);
    await pool.query(insert, ['payout_old', 'key-2', 2000, 'pending-approval', null, null]);
    await pool.query(insert, ['payout_rejected', 'key-3', 1500, 'rejected', 42, 'bob']);

    await pool.query(
      readFileSync(path.join(migrations, '0006-payouts-through-approvals.sql'), 'utf8'),
    );

    const { rows: approvals } = await pool.query(
      `SELECT approval_id, kind, business_key, command, account_key, amount::text, reasons, status, maker_operator_id, maker_audit_id::text, requested_at, expires_at
         FROM ledger_approvals ORDER BY approval_id`,
    );
    expect(approvals).toEqual([
      expect.objectContaining({
        approval_id: 'payout_old',
        kind: 'payout',
        maker_audit_id: null,
        status: 'pending',
      }),
      {
        approval_id: 'payout_pending',
        kind: 'payout',
        business_key: 'key-1',
        command: { clientKey: 'key-1', merchantId: 'mer_1', amount: '3000', currency: 'EUR' },
        account_key: 'mer_1',
        amount: '3000',
        reasons: ['AMOUNT_ABOVE_LIMIT'],
        status: 'pending',
        maker_operator_id: 'alice',
        maker_audit_id: '41',
        requested_at: new Date('2026-12-01T10:00:00Z'),
        expires_at: new Date('2026-12-02T10:00:00Z'),
      },
    ]);
    expect((await pool.query('SELECT payout_id, status FROM ledger_payouts')).rows).toEqual([
      { payout_id: 'payout_rejected', status: 'rejected' },
    ]);
    await expect(
      pool.query(insert, ['payout_new', 'key-4', 1, 'pending-approval', 43, null]),
    ).rejects.toThrow(/ledger_payouts_status_check/);
    // Only a payout may lack the maker's audit row.
    await expect(
      pool.query(`INSERT INTO ledger_approvals (approval_id, kind, business_key, command, account_key, amount, currency, reasons, status, maker_operator_id, requested_at, expires_at)
                  VALUES ('approval_x', 'funding', 'key-5', '{}', 'acc_1', 1, 'EUR', ARRAY['AMOUNT_ABOVE_LIMIT'], 'pending', 'alice', now(), now() + interval '1 day')`),
    ).rejects.toThrow(/ledger_approvals_maker_audit_check/);
  });
});
