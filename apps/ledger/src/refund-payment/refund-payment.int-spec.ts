// Refunds and reversals against a running ledger: new entries linked to the original, refunds never
// exceeding what is left, idempotent by client key (409 on other content), reversals found again,
// balances and the rebuild agreeing afterwards.
import {
  accountOpened,
  type LedgerTestKit,
  merchantOnboarded,
  paymentVerified,
  startLedger,
  uniqueId,
  waitFor,
} from '../testing/ledger-test-kit';

describe('refunds and reversals', () => {
  let kit: LedgerTestKit;
  const merchantId = uniqueId('mer');
  const accountId = uniqueId('acc');

  const call = (method: string, path: string, body?: unknown) => kit.admin(method, path, body);
  const balance = async (accountId: string) =>
    (await call('GET', `/admin/accounts/${accountId}/balance`)).body.balance;
  const settle = async (amount: string): Promise<string> => {
    const payment = paymentVerified({ consumerAccountId: accountId, merchantId, amount });
    const transactionId = (payment.payload as { transactionId: string }).transactionId;
    await kit.publish(payment);
    await waitFor(
      async () => (await call('GET', `/admin/settlements/${transactionId}`)).status === 200,
      30_000,
      'settlement',
    );
    return String((await call('GET', `/admin/settlements/${transactionId}`)).body.entryId);
  };

  beforeAll(async () => {
    kit = await startLedger();
    await kit.publish(merchantOnboarded(merchantId));
    await kit.publish(accountOpened(accountId));
    await waitFor(
      async () =>
        (
          await kit.query('SELECT 1 FROM ledger_accounts WHERE owner_id = ANY($1)', [
            [merchantId, accountId],
          ])
        ).length === 2,
      60_000,
      'accounts',
    );
    expect(
      (
        await call('POST', `/admin/merchants/${merchantId}/fee-schedules`, {
          basisPoints: 100,
          fixedMinorUnits: '0',
          effectiveFrom: null,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('POST', '/admin/fundings', {
          clientKey: uniqueId('key'),
          consumerAccountId: accountId,
          amount: '5000',
          currency: 'EUR',
          externalReference: uniqueId('ref'),
        })
      ).status,
    ).toBe(200);
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('refunds a payment in parts, never beyond the original, idempotently by client key', async () => {
    const paymentEntryId = await settle('1000');
    const first = { clientKey: uniqueId('ref'), originalEntryId: paymentEntryId, amount: '400' };
    const posted = await call('POST', '/admin/refunds', first);
    expect(posted).toMatchObject({ status: 200, body: { outcome: 'posted' } });
    expect(await call('POST', '/admin/refunds', first)).toEqual({
      status: 200,
      body: { outcome: 'duplicate', entryId: posted.body.entryId },
    });
    expect(await call('POST', '/admin/refunds', { ...first, amount: '401' })).toMatchObject({
      status: 409,
      body: { code: 'IDEMPOTENCY_KEY_REUSED', errors: [{ field: 'clientKey' }] },
    });
    expect(
      await call('POST', '/admin/refunds', {
        clientKey: uniqueId('ref'),
        originalEntryId: paymentEntryId,
        amount: '601',
      }),
    ).toMatchObject({
      status: 422,
      body: { code: 'REFUND_EXCEEDS_REMAINING', errors: [{ field: 'amount' }] },
    });
    expect(
      (
        await call('POST', '/admin/refunds', {
          clientKey: uniqueId('ref'),
          originalEntryId: paymentEntryId,
          amount: '600',
        })
      ).body,
    ).toMatchObject({ outcome: 'posted' });
    expect(
      await call('POST', '/admin/refunds', {
        clientKey: uniqueId('ref'),
        originalEntryId: paymentEntryId,
        amount: '1',
      }),
    ).toMatchObject({ status: 422, body: { code: 'REFUND_EXCEEDS_REMAINING' } });
    expect(await call('POST', `/admin/entries/${paymentEntryId}/reversal`)).toMatchObject({
      status: 422,
      body: { code: 'ALREADY_REFUNDED' },
    });
    expect(
      await call('POST', '/admin/refunds', {
        clientKey: uniqueId('ref'),
        originalEntryId: 'no-such-entry',
        amount: '1',
      }),
    ).toMatchObject({ status: 404, body: { code: 'ORIGINAL_NOT_FOUND' } });

    const refund = await call('GET', `/admin/entries/${String(posted.body.entryId)}`);
    expect(refund.body).toMatchObject({
      kind: 'refund',
      originalEntryId: paymentEntryId,
      postings: [
        { accountId: `payable_${merchantId}`, side: 'debit', amount: '400' },
        { accountId: `wallet_${accountId}`, side: 'credit', amount: '400' },
      ],
    });
    // The fee (1 %) stays with the processor: the merchant bears it.
    expect(await balance(`wallet_${accountId}`)).toBe('5000');
    expect(await balance(`payable_${merchantId}`)).toBe('-10');
    expect(await balance('fee-revenue_EUR')).toBe('10');
    await waitFor(
      () =>
        kit.published.some(
          (event) =>
            event.type === 'ledger.entry-posted' &&
            (event.payload as { kind: string }).kind === 'refund',
        ),
      30_000,
      'refund published',
    );
  });

  it('reverses a payment once, fee included, and refuses to refund it afterwards', async () => {
    const paymentEntryId = await settle('500');
    const reversed = await call('POST', `/admin/entries/${paymentEntryId}/reversal`);
    expect(reversed).toMatchObject({ status: 200, body: { outcome: 'posted' } });
    expect(await call('POST', `/admin/entries/${paymentEntryId}/reversal`)).toEqual({
      status: 200,
      body: { outcome: 'duplicate', entryId: reversed.body.entryId },
    });
    expect(
      await call('POST', '/admin/refunds', {
        clientKey: uniqueId('ref'),
        originalEntryId: paymentEntryId,
        amount: '1',
      }),
    ).toMatchObject({ status: 422, body: { code: 'ALREADY_REVERSED' } });
    expect(
      (await call('GET', `/admin/entries/${String(reversed.body.entryId)}`)).body,
    ).toMatchObject({ kind: 'reversal', originalEntryId: paymentEntryId });
    expect(await balance(`wallet_${accountId}`)).toBe('5000');
    expect(await balance(`payable_${merchantId}`)).toBe('-10');
    expect(await balance('fee-revenue_EUR')).toBe('10');
    expect((await call('POST', '/admin/journal/rebuild')).body).toMatchObject({ consistent: true });
  });
});
