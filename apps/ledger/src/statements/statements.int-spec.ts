// Statements and reconciliation against a running ledger: a wallet's postings page by page, a
// merchant's end-of-day statement in its own time zone (JSON and CSV), and the reconciliation of
// settlement outcomes with the journal.
import { adminAuthorization } from '@settle/platform/testing';
import {
  accountOpened,
  type LedgerTestKit,
  merchantOnboarded,
  paymentVerified,
  startLedger,
  uniqueId,
  waitFor,
} from '../testing/ledger-test-kit';

const timeZone = 'Pacific/Auckland';

describe('statements and reconciliation', () => {
  let kit: LedgerTestKit;
  const merchantId = uniqueId('mer');
  const accountId = uniqueId('acc');
  const startedAt = new Date(Date.now() - 60_000).toISOString();

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${kit.test.url}${path}`, {
      method,
      headers: {
        authorization: adminAuthorization(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      text,
      body: (response.headers.get('content-type')?.includes('json')
        ? JSON.parse(text)
        : {}) as Record<string, unknown>,
    };
  };
  const localDate = (at: Date) =>
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(at);
  const settle = async (amount: string, currency = 'EUR'): Promise<string> => {
    const payment = paymentVerified({ consumerAccountId: accountId, merchantId, amount, currency });
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
    await kit.publish(merchantOnboarded(merchantId, 'EUR', timeZone));
    await kit.publish(accountOpened(accountId));
    await waitFor(
      async () =>
        (
          await kit.query('SELECT 1 FROM ledger_merchant_settings WHERE merchant_id = $1', [
            merchantId,
          ])
        ).length === 1,
      60_000,
      'merchant',
    );
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
          amount: '10000',
          currency: 'EUR',
          externalReference: uniqueId('ref'),
        })
      ).status,
    ).toBe(200);
    const first = await settle('1000');
    await settle('2000');
    await settle('3000');
    await settle('700', 'USD'); // fails: CURRENCY_MISMATCH
    expect(
      (
        await call('POST', '/admin/refunds', {
          clientKey: uniqueId('ref'),
          originalEntryId: first,
          amount: '500',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call('POST', '/admin/payouts', {
          clientKey: uniqueId('pay'),
          merchantId,
          amount: '1000',
          currency: 'EUR',
        })
      ).body,
    ).toMatchObject({ outcome: 'posted' });
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('pages through a wallet’s postings with a cursor, oldest first', async () => {
    const all = await call('GET', `/admin/accounts/wallet_${accountId}/statement?limit=500`);
    const lines = all.body.lines as Array<{ entryId: string; kind: string; change: string }>;
    expect(lines.map((line) => line.kind)).toEqual([
      'funding',
      'payment',
      'payment',
      'payment',
      'refund',
    ]);
    expect(lines.reduce((sum, line) => sum + BigInt(line.change), 0n)).toBe(4_500n);
    expect(all.body.nextCursor).toBeNull();

    const seen: string[] = [];
    let cursor: unknown = undefined;
    let pages = 0;
    do {
      const page = await call(
        'GET',
        `/admin/accounts/wallet_${accountId}/statement?limit=2${cursor ? `&cursor=${String(cursor)}` : ''}`,
      );
      seen.push(...(page.body.lines as Array<{ entryId: string }>).map((line) => line.entryId));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor);
    expect({ pages, seen }).toEqual({ pages: 3, seen: lines.map((line) => line.entryId) });
    expect(
      await call('GET', `/admin/accounts/wallet_${accountId}/statement?cursor=bm9wZQ`),
    ).toMatchObject({ status: 400, body: { errors: [{ field: 'cursor' }] } });
    expect(
      await call('GET', `/admin/accounts/wallet_${accountId}/statement?limit=501`),
    ).toMatchObject({ status: 400, body: { errors: [{ field: 'limit' }] } });
  });

  it('gives the merchant’s end-of-day statement for its own calendar day, as JSON and CSV', async () => {
    const today = localDate(new Date());
    const statement = await call('GET', `/admin/merchants/${merchantId}/statements/${today}`);
    expect(statement).toMatchObject({
      status: 200,
      body: {
        merchantId,
        date: today,
        timeZone,
        currency: 'EUR',
        openingBalance: '0',
        closingBalance: '4440',
        totalsByKind: [
          { kind: 'payment', count: 3, net: '5940', fee: '60' },
          { kind: 'payout', count: 1, net: '-1000', fee: '0' },
          { kind: 'refund', count: 1, net: '-500', fee: '0' },
        ],
      },
    });
    // The day starts at local midnight in the merchant's zone, not at UTC midnight.
    const from = new Date(String(statement.body.from));
    expect(
      new Intl.DateTimeFormat('en-GB', {
        timeZone,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(from),
    ).toBe('00:00');
    expect(localDate(from)).toBe(today);
    expect((await call('GET', `/admin/accounts/payable_${merchantId}/balance`)).body.balance).toBe(
      '4440',
    );

    const csv = await call('GET', `/admin/merchants/${merchantId}/statements/${today}/csv`);
    expect(csv.status).toBe(200);
    expect(csv.contentType).toMatch(/^text\/csv/);
    const rows = csv.text.trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      'merchant_id,date,time_zone,currency,entry_id,kind,transaction_id,posted_at,net_minor,fee_minor,approved_at,date_basis',
    );
    expect(rows.slice(1).map((row) => row.split(',')[5])).toEqual([
      'payment',
      'payment',
      'payment',
      'refund',
      'payout',
    ]);

    const yesterday = localDate(new Date(from.getTime() - 12 * 3_600_000));
    expect(
      (await call('GET', `/admin/merchants/${merchantId}/statements/${yesterday}`)).body,
    ).toMatchObject({ lines: [], openingBalance: '0', closingBalance: '0' });
    expect(
      (await call('GET', `/admin/merchants/${uniqueId('mer')}/statements/${today}`)).status,
    ).toBe(404);
  });

  it('answers impossible calendar dates that match the route’s pattern with a 400 naming the field, not a 500', async () => {
    for (const date of ['2026-02-30', '2026-04-31', '2025-02-29']) {
      const answer = await call('GET', `/admin/merchants/${merchantId}/statements/${date}`);
      expect(answer).toMatchObject({
        status: 400,
        body: { code: 'VALIDATION_FAILED', errors: [{ code: 'INVALID_FORMAT' }] },
      });
    }
    expect((await call('GET', `/admin/merchants/${merchantId}/statements/2028-02-29`)).status).toBe(
      200,
    );
    const impossible = await call(
      'GET',
      `/admin/reconciliation?from=2026-13-45T00:00:00.000Z&to=2026-02-30T25:61:00.000Z`,
    );
    expect(impossible).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(
      (impossible.body.errors as Array<{ field: string }>).map((error) => error.field),
    ).toEqual(expect.arrayContaining(['from', 'to']));
  });

  it('reconciles settlement outcomes with the journal', async () => {
    const to = new Date(Date.now() + 60_000).toISOString();
    const report = await call('GET', `/admin/reconciliation?from=${startedAt}&to=${to}`);
    expect(report).toMatchObject({
      status: 200,
      body: {
        ok: true,
        settlements: {
          settled: 3,
          failed: 1,
          settledWithoutEntry: 0,
          paymentEntriesWithoutSettlement: 0,
          amountMismatches: 0,
        },
        currencies: [
          {
            currency: 'EUR',
            settledAmount: '6000',
            paymentEntryAmount: '6000',
            fees: '60',
            feeRevenuePosted: '60',
            payouts: '1000',
            fundings: '10000',
            debits: '17500',
            credits: '17500',
            balanced: true,
          },
          // The failed USD payment names its currency but moved no money.
          {
            currency: 'USD',
            settledAmount: '0',
            paymentEntryAmount: '0',
            debits: '0',
            credits: '0',
            balanced: true,
          },
        ],
      },
    });
    expect((await call('GET', `/admin/reconciliation?from=${to}&to=${startedAt}`)).status).toBe(
      400,
    );
  });

  // Runs last: its payment is approved before the local midnight the tests above count from.
  it('finds an offline payment approved at 23:55 and uploaded after midnight under both days: by approval and by posting', async () => {
    const lateMerchant = uniqueId('mer');
    const lateAccount = uniqueId('acc');
    await kit.publish(merchantOnboarded(lateMerchant, 'EUR', timeZone));
    await kit.publish(accountOpened(lateAccount));
    await waitFor(
      async () =>
        (
          await kit.query('SELECT 1 FROM ledger_accounts WHERE owner_id = ANY($1)', [
            [lateMerchant, lateAccount],
          ])
        ).length === 2,
      60_000,
      'accounts',
    );
    await waitFor(
      async () =>
        (
          await kit.query('SELECT 1 FROM ledger_merchant_settings WHERE merchant_id = $1', [
            lateMerchant,
          ])
        ).length === 1,
      60_000,
      'merchant',
    );
    const today = localDate(new Date());
    const midnight = new Date(
      String((await call('GET', `/admin/merchants/${lateMerchant}/statements/${today}`)).body.from),
    );
    const approvedAt = new Date(midnight.getTime() - 5 * 60_000).toISOString(); // 23:55 the day before, in the merchant's zone
    const yesterday = localDate(new Date(approvedAt));
    const payment = paymentVerified({
      consumerAccountId: lateAccount,
      merchantId: lateMerchant,
      amount: '800',
      approvedAt,
    });
    const transactionId = (payment.payload as { transactionId: string }).transactionId;
    await kit.publish(payment);
    await waitFor(
      async () => (await call('GET', `/admin/settlements/${transactionId}`)).status === 200,
      30_000,
      'settlement',
    );

    const day = async (date: string, basis?: string) => {
      const answer = await call(
        'GET',
        `/admin/merchants/${lateMerchant}/statements/${date}${basis ? `?dateBasis=${basis}` : ''}`,
      );
      expect(answer.status).toBe(200);
      return answer.body as {
        dateBasis: string;
        lines: Array<{ transactionId: string; approvedAt: string | null }>;
        closingBalance: string;
        openingBalance: string;
      };
    };
    const withPayment = { lines: [expect.objectContaining({ transactionId, approvedAt })] };
    expect(await day(today)).toMatchObject({
      dateBasis: 'posted',
      ...withPayment,
      openingBalance: '0',
      closingBalance: '800',
    });
    expect(await day(yesterday, 'posted')).toMatchObject({
      dateBasis: 'posted',
      lines: [],
      closingBalance: '0',
    });
    expect(await day(yesterday, 'approved')).toMatchObject({
      dateBasis: 'approved',
      ...withPayment,
      openingBalance: '0',
      closingBalance: '800',
    });
    expect(await day(today, 'approved')).toMatchObject({
      dateBasis: 'approved',
      lines: [],
      openingBalance: '800',
      closingBalance: '800',
    });
    const csv = await call(
      'GET',
      `/admin/merchants/${lateMerchant}/statements/${yesterday}/csv?dateBasis=approved`,
    );
    expect(csv.text.trimEnd().split('\r\n')[1]).toMatch(
      new RegExp(`,${transactionId},.*,800,0,${approvedAt},approved$`),
    );

    // Reconciliation of the last ten minutes before local midnight: the payment by approval, nothing by posting.
    const window = `from=${new Date(midnight.getTime() - 10 * 60_000).toISOString()}&to=${midnight.toISOString()}`;
    expect(
      (await call('GET', `/admin/reconciliation?${window}&dateBasis=approved`)).body,
    ).toMatchObject({
      dateBasis: 'approved',
      ok: true,
      settlements: {
        settled: 1,
        failed: 0,
        settledWithoutEntry: 0,
        paymentEntriesWithoutSettlement: 0,
        amountMismatches: 0,
      },
      currencies: [
        {
          currency: 'EUR',
          settledAmount: '800',
          paymentEntryAmount: '800',
          debits: '800',
          credits: '800',
          balanced: true,
        },
      ],
    });
    expect((await call('GET', `/admin/reconciliation?${window}`)).body).toMatchObject({
      dateBasis: 'posted',
      ok: true,
      settlements: { settled: 0 },
      currencies: [],
    });

    for (const path of [
      `/admin/merchants/${lateMerchant}/statements/${today}?dateBasis=settled`,
      `/admin/reconciliation?${window}&dateBasis=`,
    ]) {
      expect(await call('GET', path)).toMatchObject({
        status: 400,
        contentType: expect.stringContaining('application/problem+json'),
        body: { code: 'VALIDATION_FAILED', errors: [{ field: 'dateBasis' }] },
      });
    }
  });
});
