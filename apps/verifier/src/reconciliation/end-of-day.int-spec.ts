// End-of-day reconciliation on the real PostgreSQL and Kafka: transactions uploaded through the real
// upload API (and verified or rejected by the real consumer), then a terminal's report over HTTPS
// with its bound token, compared with what it uploaded, and the operators' list.
import { type DeviceCheckInCapV1 } from '@settle/contracts';
import {
  enrolDevice,
  offlineTransaction,
  onboardMerchant,
  registerTerminal,
  type TestDevice,
  type TestTerminal,
  terminalToken,
  deviceToken,
  untilProjected,
  upload,
} from '../testing/payment-world';
import {
  type HttpAnswer,
  startVerifier,
  type VerifierTestKit,
  waitFor,
} from '../testing/verifier-test-kit';
import { endOfDayReportCurrenciesMax } from './end-of-day.decider';

const hourMs = 3_600_000;
// In ascending currency order, as device.checked-in requires.
const caps: readonly DeviceCheckInCapV1[] = [
  { currency: 'CHF', perTransactionMax: '5000', cumulativeMax: '15000' },
  { currency: 'EUR', perTransactionMax: '5000', cumulativeMax: '15000' },
];

async function report(
  kit: VerifierTestKit,
  terminal: TestTerminal,
  body: unknown,
  party: TestTerminal | TestDevice = terminal,
): Promise<HttpAnswer> {
  const accessToken =
    'approvalKey' in party ? await terminalToken(kit, party) : await deviceToken(kit, party);
  const response = await kit.bound({
    method: 'POST',
    path: '/v1/end-of-day-reports',
    accessToken,
    binding: party.bindingKey,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: JSON.parse(response.body || '{}') as Record<string, unknown>,
  };
}

async function reportRows(kit: VerifierTestKit, terminal: TestTerminal): Promise<number> {
  const [row] = await kit.query<{ n: string }>(
    'SELECT count(*) AS n FROM verifier_reconciliation_reports WHERE terminal_id = $1',
    [terminal.terminalId],
  );
  return Number(row!.n);
}

describe('end-of-day reconciliation', () => {
  let kit: VerifierTestKit;
  let terminal: TestTerminal;
  let otherTerminal: TestTerminal;
  let device: TestDevice;
  // A period that has ended: the last three hours until a minute ago.
  const periodEnd = new Date(Math.floor((Date.now() - 60_000) / 1000) * 1000);
  const periodStart = new Date(periodEnd.getTime() - 3 * hourMs);
  const period = { periodStart: periodStart.toISOString(), periodEnd: periodEnd.toISOString() };
  const inPeriod = (offsetMs: number) => periodStart.getTime() + offsetMs;

  beforeAll(async () => {
    kit = await startVerifier();
    const merchant = await onboardMerchant(kit);
    terminal = await registerTerminal(kit, merchant.merchantId);
    otherTerminal = await registerTerminal(kit, merchant.merchantId);
    // Checked in four hours ago: every approval below falls inside that check-in.
    device = await enrolDevice(kit, {
      caps,
      checkedInAt: new Date(periodStart.getTime() - hourMs),
    });
    await untilProjected(kit, [terminal, otherTerminal, device]);
    // untilProjected waits for keys only; the caps come with the check-in (another topic).
    await waitFor(
      async () =>
        (
          await kit.query('SELECT 1 FROM verifier_device_check_ins WHERE device_id = $1', [
            device.deviceId,
          ])
        ).length === 1,
      30_000,
      'check-in projected',
    );
    const transactions = [
      offlineTransaction(terminal, device, { amount: 1250n, approvedAtMs: inPeriod(10 * 60_000) }),
      offlineTransaction(terminal, device, { amount: 2000n, approvedAtMs: inPeriod(20 * 60_000) }),
      offlineTransaction(terminal, device, {
        amount: 990n,
        currency: 'CHF',
        approvedAtMs: inPeriod(30 * 60_000),
      }),
      // Over the per-transaction cap: rejected at verification, but received all the same.
      offlineTransaction(terminal, device, { amount: 6000n, approvedAtMs: inPeriod(40 * 60_000) }),
      // Approved before the period (the day before's): not this report's.
      offlineTransaction(terminal, device, {
        amount: 700n,
        approvedAtMs: periodStart.getTime() - 60_000,
      }),
    ];
    const answer = await upload(
      kit,
      terminal,
      transactions.map((transaction) => transaction.bytes),
    );
    expect(answer.status).toBe(202);
    expect(
      (answer.body['receipts'] as Array<{ status: string }>).map((receipt) => receipt.status),
    ).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted']);
    await waitFor(
      async () => {
        const rows = await kit.query<{ n: string }>(
          `SELECT count(*) AS n FROM verifier_transactions WHERE terminal_id = $1 AND status <> 'received'`,
          [terminal.terminalId],
        );
        return Number(rows[0]!.n) === transactions.length;
      },
      30_000,
      'the uploads verified',
    );
    const statuses = await kit.query<{
      amount: string;
      status: string;
      reason_code: string | null;
    }>(
      'SELECT amount::text, status, reason_code FROM verifier_transactions WHERE terminal_id = $1 ORDER BY approved_at',
      [terminal.terminalId],
    );
    expect(statuses).toEqual([
      { amount: '700', status: 'verified', reason_code: null },
      { amount: '1250', status: 'verified', reason_code: null },
      { amount: '2000', status: 'verified', reason_code: null },
      { amount: '990', status: 'verified', reason_code: null },
      { amount: '6000', status: 'rejected', reason_code: 'PER_TRANSACTION_CAP_EXCEEDED' },
    ]);
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('matches totals equal to what the terminal uploaded in the period (a rejected one counts as received), and answers a repeat the same', async () => {
    const body = {
      reportId: 'eod-1',
      ...period,
      totals: [
        { currency: 'EUR', count: 3, amount: '9250' },
        { currency: 'CHF', count: 1, amount: '990' },
      ],
    };
    const first = await report(kit, terminal, body);
    expect(first).toMatchObject({
      status: 201,
      body: { reportId: 'eod-1', status: 'matched', differences: [] },
    });
    // The same report again, its totals in another order: the same answer, nothing stored twice.
    const again = await report(kit, terminal, { ...body, totals: [...body.totals].reverse() });
    expect(again).toMatchObject({ status: 201, body: first.body });
    const rows = await kit.query<{ status: string; received_totals: unknown; merchant_id: string }>(
      'SELECT status, received_totals, merchant_id FROM verifier_reconciliation_reports WHERE terminal_id = $1 AND report_id = $2',
      [terminal.terminalId, 'eod-1'],
    );
    expect(rows).toEqual([
      {
        status: 'matched',
        merchant_id: terminal.merchantId,
        received_totals: [
          { currency: 'CHF', count: 1, amount: '990', rejectedCount: 0, rejectedAmount: '0' },
          { currency: 'EUR', count: 3, amount: '9250', rejectedCount: 1, rejectedAmount: '6000' },
        ],
      },
    ]);
  });

  it('flags a difference per currency, stores it as mismatched, and logs a warning', async () => {
    const answer = await report(kit, terminal, {
      reportId: 'eod-2',
      ...period,
      totals: [{ currency: 'EUR', count: 4, amount: '9950' }],
    });
    expect(answer).toMatchObject({
      status: 201,
      body: {
        reportId: 'eod-2',
        status: 'mismatched',
        differences: [
          {
            currency: 'CHF',
            reportedCount: 0,
            reportedAmount: '0',
            receivedCount: 1,
            receivedAmount: '990',
            countDifference: -1,
            amountDifference: '-990',
          },
          {
            currency: 'EUR',
            reportedCount: 4,
            reportedAmount: '9950',
            receivedCount: 3,
            receivedAmount: '9250',
            countDifference: 1,
            amountDifference: '700',
          },
        ],
      },
    });
    const warning = kit.test.logs.lines.find(
      (line) =>
        line['msg'] === 'end-of-day report does not match what the terminal uploaded' &&
        line['reportId'] === 'eod-2',
    );
    expect(warning).toMatchObject({
      level: 'warn',
      terminalId: terminal.terminalId,
      differences: [
        expect.objectContaining({ currency: 'CHF' }),
        expect.objectContaining({ currency: 'EUR' }),
      ],
    });
    // A matched report is not a warning.
    expect(
      kit.test.logs.lines.filter(
        (line) => line['reportId'] === 'eod-1' && line['level'] === 'warn',
      ),
    ).toEqual([]);
  });

  it('compares only the calling terminal’s uploads', async () => {
    const answer = await report(kit, otherTerminal, { reportId: 'eod-1', ...period, totals: [] });
    expect(answer).toMatchObject({
      status: 201,
      body: { reportId: 'eod-1', status: 'matched', differences: [] },
    });
  });

  it('refuses the same reportId with other content (409), and keeps the first', async () => {
    await report(kit, terminal, {
      reportId: 'eod-3',
      ...period,
      totals: [
        { currency: 'EUR', count: 3, amount: '9250' },
        { currency: 'CHF', count: 1, amount: '990' },
      ],
    });
    const answer = await report(kit, terminal, {
      reportId: 'eod-3',
      ...period,
      totals: [
        { currency: 'EUR', count: 3, amount: '9251' },
        { currency: 'CHF', count: 1, amount: '990' },
      ],
    });
    expect(answer).toMatchObject({
      status: 409,
      body: { code: 'REPORT_EXISTS_WITH_DIFFERENT_CONTENT', errors: [{ field: 'reportId' }] },
    });
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    const [row] = await kit.query<{ status: string }>(
      'SELECT status FROM verifier_reconciliation_reports WHERE terminal_id = $1 AND report_id = $2',
      [terminal.terminalId, 'eod-3'],
    );
    expect(row).toEqual({ status: 'matched' });
  });

  it.each([
    [
      'an amount as a JSON number',
      { totals: [{ currency: 'EUR', count: 1, amount: 1250 }] },
      'totals[0].amount',
      'INVALID_TYPE',
    ],
    [
      'a count as a string',
      { totals: [{ currency: 'EUR', count: '1', amount: '1250' }] },
      'totals[0].count',
      'INVALID_TYPE',
    ],
    [
      'a negative amount',
      { totals: [{ currency: 'EUR', count: 1, amount: '-1250' }] },
      'totals[0].amount',
      'INVALID_FORMAT',
    ],
    [
      'an amount beyond a bigint',
      { totals: [{ currency: 'EUR', count: 1, amount: '9223372036854775808' }] },
      'totals[0].amount',
      'OUT_OF_RANGE',
    ],
    [
      'an unknown currency shape',
      { totals: [{ currency: 'eur', count: 1, amount: '1250' }] },
      'totals[0].currency',
      'INVALID_FORMAT',
    ],
    [
      'a currency twice',
      {
        totals: [
          { currency: 'EUR', count: 1, amount: '1' },
          { currency: 'EUR', count: 1, amount: '2' },
        ],
      },
      'totals[1].currency',
      'INVALID',
    ],
    [
      'too many currencies',
      {
        totals: Array.from({ length: endOfDayReportCurrenciesMax + 1 }, (_, index) => ({
          currency: `A${String.fromCharCode(65 + (index % 26))}${String.fromCharCode(65 + Math.floor(index / 26))}`,
          count: 1,
          amount: '1',
        })),
      },
      'totals',
      'OUT_OF_RANGE',
    ],
    [
      'a period that runs backwards',
      { periodStart: period.periodEnd, periodEnd: period.periodStart },
      'periodEnd',
      'OUT_OF_RANGE',
    ],
    [
      'a period not yet ended',
      { periodEnd: new Date(Date.now() + 3_600_000).toISOString() },
      'periodEnd',
      'OUT_OF_RANGE',
    ],
    [
      'a time without milliseconds',
      { periodStart: '2026-11-28T00:00:00Z' },
      'periodStart',
      'INVALID_FORMAT',
    ],
    ['an unknown field', { note: 'x' }, 'note', 'UNKNOWN_FIELD'],
  ])(
    'refuses %s with a problem naming the field, and stores nothing',
    async (_name, change, field, code) => {
      const before = await reportRows(kit, terminal);
      const answer = await report(kit, terminal, {
        reportId: 'eod-bad',
        ...period,
        totals: [{ currency: 'EUR', count: 1, amount: '1250' }],
        ...change,
      });
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(answer.body['errors']).toEqual(
        expect.arrayContaining([expect.objectContaining({ field, code })]),
      );
      expect(await reportRows(kit, terminal)).toBe(before);
    },
  );

  it('is for terminals only: a phone’s token is forbidden, no token unauthorized', async () => {
    const body = { reportId: 'eod-x', ...period, totals: [] };
    expect(await report(kit, terminal, body, device)).toMatchObject({
      status: 403,
      body: { code: 'ROLE_FORBIDDEN' },
    });
    const anonymous = await kit.bound({
      method: 'POST',
      path: '/v1/end-of-day-reports',
      body: JSON.stringify(body),
    });
    expect(anonymous.status).toBe(401);
  });

  it('lists the reports to operators, newest first, filtered by status, a page at a time', async () => {
    const mismatched = await kit.admin(
      'GET',
      `/admin/reconciliation-reports?status=mismatched&terminalId=${terminal.terminalId}`,
    );
    expect(mismatched.status).toBe(200);
    const reports = mismatched.body['reports'] as Array<Record<string, unknown>>;
    expect(reports.map((item) => item['reportId'])).toEqual(['eod-2']);
    expect(reports[0]).toMatchObject({
      terminalId: terminal.terminalId,
      merchantId: terminal.merchantId,
      status: 'mismatched',
      ...period,
      reported: [{ currency: 'EUR', count: 4, amount: '9950' }],
      differences: [
        expect.objectContaining({ currency: 'CHF' }),
        expect.objectContaining({ currency: 'EUR' }),
      ],
    });

    const firstPage = await kit.admin(
      'GET',
      `/admin/reconciliation-reports?terminalId=${terminal.terminalId}&limit=2`,
    );
    const secondPage = await kit.admin(
      'GET',
      `/admin/reconciliation-reports?terminalId=${terminal.terminalId}&limit=2&cursor=${String(firstPage.body['nextCursor'])}`,
    );
    const ids = [
      ...(firstPage.body['reports'] as Array<{ reportId: string }>),
      ...(secondPage.body['reports'] as Array<{ reportId: string }>),
    ].map((item) => item.reportId);
    expect(ids).toEqual(['eod-3', 'eod-2', 'eod-1']);
    expect(secondPage.body['nextCursor']).toBeNull();

    expect(await kit.admin('GET', '/admin/reconciliation-reports?status=unknown')).toMatchObject({
      status: 400,
      body: { errors: [expect.objectContaining({ field: 'status' })] },
    });
    expect(await kit.admin('GET', '/admin/reconciliation-reports?limit=501')).toMatchObject({
      status: 400,
      body: { errors: [expect.objectContaining({ field: 'limit' })] },
    });
    const unauthenticated = await kit.bound({
      method: 'GET',
      path: '/admin/reconciliation-reports',
    });
    expect(unauthenticated.status).toBe(401);
  });
});
