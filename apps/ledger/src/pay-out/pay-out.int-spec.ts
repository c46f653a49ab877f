// Payouts against a running ledger: idempotent by client key, posted at once up to the configured
// amount, above it held in ledger_approvals (like every money movement) until a different operator
// approves, never more than the merchant is owed.
import { hashAdminSecret } from '@settle/platform';
import { adminAuthorization, testOperator } from '@settle/platform/testing';
import { DataSource } from 'typeorm';
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

const secondOperator = { operatorId: 'second-operator', secret: 'second-secret-4b7e1a' } as const;
// Another credential of the person behind testOperator, with the checker role: still the same person.
const sameOperatorCard = {
  operatorId: 'test-operator-card',
  secret: 'card-secret-7d2c9e',
} as const;

describe('payouts', () => {
  let kit: LedgerTestKit;
  const merchantId = uniqueId('mer');
  let accountId = uniqueId('acc');
  // The wallet's chain is not the merchant's, so the payable has a sub-balance outside the payout's chain.
  while (partitionOf(accountId) === partitionOf(merchantId)) accountId = uniqueId('acc');

  const call = (
    method: string,
    path: string,
    body?: unknown,
    operator: { operatorId: string; secret: string } = testOperator,
  ) => kit.admin(method, path, body, adminAuthorization(operator.operatorId, operator.secret));
  const balance = async (id: string) =>
    (await call('GET', `/admin/accounts/${id}/balance`)).body.balance;

  beforeAll(async () => {
    const scrypt = { cost: 2 ** 14, blockSize: 8, parallelization: 1 };
    const credentials = [
      {
        operatorId: testOperator.operatorId,
        secretHash: await hashAdminSecret(testOperator.secret, scrypt),
        roles: ['viewer', 'maker'],
      },
      {
        operatorId: testOperator.operatorId,
        credentialId: sameOperatorCard.operatorId,
        secretHash: await hashAdminSecret(sameOperatorCard.secret, scrypt),
        roles: ['checker'],
      },
      {
        operatorId: secondOperator.operatorId,
        secretHash: await hashAdminSecret(secondOperator.secret, scrypt),
        roles: ['viewer', 'checker'],
      },
    ];
    kit = await startLedger({
      SETTLE_ADMIN_CREDENTIALS: JSON.stringify(credentials),
      SETTLE_LEDGER_PAYOUT_SECOND_OPERATOR_ABOVE_MINOR: '1000',
    });
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
    const payment = paymentVerified({ consumerAccountId: accountId, merchantId, amount: '5000' });
    await kit.publish(payment);
    await waitFor(
      async () =>
        (await kit.query(`SELECT 1 FROM ledger_settlements WHERE status = 'settled'`)).length === 1,
      30_000,
      'settlement',
    );
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('posts a small payout at once, idempotently by client key', async () => {
    const request = { clientKey: uniqueId('key'), merchantId, amount: '600', currency: 'EUR' };
    const posted = await call('POST', '/admin/payouts', request);
    expect(posted).toMatchObject({
      status: 200,
      body: {
        outcome: 'posted',
        status: 'posted',
        amount: '600',
        requestedBy: 'test-operator',
        entryId: expect.any(String),
      },
    });
    expect(await call('POST', '/admin/payouts', request)).toEqual({
      status: 200,
      body: { ...posted.body, outcome: 'duplicate' },
    });
    expect(await call('POST', '/admin/payouts', { ...request, amount: '601' })).toMatchObject({
      status: 409,
      body: { code: 'IDEMPOTENCY_KEY_REUSED', errors: [{ field: 'clientKey' }] },
    });
    expect((await call('GET', `/admin/entries/${String(posted.body.entryId)}`)).body).toMatchObject(
      {
        kind: 'payout',
        partitionKey: merchantId,
        postings: [
          { accountId: `payable_${merchantId}`, side: 'debit', amount: '600' },
          { accountId: 'settlement_EUR', side: 'credit', amount: '600' },
        ],
      },
    );
  });

  it('holds a large payout in the approvals until a second, different operator approves it; it posts once', async () => {
    const request = { clientKey: uniqueId('key'), merchantId, amount: '3000', currency: 'EUR' };
    const held = await call('POST', '/admin/payouts', request);
    expect(held).toMatchObject({
      status: 200,
      body: {
        outcome: 'pending-approval',
        reasons: ['AMOUNT_ABOVE_LIMIT'],
        approvalId: expect.stringMatching(/^approval_/),
      },
    });
    const approvalId = String(held.body.approvalId);
    // The same request again finds the approval; other content under the key is refused.
    expect(await call('POST', '/admin/payouts', request)).toMatchObject({
      status: 200,
      body: { outcome: 'pending-approval', approvalId },
    });
    expect(await call('POST', '/admin/payouts', { ...request, amount: '3001' })).toMatchObject({
      status: 409,
      body: { code: 'IDEMPOTENCY_KEY_REUSED', errors: [{ field: 'clientKey' }] },
    });
    expect((await call('GET', '/admin/approvals')).body.approvals).toEqual([
      expect.objectContaining({
        approvalId,
        kind: 'payout',
        status: 'pending',
        amount: '3000',
        account: merchantId,
        requestedBy: 'test-operator',
        request,
      }),
    ]);
    expect(await call('POST', `/admin/approvals/${approvalId}/approval`)).toMatchObject({
      status: 403,
      body: { code: 'ADMIN_ROLE_REQUIRED' },
    });
    // The maker's own checker credential is still the maker.
    expect(
      await call('POST', `/admin/approvals/${approvalId}/approval`, undefined, sameOperatorCard),
    ).toMatchObject({ status: 403, body: { code: 'SECOND_OPERATOR_REQUIRED' } });
    expect(await balance(`payable_${merchantId}`)).toBe('4400');

    const approved = await call(
      'POST',
      `/admin/approvals/${approvalId}/approval`,
      undefined,
      secondOperator,
    );
    expect(approved).toMatchObject({
      status: 200,
      body: {
        outcome: 'approved',
        approval: {
          kind: 'payout',
          status: 'approved',
          decidedBy: 'second-operator',
          entryId: expect.any(String),
        },
      },
    });
    const entryId = (approved.body.approval as { entryId: string }).entryId;
    expect(
      await call('POST', `/admin/approvals/${approvalId}/approval`, undefined, secondOperator),
    ).toMatchObject({ status: 200, body: { outcome: 'duplicate', approval: { entryId } } });
    expect(await call('POST', '/admin/payouts', request)).toMatchObject({
      status: 200,
      body: { outcome: 'duplicate', status: 'posted', entryId },
    });
    const [row] = await kit.query<{ payout_id: string; approved_by: string }>(
      'SELECT payout_id, approved_by FROM ledger_payouts WHERE client_key = $1',
      [request.clientKey],
    );
    expect(row?.approved_by).toBe('second-operator');
    expect((await call('GET', `/admin/payouts/${row?.payout_id}`)).body).toMatchObject({
      status: 'posted',
      requestedBy: 'test-operator',
      entryId,
    });
    const [recorded] = await kit.query<Record<string, string>>(
      `SELECT o.maker_operator_id, o.checker_operator_id, o.approval_id, o.amount::text, m.action AS maker_action, c.action AS checker_action, c.business_fields->>'amount' AS audited_amount
         FROM ledger_entry_operators o JOIN admin_audit_log m ON m.id = o.maker_audit_id JOIN admin_audit_log c ON c.id = o.checker_audit_id WHERE o.entry_id = $1`,
      [entryId],
    );
    expect(recorded).toEqual({
      maker_operator_id: 'test-operator',
      checker_operator_id: 'second-operator',
      approval_id: approvalId,
      amount: '3000',
      maker_action: 'ledger.admin.payout.create',
      checker_action: 'ledger.admin.approval.approve',
      audited_amount: '3000',
    });

    expect(await balance(`payable_${merchantId}`)).toBe('1400');
    expect(await balance('settlement_EUR')).toBe('-3600');
  });

  it('lets a checker reject a held payout (idempotently), refuses an approval after the deadline, and one the balance no longer covers', async () => {
    const rejectedId = String(
      (
        await call('POST', '/admin/payouts', {
          clientKey: uniqueId('key'),
          merchantId,
          amount: '1001',
          currency: 'EUR',
        })
      ).body.approvalId,
    );
    expect(await call('POST', `/admin/approvals/${rejectedId}/rejection`)).toMatchObject({
      status: 403,
      body: { code: 'ADMIN_ROLE_REQUIRED' },
    });
    expect(
      await call('POST', `/admin/approvals/${rejectedId}/rejection`, undefined, secondOperator),
    ).toMatchObject({
      status: 200,
      body: { outcome: 'rejected', approval: { status: 'rejected' } },
    });
    expect(
      await call('POST', `/admin/approvals/${rejectedId}/rejection`, undefined, secondOperator),
    ).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
    expect(
      await call('POST', `/admin/approvals/${rejectedId}/approval`, undefined, secondOperator),
    ).toMatchObject({ status: 409, body: { code: 'APPROVAL_NOT_PENDING' } });

    const lapsedId = String(
      (
        await call('POST', '/admin/payouts', {
          clientKey: uniqueId('key'),
          merchantId,
          amount: '1002',
          currency: 'EUR',
        })
      ).body.approvalId,
    );
    // As if the approval lifetime had passed.
    await kit.query(
      `UPDATE ledger_approvals SET requested_at = now() - interval '2 days', expires_at = now() - interval '1 second' WHERE approval_id = $1`,
      [lapsedId],
    );
    expect(
      await call('POST', `/admin/approvals/${lapsedId}/approval`, undefined, secondOperator),
    ).toMatchObject({ status: 409, body: { code: 'APPROVAL_EXPIRED' } });

    // Held while 1 400 was owed; a smaller payout posts meanwhile; the approval finds too little left.
    const shortId = String(
      (
        await call('POST', '/admin/payouts', {
          clientKey: uniqueId('key'),
          merchantId,
          amount: '1300',
          currency: 'EUR',
        })
      ).body.approvalId,
    );
    expect(
      (
        await call('POST', '/admin/payouts', {
          clientKey: uniqueId('key'),
          merchantId,
          amount: '200',
          currency: 'EUR',
        })
      ).body,
    ).toMatchObject({ outcome: 'posted' });
    expect(
      await call('POST', `/admin/approvals/${shortId}/approval`, undefined, secondOperator),
    ).toMatchObject({ status: 422, body: { code: 'INSUFFICIENT_BALANCE' } });
    expect((await call('GET', `/admin/approvals/${shortId}`)).body).toMatchObject({
      status: 'failed',
      outcomeCode: 'INSUFFICIENT_BALANCE',
      entryId: null,
    });
    expect((await call('GET', '/admin/approvals')).body.approvals).toEqual([]);
    expect(await balance(`payable_${merchantId}`)).toBe('1200');
  });

  it('never pays out more than is owed, nor to an unknown merchant', async () => {
    expect(
      await call('POST', '/admin/payouts', {
        clientKey: uniqueId('key'),
        merchantId,
        amount: '1201',
        currency: 'EUR',
      }),
    ).toMatchObject({
      status: 422,
      body: { code: 'INSUFFICIENT_BALANCE', errors: [{ field: 'amount' }] },
    });
    expect(
      await call('POST', '/admin/payouts', {
        clientKey: uniqueId('key'),
        merchantId: uniqueId('mer'),
        amount: '1',
        currency: 'EUR',
      }),
    ).toMatchObject({
      status: 422,
      body: { code: 'UNKNOWN_MERCHANT', errors: [{ field: 'merchantId' }] },
    });
    expect(await call('GET', '/admin/payouts/payout_nope')).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND', errors: [{ field: 'payoutId' }] },
    });
    expect((await call('POST', '/admin/journal/rebuild')).body).toMatchObject({ consistent: true });
  });

  it('checks the balance under the locks of every partition holding the payable, so a concurrent debit elsewhere is waited for', async () => {
    const payable = `payable_${merchantId}`;
    const walletPartition = partitionOf(accountId);
    expect(await balance(payable)).toBe('1200');
    // A writer on the wallet's chain (a settlement batch, a refund) holds its lock and debits the payable there.
    const writer = kit.test.service.app.get(DataSource).createQueryRunner();
    await writer.connect();
    await writer.startTransaction();
    let answered = false;
    try {
      await writer.query('SELECT 1 FROM ledger_partitions WHERE partition = $1 FOR UPDATE', [
        walletPartition,
      ]);
      const payout = call('POST', '/admin/payouts', {
        clientKey: uniqueId('key'),
        merchantId,
        amount: '1000',
        currency: 'EUR',
      }).finally(() => (answered = true));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(answered).toBe(false);
      await writer.query(
        'UPDATE ledger_balances SET debits = debits + 600 WHERE account_id = $1 AND partition = $2',
        [payable, walletPartition],
      );
      await writer.commitTransaction();
      expect(await payout).toMatchObject({ status: 422, body: { code: 'INSUFFICIENT_BALANCE' } });
    } finally {
      if (writer.isTransactionActive) await writer.rollbackTransaction();
      await writer.release();
      // The debit was written behind the journal's back: take it out again.
      await kit.query(
        'UPDATE ledger_balances SET debits = debits - 600 WHERE account_id = $1 AND partition = $2',
        [payable, walletPartition],
      );
    }
    expect(await balance(payable)).toBe('1200');
  });
});
