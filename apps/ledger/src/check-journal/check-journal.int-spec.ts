// Rebuild and verify-chain against a running ledger: a sound journal rebuilds to the live projections
// and verifies; a tampered sub-balance is reported by the rebuild; a tampered posting breaks its
// partition's chain at that entry (the triggers that forbid it are disabled for the test only).
import { adminAuthorization, testViewer } from '@settle/platform/testing';
import {
  appendToChain,
  canonicalEntryEncoding,
  genesisHead,
  partitionOf,
} from '../domain/hash-chain';
import { canonicalEntrySql, canonicalPostingSql, entryHashSql } from './canonical-encoding-sql';
import {
  accountOpened,
  type LedgerTestKit,
  merchantOnboarded,
  paymentVerified,
  startLedger,
  uniqueId,
  waitFor,
} from '../testing/ledger-test-kit';

describe('rebuild and verify-chain', () => {
  let kit: LedgerTestKit;
  const merchantId = uniqueId('mer');
  const accountIds = [uniqueId('acc')];
  // Two wallets on two different chains, so each partition holds three entries.
  while (accountIds.length < 2) {
    const candidate = uniqueId('acc');
    if (partitionOf(candidate) !== partitionOf(accountIds[0]!)) accountIds.push(candidate);
  }

  const post = async (path: string) => {
    const response = await fetch(`${kit.test.url}${path}`, {
      method: 'POST',
      headers: { authorization: adminAuthorization() },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    kit = await startLedger();
    await kit.publish(merchantOnboarded(merchantId));
    for (const accountId of accountIds) await kit.publish(accountOpened(accountId));
    await waitFor(
      async () =>
        (
          await kit.query('SELECT 1 FROM ledger_accounts WHERE owner_id = ANY($1)', [
            [merchantId, ...accountIds],
          ])
        ).length === 3,
      60_000,
      'accounts',
    );
    for (let index = 0; index < 6; index += 1)
      await kit.publish(
        paymentVerified({
          consumerAccountId: accountIds[index % 2]!,
          merchantId,
          amount: String(100 + index),
        }),
      );
    await waitFor(
      async () => (await kit.query('SELECT 1 FROM ledger_settlements')).length === 6,
      60_000,
      'settlements',
    );
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('rebuilds a sound journal to exactly the live heads and sub-balances, and every chain verifies', async () => {
    const rebuild = await post('/admin/journal/rebuild');
    expect(rebuild).toMatchObject({
      status: 200,
      body: {
        consistent: true,
        entriesApplied: 6,
        headMismatchCount: 0,
        balanceMismatchCount: 0,
        trialBalance: [{ currency: 'EUR', debits: '615', credits: '615', balanced: true }],
      },
    });
    const verify = await post('/admin/journal/verify-chain');
    expect(verify).toEqual({
      status: 200,
      body: {
        ok: true,
        entriesVerified: 6,
        partitionsWithEntries: 2,
        breaks: [],
        brokenPartitions: 0,
      },
    });
    const audit = await kit.query<{ action: string }>(
      `SELECT action FROM admin_audit_log WHERE action LIKE 'ledger.admin.journal.%' ORDER BY id`,
    );
    expect(audit.map((row) => row.action)).toEqual([
      'ledger.admin.journal.rebuild',
      'ledger.admin.journal.verify-chain',
    ]);
  });

  it('encodes and hashes an entry in SQL byte for byte as the domain does, awkward characters and nulls included', async () => {
    const awkward = 'x_"quoted" back\\slash\n\t\u0001\u001f é 😀 \u2028 </script>';
    for (const links of [
      {
        kind: 'refund' as const,
        transactionId: `txn_${awkward}`,
        originalEntryId: `ent_${awkward}`,
        feeScheduleVersion: `fee-${awkward}`,
      },
      {
        kind: 'funding' as const,
        transactionId: null,
        originalEntryId: null,
        feeScheduleVersion: null,
      },
    ]) {
      const { entry } = appendToChain(genesisHead(7), {
        entryId: `ent_${awkward}`,
        idempotencyKey: 'not-hashed',
        partitionKey: `acc_${awkward}`,
        ...links,
        postings: [
          {
            accountId: `wallet_${awkward}`,
            side: 'debit',
            amount: 999_999_999_999_999n,
            currency: 'EUR',
          },
          {
            accountId: 'payable_"m"',
            side: 'credit',
            amount: 999_999_999_999_998n,
            currency: 'EUR',
          },
          { accountId: 'fee-revenue_EUR', side: 'credit', amount: 1n, currency: 'EUR' },
        ],
        postedAt: '2026-01-02T03:04:05.067Z',
      });
      const postings = `(SELECT string_agg(${canonicalPostingSql('posting')}, ',' ORDER BY posting.posting_index)
        FROM unnest($10::int[], $11::text[], $12::text[], $13::bigint[], $14::text[]) AS posting(posting_index, account_id, side, amount, currency))`;
      const [row] = await kit.query<{ encoded: string; hash: string }>(
        `SELECT ${canonicalEntrySql('e', postings)} AS encoded, ${entryHashSql('e', postings)} AS hash
           FROM (SELECT $1::text AS entry_id, $2::int AS partition, $3::text AS partition_key, $4::bigint AS sequence, $5::text AS kind, $6::text AS transaction_id,
                        $7::text AS original_entry_id, $8::text AS fee_schedule_version, $9::timestamptz AS posted_at, $15::text AS previous_hash) AS e`,
        [
          entry.entryId,
          entry.partition,
          entry.partitionKey,
          entry.sequence.toString(),
          entry.kind,
          entry.transactionId,
          entry.originalEntryId,
          entry.feeScheduleVersion,
          entry.postedAt,
          entry.postings.map((_, index) => index),
          entry.postings.map((posting) => posting.accountId),
          entry.postings.map((posting) => posting.side),
          entry.postings.map((posting) => posting.amount.toString()),
          entry.postings.map((posting) => posting.currency),
          entry.previousHash,
        ],
      );
      expect(row?.encoded).toBe(canonicalEntryEncoding(entry));
      expect(row?.hash).toBe(entry.hash);
    }
  });

  it('reports a sub-balance that differs from the journal', async () => {
    const payable = `payable_${merchantId}`;
    await kit.query(
      'UPDATE ledger_balances SET credits = credits + 1 WHERE account_id = $1 AND partition = $2',
      [payable, partitionOf(accountIds[0]!)],
    );
    try {
      const rebuild = await post('/admin/journal/rebuild');
      expect(rebuild.body).toMatchObject({
        consistent: false,
        headMismatchCount: 0,
        balanceMismatchCount: 1,
        balanceMismatches: [{ accountId: payable, partition: partitionOf(accountIds[0]!) }],
      });
      expect((await post('/admin/journal/verify-chain')).body).toMatchObject({ ok: true });
    } finally {
      await kit.query(
        'UPDATE ledger_balances SET credits = credits - 1 WHERE account_id = $1 AND partition = $2',
        [payable, partitionOf(accountIds[0]!)],
      );
    }
    expect((await post('/admin/journal/rebuild')).body).toMatchObject({ consistent: true });
  });

  it('finds the first broken link of a partition whose posting was changed behind the journal’s back', async () => {
    const partition = partitionOf(accountIds[1]!);
    const [second] = await kit.query<{ entry_id: string }>(
      'SELECT entry_id FROM ledger_entries WHERE partition = $1 AND sequence = 2',
      [partition],
    );
    await kit.query('ALTER TABLE ledger_postings DISABLE TRIGGER ledger_postings_append_only');
    // Still balanced (both legs grow by one), so only the hash chain can tell.
    await kit.query(
      'UPDATE ledger_postings SET amount = amount + 1 WHERE entry_id = $1 AND posting_index IN (0, 1)',
      [second!.entry_id],
    );
    await kit.query('ALTER TABLE ledger_postings ENABLE TRIGGER ledger_postings_append_only');

    const verify = await post('/admin/journal/verify-chain');
    expect(verify.body).toEqual({
      ok: false,
      entriesVerified: 4,
      partitionsWithEntries: 2,
      breaks: [{ partition, code: 'HASH_MISMATCH', sequence: '2', expected: null }],
      brokenPartitions: 1,
    });
    const rebuild = await post('/admin/journal/rebuild');
    expect(rebuild.body).toMatchObject({
      consistent: false,
      entriesApplied: 4,
      headMismatchCount: 1,
      headMismatches: [{ partition, live: { sequence: '3' }, rebuilt: { sequence: '1' } }],
    });
  });

  // Last: its refused requests add audit rows the tests above count.
  it('lets a viewer verify the chains but not start a rebuild (a maker’s job: it loads the database)', async () => {
    const asViewer = (path: string) =>
      fetch(`${kit.test.url}${path}`, {
        method: 'POST',
        headers: { authorization: adminAuthorization(testViewer.operatorId, testViewer.secret) },
      });
    const verify = await asViewer('/admin/journal/verify-chain');
    expect(verify.status).toBe(200);
    for (const path of ['/admin/journal/rebuild', '/admin/journal/rebuild-from-topic']) {
      const refused = await asViewer(path);
      expect({ path, status: refused.status, type: refused.headers.get('content-type') }).toEqual({
        path,
        status: 403,
        type: expect.stringContaining('application/problem+json'),
      });
      expect(await refused.json()).toMatchObject({ code: 'ADMIN_ROLE_REQUIRED' });
    }
  });
});
