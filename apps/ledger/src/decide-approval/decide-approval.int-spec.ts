// Maker–checker on fundings, refunds and reversals against a running ledger (issue 13 §2): above the
// single limit or a rolling window limit the movement waits for a checker who is another person; the
// approval posts exactly once; the entry records both operators and their audit rows; the audit row
// holds the business fields and the server's request id; failed logins are throttled before scrypt.
import { hashAdminSecret } from '@settle/platform';
import { adminAuthorization, testChecker, testOperator } from '@settle/platform/testing';
import {
  accountOpened,
  type LedgerTestKit,
  merchantOnboarded,
  paymentVerified,
  startLedger,
  uniqueId,
  waitFor,
} from '../testing/ledger-test-kit';

type Operator = { readonly operatorId: string; readonly secret: string };
// A second credential of the maker's person, with the checker role: still the maker.
const makerCard: Operator = { operatorId: 'test-operator-card', secret: 'card-secret-0f3a6d' };
const viewer: Operator = { operatorId: 'auditor', secret: 'auditor-secret-2c8b4e' };

describe('maker–checker on money movements', () => {
  let kit: LedgerTestKit;
  const merchantId = uniqueId('mer');

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    operator: Operator = testOperator,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${kit.test.url}${path}`, {
      method,
      headers: {
        authorization: adminAuthorization(operator.operatorId, operator.secret),
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      auditId: response.headers.get('x-admin-audit-id'),
    };
  };
  const balance = async (accountId: string) =>
    (await call('GET', `/admin/accounts/wallet_${accountId}/balance`)).body.balance;
  const openAccount = async () => {
    const accountId = uniqueId('acc');
    await kit.publish(accountOpened(accountId));
    await waitFor(
      async () =>
        (await kit.query('SELECT 1 FROM ledger_accounts WHERE owner_id = $1', [accountId]))
          .length === 1,
      60_000,
      'account',
    );
    return accountId;
  };
  const funding = (accountId: string, amount: string) => ({
    clientKey: uniqueId('fund'),
    consumerAccountId: accountId,
    amount,
    currency: 'EUR',
    externalReference: uniqueId('ref'),
  });

  beforeAll(async () => {
    const scrypt = { cost: 2 ** 14, blockSize: 8, parallelization: 1 };
    const hash = (operator: Operator) => hashAdminSecret(operator.secret, scrypt);
    const credentials = [
      {
        operatorId: testOperator.operatorId,
        secretHash: await hash(testOperator),
        roles: ['viewer', 'maker'],
      },
      {
        operatorId: testOperator.operatorId,
        credentialId: makerCard.operatorId,
        secretHash: await hash(makerCard),
        roles: ['checker'],
      },
      {
        operatorId: testChecker.operatorId,
        secretHash: await hash(testChecker),
        roles: ['viewer', 'checker'],
      },
      { operatorId: viewer.operatorId, secretHash: await hash(viewer), roles: ['viewer'] },
    ];
    kit = await startLedger({
      SETTLE_ADMIN_CREDENTIALS: JSON.stringify(credentials),
      SETTLE_LEDGER_SECOND_OPERATOR_ABOVE_MINOR: '1000',
      SETTLE_LEDGER_ACCOUNT_WINDOW_LIMIT_MINOR: '2500',
      SETTLE_LEDGER_OPERATOR_WINDOW_LIMIT_MINOR: '9000',
    });
    await kit.publish(merchantOnboarded(merchantId));
    await waitFor(
      async () =>
        (await kit.query('SELECT 1 FROM ledger_accounts WHERE owner_id = $1', [merchantId]))
          .length === 1,
      60_000,
      'merchant',
    );
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('holds a funding above the limit until another person with the checker role approves it; it posts once', async () => {
    const accountId = await openAccount();
    const request = funding(accountId, '1500');
    const held = await call('POST', '/admin/fundings', request);
    expect(held).toMatchObject({
      status: 200,
      body: {
        outcome: 'pending-approval',
        reasons: ['AMOUNT_ABOVE_LIMIT'],
        approvalId: expect.stringMatching(/^approval_/),
      },
    });
    const approvalId = String(held.body.approvalId);
    expect(await call('POST', '/admin/fundings', request)).toMatchObject({
      status: 200,
      body: { outcome: 'pending-approval', approvalId },
    });
    expect(await call('POST', '/admin/fundings', { ...request, amount: '1501' })).toMatchObject({
      status: 409,
      body: { code: 'IDEMPOTENCY_KEY_REUSED' },
    });
    expect(
      await kit.query(
        `SELECT 1 FROM ledger_entries WHERE kind = 'funding' AND idempotency_key = $1`,
        [request.clientKey],
      ),
    ).toEqual([]);
    expect(await balance(accountId)).toBe('0');

    const listed = (await call('GET', '/admin/approvals', undefined, viewer)).body
      .approvals as Array<Record<string, unknown>>;
    expect(listed).toContainEqual(
      expect.objectContaining({
        approvalId,
        kind: 'funding',
        status: 'pending',
        amount: '1500',
        account: accountId,
        requestedBy: 'test-operator',
        request,
      }),
    );
    expect(
      (await call('GET', `/admin/approvals/${approvalId}`, undefined, viewer)).body,
    ).toMatchObject({ approvalId, status: 'pending', reasons: ['AMOUNT_ABOVE_LIMIT'] });

    expect(await call('POST', `/admin/approvals/${approvalId}/approval`)).toMatchObject({
      status: 403,
      body: { code: 'ADMIN_ROLE_REQUIRED' },
    });
    expect(
      await call('POST', `/admin/approvals/${approvalId}/approval`, undefined, viewer),
    ).toMatchObject({ status: 403, body: { code: 'ADMIN_ROLE_REQUIRED' } });
    expect(
      await call('POST', `/admin/approvals/${approvalId}/approval`, undefined, makerCard),
    ).toMatchObject({ status: 403, body: { code: 'SECOND_OPERATOR_REQUIRED' } });
    expect(await balance(accountId)).toBe('0');

    // Two checkers' clicks at once: one posts, the other finds it posted.
    const answers = await Promise.all([
      call('POST', `/admin/approvals/${approvalId}/approval`, undefined, testChecker),
      call('POST', `/admin/approvals/${approvalId}/approval`, undefined, testChecker),
    ]);
    expect(answers.map((answer) => answer.body.outcome).sort()).toEqual(['approved', 'duplicate']);
    expect(answers[0]?.body.approval).toMatchObject({
      status: 'approved',
      decidedBy: 'test-checker',
      entryId: expect.any(String),
    });
    expect(await balance(accountId)).toBe('1500');
    const entries = await kit.query<{ entry_id: string }>(
      `SELECT entry_id FROM ledger_entries WHERE kind = 'funding' AND idempotency_key = $1`,
      [request.clientKey],
    );
    expect(entries).toHaveLength(1);
    expect(await call('POST', '/admin/fundings', request)).toMatchObject({
      status: 200,
      body: { outcome: 'duplicate', entryId: entries[0]?.entry_id },
    });

    const [recorded] = await kit.query<Record<string, string>>(
      `SELECT o.maker_operator_id, o.checker_operator_id, o.approval_id, m.action AS maker_action, c.action AS checker_action,
              m.business_fields AS maker_fields, c.business_fields AS checker_fields
         FROM ledger_entry_operators o JOIN admin_audit_log m ON m.id = o.maker_audit_id JOIN admin_audit_log c ON c.id = o.checker_audit_id WHERE o.entry_id = $1`,
      [entries[0]?.entry_id],
    );
    expect(recorded).toEqual({
      maker_operator_id: 'test-operator',
      checker_operator_id: 'test-checker',
      approval_id: approvalId,
      maker_action: 'ledger.admin.funding.create',
      checker_action: 'ledger.admin.approval.approve',
      maker_fields: expect.objectContaining({
        kind: 'funding',
        amount: '1500',
        currency: 'EUR',
        account: accountId,
        approvalId,
        entryId: null,
      }),
      checker_fields: expect.objectContaining({
        kind: 'funding',
        amount: '1500',
        currency: 'EUR',
        account: accountId,
        approvalId,
        entryId: entries[0]?.entry_id,
      }),
    });
  });

  it('records the operator and audit row of a funding that posts at once; the audit request id is the server’s', async () => {
    const accountId = await openAccount();
    const request = funding(accountId, '700');
    const posted = await call('POST', '/admin/fundings', request, testOperator, {
      'x-request-id': 'client-chosen-id',
    });
    expect(posted.auditId).toMatch(/^\d+$/);
    expect(posted).toMatchObject({ status: 200, body: { outcome: 'posted' } });
    const [row] = await kit.query<Record<string, unknown>>(
      `SELECT o.maker_operator_id, o.checker_operator_id, o.maker_audit_id::text, a.operator_id, a.request_id, a.business_fields
         FROM ledger_entry_operators o JOIN admin_audit_log a ON a.id = o.maker_audit_id WHERE o.entry_id = $1`,
      [posted.body.entryId],
    );
    expect(row).toMatchObject({
      maker_operator_id: 'test-operator',
      checker_operator_id: null,
      maker_audit_id: posted.auditId,
      operator_id: 'test-operator',
      business_fields: {
        kind: 'funding',
        amount: '700',
        currency: 'EUR',
        account: accountId,
        businessKey: expect.any(String),
        externalReference: request.externalReference,
        entryId: posted.body.entryId,
        approvalId: null,
      },
    });
    // The server's id, not the X-Request-Id the caller chose.
    expect(row?.request_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('holds small fundings once they take an account’s rolling total over its limit, and a viewer cannot fund', async () => {
    const accountId = await openAccount();
    expect(await call('POST', '/admin/fundings', funding(accountId, '1000'), viewer)).toMatchObject(
      { status: 403, body: { code: 'ADMIN_ROLE_REQUIRED' } },
    );
    expect((await call('POST', '/admin/fundings', funding(accountId, '1000'))).body.outcome).toBe(
      'posted',
    );
    expect((await call('POST', '/admin/fundings', funding(accountId, '1000'))).body.outcome).toBe(
      'posted',
    );
    expect((await call('POST', '/admin/fundings', funding(accountId, '1000'))).body).toMatchObject({
      outcome: 'pending-approval',
      reasons: ['ACCOUNT_WINDOW_LIMIT'],
    });
    expect(await balance(accountId)).toBe('2000');
  });

  it('holds a refund and a reversal above the limit; a rejection is final and idempotent; an expired approval cannot post', async () => {
    const accountId = await openAccount();
    expect(
      await call('POST', '/admin/approvals/approval_none/approval', undefined, testChecker),
    ).toMatchObject({ status: 404, body: { code: 'APPROVAL_NOT_FOUND' } });
    const fundingApproval = String(
      (await call('POST', '/admin/fundings', funding(accountId, '2400'))).body.approvalId,
    );
    expect(
      (await call('POST', `/admin/approvals/${fundingApproval}/approval`, undefined, testChecker))
        .body.outcome,
    ).toBe('approved');
    const payment = paymentVerified({ consumerAccountId: accountId, merchantId, amount: '2000' });
    await kit.publish(payment);
    await waitFor(
      async () =>
        (
          await kit.query(
            `SELECT 1 FROM ledger_settlements WHERE consumer_account_id = $1 AND status = 'settled'`,
            [accountId],
          )
        ).length === 1,
      30_000,
      'settlement',
    );
    const [paymentEntry] = await kit.query<{ entry_id: string }>(
      `SELECT entry_id FROM ledger_entries WHERE kind = 'payment' AND partition_key = $1`,
      [accountId],
    );
    const originalEntryId = paymentEntry!.entry_id;

    const refund = await call('POST', '/admin/refunds', {
      clientKey: uniqueId('ref'),
      originalEntryId,
      amount: '1200',
    });
    expect(refund.body).toMatchObject({
      outcome: 'pending-approval',
      reasons: expect.arrayContaining(['AMOUNT_ABOVE_LIMIT']),
    });
    const refundApproval = String(refund.body.approvalId);
    expect(
      await call('POST', `/admin/approvals/${refundApproval}/rejection`, undefined, testChecker),
    ).toMatchObject({
      status: 200,
      body: { outcome: 'rejected', approval: { status: 'rejected' } },
    });
    expect(
      await call('POST', `/admin/approvals/${refundApproval}/rejection`, undefined, testChecker),
    ).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
    expect(
      await call('POST', `/admin/approvals/${refundApproval}/approval`, undefined, testChecker),
    ).toMatchObject({ status: 409, body: { code: 'APPROVAL_NOT_PENDING' } });

    const reversal = await call('POST', `/admin/entries/${originalEntryId}/reversal`);
    expect(reversal.body).toMatchObject({ outcome: 'pending-approval' });
    const reversalApproval = String(reversal.body.approvalId);
    // As if the approval lifetime had passed.
    await kit.query(
      `UPDATE ledger_approvals SET requested_at = now() - interval '2 days', expires_at = now() - interval '1 second' WHERE approval_id = $1`,
      [reversalApproval],
    );
    expect((await call('GET', `/admin/approvals/${reversalApproval}`)).body).toMatchObject({
      status: 'expired',
    });
    expect(
      await call('POST', `/admin/approvals/${reversalApproval}/approval`, undefined, testChecker),
    ).toMatchObject({ status: 409, body: { code: 'APPROVAL_EXPIRED' } });
    expect(
      await kit.query(
        `SELECT 1 FROM ledger_entries WHERE kind IN ('refund', 'reversal') AND original_entry_id = $1`,
        [originalEntryId],
      ),
    ).toEqual([]);
    expect(await balance(accountId)).toBe('400');
    expect((await call('GET', '/admin/approvals?status=expired')).body.approvals).toContainEqual(
      expect.objectContaining({ approvalId: reversalApproval }),
    );
  });

  it('holds movements once an operator’s rolling total passes its limit, whatever the account', async () => {
    // 1500 + 700 + 2000 + 2400 moved by test-operator so far; 9000 is the limit.
    const moved = await kit.query<{ total: string }>(
      `SELECT sum(amount)::text AS total FROM ledger_entry_operators WHERE maker_operator_id = 'test-operator'`,
    );
    const left = 9000n - BigInt(moved[0]!.total);
    let accountId = await openAccount();
    let remaining = left;
    while (remaining > 0n) {
      const amount = remaining > 1000n ? 1000n : remaining;
      if (
        (await call('POST', '/admin/fundings', funding(accountId, String(amount)))).body.outcome !==
        'posted'
      )
        accountId = await openAccount();
      else remaining -= amount;
    }
    const fresh = await openAccount();
    expect((await call('POST', '/admin/fundings', funding(fresh, '1'))).body).toMatchObject({
      outcome: 'pending-approval',
      reasons: ['OPERATOR_WINDOW_LIMIT'],
    });
  });

  it('throttles failed logins before computing scrypt, while verified credentials keep working', async () => {
    const answers: number[] = [];
    for (let attempt = 0; attempt < 12; attempt += 1)
      answers.push(
        (
          await call('GET', '/admin/whoami', undefined, {
            operatorId: 'mallory',
            secret: `guess-${attempt}`,
          })
        ).status,
      );
    expect(answers.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(answers.slice(10)).toEqual([429, 429]);
    const throttled = await call('GET', '/admin/whoami', undefined, {
      operatorId: 'mallory',
      secret: 'guess-x',
    });
    expect(throttled.body).toMatchObject({ code: 'ADMIN_LOGIN_THROTTLED' });
    expect((await call('GET', '/admin/whoami')).body).toMatchObject({
      operatorId: 'test-operator',
    });
  });
});
