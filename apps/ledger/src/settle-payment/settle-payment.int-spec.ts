// Settlement through the real consumer: Kafka in, PostgreSQL and the outbox out, on this run's topics.
import { validateEventForSend } from '@settle/contracts';
import {
  accountOpened,
  type LedgerTestKit,
  merchantOnboarded,
  paymentVerified,
  startLedger,
  uniqueId,
  waitFor,
} from '../testing/ledger-test-kit';

describe('settling payment.verified', () => {
  let kit: LedgerTestKit;
  const merchantId = uniqueId('mer');

  beforeAll(async () => {
    kit = await startLedger();
    await kit.publish(merchantOnboarded(merchantId));
    await waitFor(
      async () =>
        (await kit.query('SELECT 1 FROM ledger_accounts WHERE owner_id = $1', [merchantId]))
          .length > 0,
      60_000,
      'merchant accounts',
    );
    await kit.query(
      `INSERT INTO ledger_fee_schedules (merchant_id, basis_points, fixed_minor_units, effective_from, created_by, created_at) VALUES ($1, 145, 0, now() - interval '1 day', 'test', now())`,
      [merchantId],
    );
  });

  afterAll(async () => {
    await kit?.stop();
  });

  const settlement = (transactionId: string) =>
    kit.query<{
      status: string;
      reason_code: string | null;
      fee: string | null;
      merchant_amount: string | null;
      entry_id: string | null;
    }>(
      'SELECT status, reason_code, fee::text, merchant_amount::text, entry_id FROM ledger_settlements WHERE transaction_id = $1',
      [transactionId],
    );
  const balance = async (accountId: string) =>
    (
      await kit.query<{ net: string | null }>(
        'SELECT sum(credits - debits)::text AS net FROM ledger_balances WHERE account_id = $1',
        [accountId],
      )
    )[0]?.net ?? '0';
  const publishedOf = (type: string, transactionId: string) =>
    kit.published.filter(
      (event) =>
        event.type === type &&
        (event.payload as { transactionId?: string }).transactionId === transactionId,
    );

  it('debits the wallet, credits the payable and fee revenue, and publishes one payment.settled (v3) carrying the entry’s place in the chain', async () => {
    const accountId = uniqueId('acc');
    await kit.publish(accountOpened(accountId));
    const payment = paymentVerified({ consumerAccountId: accountId, merchantId, amount: '1250' });
    await kit.publish(payment);
    const transactionId = (payment.payload as { transactionId: string }).transactionId;

    await waitFor(async () => (await settlement(transactionId)).length > 0, 30_000, 'settlement');
    expect(await settlement(transactionId)).toEqual([
      {
        status: 'settled',
        reason_code: null,
        fee: '18',
        merchant_amount: '1232',
        entry_id: expect.any(String),
      },
    ]);
    expect(await balance(`wallet_${accountId}`)).toBe('-1250');
    expect(await balance(`payable_${merchantId}`)).toBe('1232');

    await waitFor(() => publishedOf('payment.settled', transactionId).length > 0, 30_000, 'events');
    const [entryRow] = await kit.query<{ entry_id: string; hash: string }>(
      'SELECT entry_id, hash FROM ledger_entries WHERE transaction_id = $1',
      [transactionId],
    );
    expect(publishedOf('payment.settled', transactionId)[0]).toMatchObject({
      version: 3,
      key: accountId,
      causationId: payment.eventId,
      correlationId: payment.correlationId,
      payload: {
        amount: '1250',
        fee: '18',
        merchantAmount: '1232',
        currency: 'EUR',
        merchantId,
        entryId: entryRow!.entry_id,
        entry: { hash: entryRow!.hash },
      },
    });
    const posted = (
      publishedOf('payment.settled', transactionId)[0]!.payload as {
        entry: { partition: number; sequence: string; feeScheduleVersion: string; hash: string };
      }
    ).entry;
    // Only the entry's place in its chain: postings, time and previous hash follow (docs/events.md).
    expect(Object.keys(posted).sort()).toEqual([
      'feeScheduleVersion',
      'hash',
      'partition',
      'sequence',
    ]);
    expect(posted.sequence).toBe('1');
    expect(posted.feeScheduleVersion).toMatch(/^fee-schedule-\d+$/);
    // One event per settled payment: its entry is not published again as ledger.entry-posted.
    expect(publishedOf('ledger.entry-posted', transactionId)).toEqual([]);
    // A wallet that was never funded is overdrawn by a guaranteed payment: the entry posts anyway.
    await waitFor(
      () =>
        kit.published.some(
          (event) => event.type === 'account.overdrawn' && event.key === accountId,
        ),
      30_000,
      'account.overdrawn',
    );
    expect(
      kit.published.find((event) => event.type === 'account.overdrawn' && event.key === accountId)
        ?.payload,
    ).toMatchObject({ balance: '-1250', currency: 'EUR' });
  });

  it('posts a payment once, whether the same event is redelivered or the transaction arrives again as a new event', async () => {
    const accountId = uniqueId('acc');
    await kit.publish(accountOpened(accountId));
    const payment = paymentVerified({ consumerAccountId: accountId, merchantId, amount: '500' });
    const transactionId = (payment.payload as { transactionId: string }).transactionId;
    const again = paymentVerified({
      consumerAccountId: accountId,
      merchantId,
      amount: '500',
      transactionId,
    });
    await kit.publish(payment);
    await kit.publish(payment);
    await kit.publish(again);
    const marker = paymentVerified({ consumerAccountId: accountId, merchantId, amount: '1' });
    await kit.publish(marker);
    await waitFor(
      async () =>
        (await settlement((marker.payload as { transactionId: string }).transactionId)).length > 0,
      30_000,
      'marker settled',
    );

    expect(
      await kit.query('SELECT entry_id FROM ledger_entries WHERE transaction_id = $1', [
        transactionId,
      ]),
    ).toHaveLength(1);
    expect(await balance(`wallet_${accountId}`)).toBe('-501');
    await waitFor(
      () =>
        publishedOf('payment.settled', (marker.payload as { transactionId: string }).transactionId)
          .length > 0,
      30_000,
      'marker published',
    );
    expect(publishedOf('payment.settled', transactionId)).toHaveLength(1);
  });

  it('keeps a replay of a settled transaction id with other content as a fraud signal, alerts on it, and leaves the settlement as it was', async () => {
    const accountId = uniqueId('acc');
    await kit.publish(accountOpened(accountId));
    const original = paymentVerified({
      consumerAccountId: accountId,
      merchantId,
      amount: '700',
      approvedAt: '2026-12-05T23:55:00.000Z',
    });
    const transactionId = (original.payload as { transactionId: string }).transactionId;
    await kit.publish(original);
    await waitFor(
      async () => (await settlement(transactionId)).length > 0,
      30_000,
      'original settled',
    );
    const before = await kit.query('SELECT * FROM ledger_settlements WHERE transaction_id = $1', [
      transactionId,
    ]);
    expect(before).toMatchObject([
      { status: 'settled', amount: '700', approved_at: new Date('2026-12-05T23:55:00.000Z') },
    ]);

    // The same content as a new event: a quiet duplicate.
    const sameContent = paymentVerified({
      consumerAccountId: accountId,
      merchantId,
      amount: '700',
      approvedAt: '2026-12-05T23:55:00.000Z',
      transactionId,
    });
    // Another amount under the settled transaction id: a fraud signal. Published twice (a redelivery).
    const otherAmount = paymentVerified({
      consumerAccountId: accountId,
      merchantId,
      amount: '70000',
      approvedAt: '2026-12-05T23:55:00.000Z',
      transactionId,
    });
    await kit.publish(sameContent);
    await kit.publish(otherAmount);
    await kit.publish(otherAmount);
    const marker = paymentVerified({ consumerAccountId: accountId, merchantId, amount: '1' });
    await kit.publish(marker);
    await waitFor(
      async () =>
        (await settlement((marker.payload as { transactionId: string }).transactionId)).length > 0,
      30_000,
      'marker settled',
    );

    const signals = await kit.query<{
      kind: string;
      event_id: string;
      differing_fields: string[];
      recorded: Record<string, unknown>;
      received: Record<string, unknown>;
    }>(
      'SELECT kind, event_id, differing_fields, recorded, received FROM ledger_fraud_signals WHERE transaction_id = $1',
      [transactionId],
    );
    expect(signals).toEqual([
      {
        kind: 'DUPLICATE_WITH_DIFFERENT_CONTENT',
        event_id: otherAmount.eventId,
        differing_fields: ['amount'],
        recorded: expect.objectContaining({
          status: 'settled',
          amount: '700',
          consumerAccountId: accountId,
          merchantId,
        }),
        received: expect.objectContaining({ amount: '70000', transactionId }),
      },
    ]);
    const alerts = kit.test.logs.lines.filter(
      (line) =>
        line.alert === 'SETTLED_TRANSACTION_REPLAYED_WITH_OTHER_CONTENT' &&
        line.transactionId === transactionId,
    );
    expect(alerts).toEqual([
      expect.objectContaining({
        level: 'error',
        eventId: otherAmount.eventId,
        differingFields: ['amount'],
      }),
    ]);
    // What was decided stays: the same outcome row, one entry, the wallet charged once.
    expect(
      await kit.query('SELECT * FROM ledger_settlements WHERE transaction_id = $1', [
        transactionId,
      ]),
    ).toEqual(before);
    expect(
      await kit.query('SELECT entry_id FROM ledger_entries WHERE transaction_id = $1', [
        transactionId,
      ]),
    ).toHaveLength(1);
    expect(await balance(`wallet_${accountId}`)).toBe('-701');
    await waitFor(
      () =>
        publishedOf('payment.settled', (marker.payload as { transactionId: string }).transactionId)
          .length > 0,
      30_000,
      'marker published',
    );
    expect(publishedOf('payment.settled', transactionId)).toHaveLength(1);
  });

  it('waits for an unknown account within the window, then publishes settlement-failed UNKNOWN_ACCOUNT', async () => {
    const payment = paymentVerified({
      consumerAccountId: uniqueId('acc'),
      merchantId,
      amount: '100',
    });
    const transactionId = (payment.payload as { transactionId: string }).transactionId;
    await kit.publish(payment);
    await waitFor(async () => (await settlement(transactionId)).length > 0, 30_000, 'failure');
    expect(await settlement(transactionId)).toEqual([
      {
        status: 'failed',
        reason_code: 'UNKNOWN_ACCOUNT',
        fee: null,
        merchant_amount: null,
        entry_id: null,
      },
    ]);
    await waitFor(
      () => publishedOf('payment.settlement-failed', transactionId).length > 0,
      30_000,
      'settlement-failed',
    );
    expect(publishedOf('payment.settlement-failed', transactionId)[0]!.payload).toMatchObject({
      reasonCode: 'UNKNOWN_ACCOUNT',
    });
    expect(
      await kit.query('SELECT 1 FROM ledger_entries WHERE transaction_id = $1', [transactionId]),
    ).toHaveLength(0);
  });

  it('settles a payment whose account arrives within the window', async () => {
    const accountId = uniqueId('acc');
    const payment = paymentVerified({ consumerAccountId: accountId, merchantId, amount: '100' });
    const transactionId = (payment.payload as { transactionId: string }).transactionId;
    await kit.publish(payment);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await kit.publish(accountOpened(accountId));
    await waitFor(async () => (await settlement(transactionId)).length > 0, 30_000, 'settlement');
    expect((await settlement(transactionId))[0]?.status).toBe('settled');
  });

  it('fails a currency mismatch at once, posting nothing', async () => {
    const accountId = uniqueId('acc');
    await kit.publish(accountOpened(accountId, 'USD'));
    await waitFor(
      async () =>
        (await kit.query('SELECT 1 FROM ledger_accounts WHERE owner_id = $1', [accountId])).length >
        0,
      30_000,
      'account',
    );
    const payment = paymentVerified({
      consumerAccountId: accountId,
      merchantId,
      amount: '100',
      currency: 'USD',
    });
    const transactionId = (payment.payload as { transactionId: string }).transactionId;
    await kit.publish(payment);
    await waitFor(async () => (await settlement(transactionId)).length > 0, 30_000, 'failure');
    expect((await settlement(transactionId))[0]).toMatchObject({
      status: 'failed',
      reason_code: 'CURRENCY_MISMATCH',
    });
    expect(await balance(`wallet_${accountId}`)).toBe('0');
  });

  it('fails an amount the journal does not accept as AMOUNT_OUT_OF_RANGE', async () => {
    const accountId = uniqueId('acc');
    await kit.publish(accountOpened(accountId));
    const payment = paymentVerified({ consumerAccountId: accountId, merchantId, amount: '0' });
    const transactionId = (payment.payload as { transactionId: string }).transactionId;
    await kit.publish(payment);
    await waitFor(async () => (await settlement(transactionId)).length > 0, 30_000, 'failure');
    expect((await settlement(transactionId))[0]).toMatchObject({
      status: 'failed',
      reason_code: 'AMOUNT_OUT_OF_RANGE',
    });
  });

  it('dead-letters a malformed event and posts nothing', async () => {
    await kit.publishRaw('payments.verified.v1', 'acc_x', '{"not": "an envelope"');
    await waitFor(
      () => kit.deadLetters.some((letter) => letter.reason === 'MALFORMED_JSON'),
      30_000,
      'dead letter',
    );
    expect(kit.deadLetters.filter((letter) => letter.reason !== 'MALFORMED_JSON')).toEqual([]);
  });

  it('keeps debits equal to credits per currency and every balance equal to the sum of its postings', async () => {
    const trial = await kit.query<{ currency: string; debits: string; credits: string }>(
      'SELECT currency, sum(debits)::text AS debits, sum(credits)::text AS credits FROM ledger_balances GROUP BY currency',
    );
    for (const row of trial) expect(row.debits).toBe(row.credits);
    const drift = await kit.query(
      `SELECT b.account_id FROM ledger_balances b
        LEFT JOIN (SELECT account_id, partition, sum(amount) FILTER (WHERE side = 'debit') AS d, sum(amount) FILTER (WHERE side = 'credit') AS c
                     FROM ledger_postings GROUP BY account_id, partition) p USING (account_id, partition)
        WHERE b.debits <> coalesce(p.d, 0) OR b.credits <> coalesce(p.c, 0)`,
    );
    expect(drift).toEqual([]);
  });

  it('has the database refuse postings that do not balance per currency, storing none of them', async () => {
    const insert = (
      entryId: string,
      legs: Array<[side: string, amount: string, currency: string]>,
    ) =>
      kit.query(
        `INSERT INTO ledger_postings (entry_id, posting_index, account_id, partition, side, amount, currency, posted_at)
         SELECT $1, i - 1, 'wallet_x', 0, side, amount, currency, now() FROM unnest($2::text[], $3::bigint[], $4::text[]) WITH ORDINALITY AS leg(side, amount, currency, i)`,
        [
          entryId,
          legs.map(([side]) => side),
          legs.map(([, amount]) => amount),
          legs.map(([, , currency]) => currency),
        ],
      );
    await expect(
      insert('unbalanced-amount', [
        ['debit', '100', 'EUR'],
        ['credit', '99', 'EUR'],
      ]),
    ).rejects.toThrow(/postings of entry unbalanced-amount do not balance in EUR/);
    await expect(
      insert('unbalanced-currency', [
        ['debit', '100', 'EUR'],
        ['credit', '100', 'USD'],
      ]),
    ).rejects.toThrow(/do not balance in (EUR|USD)/);
    expect(
      await kit.query('SELECT 1 FROM ledger_postings WHERE entry_id LIKE $1', ['unbalanced-%']),
    ).toEqual([]);
  });

  it('published only events that satisfy their contracts (the outbox does not check settlement’s own)', () => {
    const ours = kit.published.filter((event) => event.producer === 'ledger');
    expect(ours.map((event) => event.type)).toEqual(
      expect.arrayContaining(['payment.settled', 'payment.settlement-failed', 'account.overdrawn']),
    );
    expect(ours.map(validateEventForSend).filter((validation) => !validation.ok)).toEqual([]);
  });
});
