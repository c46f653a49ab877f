// Rebuild from the topics into empty tables against a running ledger and the real Kafka: payments,
// a funding, a refund and a payout are posted live; the rebuild reads the registry topics,
// ledger.entries.v1 and payments.verified.v1 from the earliest offset into a scratch schema and
// finds exactly the live accounts, chain heads, sub-balances and debits = credits; a tampered live
// sub-balance is reported.
import { partitionOf } from '../domain/hash-chain';
import {
  accountOpened,
  type LedgerTestKit,
  merchantOnboarded,
  paymentVerified,
  startLedger,
  uniqueId,
  waitFor,
} from '../testing/ledger-test-kit';

describe('rebuild from the topics into empty tables', () => {
  let kit: LedgerTestKit;
  const merchantId = uniqueId('mer');
  const accountIds = [uniqueId('acc')];
  while (accountIds.length < 3) {
    const candidate = uniqueId('acc');
    if (!accountIds.some((known) => partitionOf(known) === partitionOf(candidate)))
      accountIds.push(candidate);
  }

  const call = (method: string, path: string, body?: unknown) => kit.admin(method, path, body);
  const entryCount = async () =>
    Number((await kit.query<{ n: string }>('SELECT count(*) AS n FROM ledger_entries'))[0]?.n);
  // A payment's entry travels in payment.settled (v3: its place in the chain); every other entry in
  // ledger.entry-posted.
  const publishedEntries = () =>
    kit.published.filter(
      (event) =>
        event.type === 'ledger.entry-posted' ||
        (event.type === 'payment.settled' && (event.payload as { entry: unknown }).entry !== null),
    ).length;
  const scratchSchemas = async () =>
    (
      await kit.query<{ nspname: string }>(
        `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ledger_rebuild_%'`,
      )
    ).map((row) => row.nspname);

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
        ).length === 4,
      60_000,
      'accounts',
    );
    expect(
      (
        await call('POST', `/admin/merchants/${merchantId}/fee-schedules`, {
          basisPoints: 150,
          fixedMinorUnits: '2',
          effectiveFrom: null,
        })
      ).status,
    ).toBe(201);
    for (let index = 0; index < 9; index += 1)
      await kit.publish(
        paymentVerified({
          consumerAccountId: accountIds[index % 3]!,
          merchantId,
          amount: String(1_000 + index),
        }),
      );
    await waitFor(
      async () =>
        (await kit.query(`SELECT 1 FROM ledger_settlements WHERE status = 'settled'`)).length === 9,
      60_000,
      'settlements',
    );

    expect(
      (
        await call('POST', '/admin/fundings', {
          clientKey: uniqueId('key'),
          consumerAccountId: accountIds[0],
          amount: '5000',
          currency: 'EUR',
          externalReference: uniqueId('ref'),
        })
      ).body,
    ).toMatchObject({ outcome: 'posted' });
    const [payment] = await kit.query<{ entry_id: string }>(
      `SELECT entry_id FROM ledger_entries WHERE kind = 'payment' AND partition_key = $1 LIMIT 1`,
      [accountIds[1]],
    );
    expect(
      (
        await call('POST', '/admin/refunds', {
          clientKey: uniqueId('ref'),
          originalEntryId: payment!.entry_id,
          amount: '300',
        })
      ).body,
    ).toMatchObject({ outcome: 'posted' });
    expect(
      (
        await call('POST', '/admin/payouts', {
          clientKey: uniqueId('pay'),
          merchantId,
          amount: '2000',
          currency: 'EUR',
        })
      ).body,
    ).toMatchObject({ outcome: 'posted' });
    // 9 payments, a funding, a refund, a payout: every entry on the topic before the rebuild reads it.
    await waitFor(
      async () => (await entryCount()) === 12 && publishedEntries() >= 12,
      60_000,
      'entries published',
    );
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('rebuilds identical accounts, chain heads and sub-balances, with debits equal to credits, and drops its scratch schema', async () => {
    const rebuild = await call('POST', '/admin/journal/rebuild-from-topic');
    const [totals] = await kit.query<{ debits: string; credits: string }>(
      'SELECT sum(debits)::text AS debits, sum(credits)::text AS credits FROM ledger_balances',
    );
    expect(rebuild).toMatchObject({
      status: 200,
      body: {
        consistent: true,
        schemaKept: false,
        undecodableMessages: 0,
        accountEventsApplied: 4,
        entries: { applied: 12, conflicting: 0 },
        chain: { ok: true, breaks: [], brokenPartitions: 0 },
        paymentEntriesWithoutVerifiedPayment: 0,
        unpublishedEntryEvents: 0,
        accountMismatchCount: 0,
        headMismatchCount: 0,
        balanceMismatchCount: 0,
        trialBalance: [
          { currency: 'EUR', debits: totals!.debits, credits: totals!.credits, balanced: true },
        ],
      },
    });
    expect(await scratchSchemas()).toEqual([]);
    // The same answer as the rebuild from the journal.
    expect((await call('POST', '/admin/journal/rebuild')).body).toMatchObject({
      consistent: true,
      entriesApplied: 12,
    });
  });

  it('reports a live sub-balance that differs from the topic, and keeps the scratch schema when asked', async () => {
    const payable = `payable_${merchantId}`;
    const partition = partitionOf(accountIds[2]!);
    await kit.query(
      'UPDATE ledger_balances SET credits = credits + 7 WHERE account_id = $1 AND partition = $2',
      [payable, partition],
    );
    try {
      const rebuild = await call('POST', '/admin/journal/rebuild-from-topic?keepSchema=true');
      expect(rebuild.body).toMatchObject({
        consistent: false,
        schemaKept: true,
        headMismatchCount: 0,
        balanceMismatchCount: 1,
        balanceMismatches: [{ accountId: payable, partition }],
      });
      const mismatch = (
        rebuild.body.balanceMismatches as Array<{
          live: { credits: string };
          rebuilt: { credits: string };
        }>
      )[0]!;
      expect(BigInt(mismatch.live.credits) - BigInt(mismatch.rebuilt.credits)).toBe(7n);
      const schema = String(rebuild.body.schema);
      expect(await scratchSchemas()).toEqual([schema]);
      const [rebuilt] = await kit.query<{ n: string }>(
        `SELECT count(*) AS n FROM "${schema}".ledger_entries`,
      );
      expect(rebuilt?.n).toBe('12');
      await kit.query(`DROP SCHEMA "${schema}" CASCADE`);
    } finally {
      await kit.query(
        'UPDATE ledger_balances SET credits = credits - 7 WHERE account_id = $1 AND partition = $2',
        [payable, partition],
      );
    }
    expect((await call('POST', '/admin/journal/rebuild-from-topic')).body).toMatchObject({
      consistent: true,
    });
  });
});
