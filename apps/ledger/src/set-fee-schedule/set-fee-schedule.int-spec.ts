// Fee schedules against a running ledger: a new version prices later payments; out-of-range values
// (those the domain and the table refuse alike) and impossible dates are a 400 naming the field, with
// nothing stored, never a 500.
import { feeFixedMinorUnitsMax } from '../domain/fees';
import {
  accountOpened,
  type LedgerTestKit,
  merchantOnboarded,
  paymentVerified,
  startLedger,
  uniqueId,
  waitFor,
} from '../testing/ledger-test-kit';

describe('setting a fee schedule', () => {
  let kit: LedgerTestKit;
  const merchantId = uniqueId('mer');
  const accountId = uniqueId('acc');

  const call = (method: string, path: string, body?: unknown) => kit.admin(method, path, body);
  const schedules = () =>
    kit.query<{ version: string }>(
      'SELECT version FROM ledger_fee_schedules WHERE merchant_id = $1',
      [merchantId],
    );

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
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('sets a schedule that prices later payments, and names the invalid field', async () => {
    const created = await call('POST', `/admin/merchants/${merchantId}/fee-schedules`, {
      basisPoints: 200,
      fixedMinorUnits: '5',
      effectiveFrom: null,
    });
    expect(created).toMatchObject({
      status: 201,
      body: {
        merchantId,
        basisPoints: 200,
        fixedMinorUnits: '5',
        version: expect.stringMatching(/^fee-schedule-\d+$/),
      },
    });
    const invalid = await call('POST', `/admin/merchants/${merchantId}/fee-schedules`, {
      basisPoints: 5000,
      fixedMinorUnits: '5',
      effectiveFrom: null,
    });
    expect(invalid).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', errors: [{ field: 'basisPoints', code: 'OUT_OF_RANGE' }] },
    });

    const payment = paymentVerified({ consumerAccountId: accountId, merchantId, amount: '1000' });
    const transactionId = (payment.payload as { transactionId: string }).transactionId;
    await kit.publish(payment);
    await waitFor(
      async () => (await call('GET', `/admin/settlements/${transactionId}`)).status === 200,
      30_000,
      'settlement',
    );
    expect((await call('GET', `/admin/settlements/${transactionId}`)).body).toMatchObject({
      status: 'settled',
      fee: '25',
      merchantAmount: '975',
      feeScheduleVersion: created.body.version,
    });
  });

  it('refuses a fixed fee above the bound the table holds with a 400 naming it (it was a 500), and stores nothing', async () => {
    const before = await schedules();
    const above = await call('POST', `/admin/merchants/${merchantId}/fee-schedules`, {
      basisPoints: 0,
      fixedMinorUnits: String(feeFixedMinorUnitsMax + 1n),
      effectiveFrom: null,
    });
    expect(above).toMatchObject({
      status: 400,
      body: {
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'fixedMinorUnits', code: 'OUT_OF_RANGE' }],
      },
    });
    expect(await schedules()).toEqual(before);
    const atTheBound = await call('POST', `/admin/merchants/${merchantId}/fee-schedules`, {
      basisPoints: 1000,
      fixedMinorUnits: String(feeFixedMinorUnitsMax),
      effectiveFrom: '2099-01-01T00:00:00.000Z',
    });
    expect(atTheBound).toMatchObject({
      status: 201,
      body: {
        basisPoints: 1000,
        fixedMinorUnits: String(feeFixedMinorUnitsMax),
        effectiveFrom: '2099-01-01T00:00:00.000Z',
      },
    });
  });

  it('answers impossible dates that match the timestamp pattern with a 400 naming the field, not a 500', async () => {
    const feeSchedule = await call('POST', `/admin/merchants/${merchantId}/fee-schedules`, {
      basisPoints: 100,
      fixedMinorUnits: '0',
      effectiveFrom: '2026-02-30T10:00:00.000Z',
    });
    expect(feeSchedule).toMatchObject({
      status: 400,
      body: {
        code: 'VALIDATION_FAILED',
        errors: expect.arrayContaining([expect.objectContaining({ field: 'effectiveFrom' })]),
      },
    });
  });
});
