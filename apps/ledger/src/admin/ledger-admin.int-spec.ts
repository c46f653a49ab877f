// The admin API against a running ledger: fee schedules, funding (idempotent, back in funds), balance
// now and as of a time, entry by id, settlement by transaction id, problem+json naming the field.
import { adminAuthorization } from '@settle/platform/testing';
import { accountOpened, type LedgerTestKit, merchantOnboarded, paymentVerified, startLedger, uniqueId, waitFor } from '../testing/ledger-test-kit';

describe('ledger admin API', () => {
  let kit: LedgerTestKit;
  const merchantId = uniqueId('mer');
  const accountId = uniqueId('acc');

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${kit.test.url}${path}`, {
      method,
      headers: { authorization: adminAuthorization(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    kit = await startLedger();
    await kit.publish(merchantOnboarded(merchantId));
    await kit.publish(accountOpened(accountId));
    await waitFor(async () => (await kit.query('SELECT 1 FROM ledger_accounts WHERE owner_id = ANY($1)', [[merchantId, accountId]])).length === 2, 60_000, 'accounts');
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('sets a fee schedule that prices later payments, and names the invalid field', async () => {
    const created = await call('POST', `/admin/merchants/${merchantId}/fee-schedules`, { basisPoints: 200, fixedMinorUnits: '5', effectiveFrom: null });
    expect(created).toMatchObject({ status: 201, body: { merchantId, basisPoints: 200, fixedMinorUnits: '5', version: expect.stringMatching(/^fee-schedule-\d+$/) } });
    const invalid = await call('POST', `/admin/merchants/${merchantId}/fee-schedules`, { basisPoints: 5000, fixedMinorUnits: '5', effectiveFrom: null });
    expect(invalid).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', errors: [{ field: 'basisPoints', code: 'OUT_OF_RANGE' }] } });
  });

  it('answers impossible dates that match the timestamp pattern with a 400 naming the field, not a 500', async () => {
    const feeSchedule = await call('POST', `/admin/merchants/${merchantId}/fee-schedules`, { basisPoints: 100, fixedMinorUnits: '0', effectiveFrom: '2026-02-30T10:00:00.000Z' });
    expect(feeSchedule).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', errors: expect.arrayContaining([expect.objectContaining({ field: 'effectiveFrom' })]) } });
    const balance = await call('GET', `/admin/accounts/wallet_${accountId}/balance?asOf=2026-13-45T10:00:00.000Z`);
    expect(balance).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', errors: [{ field: 'asOf', code: 'INVALID_FORMAT' }] } });
  });

  it('settles, overdraws, funds back into funds, and answers balances, entries and settlements', async () => {
    const payment = paymentVerified({ consumerAccountId: accountId, merchantId, amount: '1000' });
    const transactionId = (payment.payload as { transactionId: string }).transactionId;
    await kit.publish(payment);
    await waitFor(async () => (await call('GET', `/admin/settlements/${transactionId}`)).status === 200, 30_000, 'settlement');
    const settlement = await call('GET', `/admin/settlements/${transactionId}`);
    expect(settlement.body).toMatchObject({ status: 'settled', amount: '1000', fee: '25', merchantAmount: '975', reasonCode: null });
    const beforeFunding = new Date().toISOString();

    const funding = { clientKey: uniqueId('key'), consumerAccountId: accountId, amount: '1500', currency: 'EUR' };
    const first = await call('POST', '/admin/fundings', funding);
    expect(first).toMatchObject({ status: 200, body: { outcome: 'posted' } });
    expect(await call('POST', '/admin/fundings', funding)).toEqual({ status: 200, body: { outcome: 'duplicate', entryId: first.body.entryId } });
    expect(await call('POST', '/admin/fundings', { ...funding, amount: '1' })).toMatchObject({ status: 409, body: { code: 'IDEMPOTENCY_KEY_REUSED', errors: [{ field: 'clientKey' }] } });
    expect(await call('POST', '/admin/fundings', { ...funding, clientKey: uniqueId('key'), consumerAccountId: uniqueId('acc') })).toMatchObject({
      status: 422,
      body: { code: 'UNKNOWN_ACCOUNT', errors: [{ field: 'consumerAccountId' }] },
    });

    expect((await call('GET', `/admin/accounts/wallet_${accountId}/balance`)).body).toMatchObject({ balance: '500', type: 'liability', currency: 'EUR', asOf: null });
    expect((await call('GET', `/admin/accounts/wallet_${accountId}/balance?asOf=${beforeFunding}`)).body).toMatchObject({ balance: '-1000', asOf: beforeFunding });
    expect((await call('GET', `/admin/accounts/fee-revenue_EUR/balance`)).body).toMatchObject({ type: 'revenue' });

    const entry = await call('GET', `/admin/entries/${String(settlement.body.entryId)}`);
    expect(entry.body).toMatchObject({ kind: 'payment', transactionId, sequence: '1', postings: [{ accountId: `wallet_${accountId}`, side: 'debit', amount: '1000' }, {}, {}] });
    const fundingEntry = await call('GET', `/admin/entries/${String(first.body.entryId)}`);
    expect(fundingEntry.body).toMatchObject({ kind: 'funding', sequence: '2', previousHash: entry.body.hash });

    await waitFor(() => kit.published.some((event) => event.type === 'account.back-in-funds' && event.key === accountId), 30_000, 'back in funds');
    expect(kit.published.find((event) => event.type === 'account.back-in-funds' && event.key === accountId)?.payload).toMatchObject({ balance: '500' });
    expect((await call('GET', '/admin/entries/nope')).status).toBe(404);
  });
});
