// Funding and the admin reads against a running ledger: funding (idempotent, back in funds, never past
// balanceMinorUnitsMax, one bank transfer reference credited once per account), balance now and as of
// a time, entry by id, settlement by transaction id, problem+json naming the field.
import { adminAuthorization, testChecker } from '@settle/platform/testing';
import { balanceMinorUnitsMax } from '../domain/money';
import {
  accountOpened,
  type LedgerTestKit,
  merchantOnboarded,
  paymentVerified,
  startLedger,
  uniqueId,
  waitFor,
} from '../testing/ledger-test-kit';

describe('funding a wallet, and the admin reads', () => {
  let kit: LedgerTestKit;
  const merchantId = uniqueId('mer');
  const accountId = uniqueId('acc');

  const call = (method: string, path: string, body?: unknown, authorization?: string) =>
    kit.admin(method, path, body, authorization);

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

  it('answers an impossible asOf date that matches the timestamp pattern with a 400 naming the field, not a 500', async () => {
    const balance = await call(
      'GET',
      `/admin/accounts/wallet_${accountId}/balance?asOf=2026-13-45T10:00:00.000Z`,
    );
    expect(balance).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', errors: [{ field: 'asOf', code: 'INVALID_FORMAT' }] },
    });
  });

  it('settles, overdraws, funds back into funds, and answers balances, entries and settlements', async () => {
    const payment = paymentVerified({ consumerAccountId: accountId, merchantId, amount: '1000' });
    const transactionId = (payment.payload as { transactionId: string }).transactionId;
    await kit.publish(payment);
    await waitFor(
      async () => (await call('GET', `/admin/settlements/${transactionId}`)).status === 200,
      30_000,
      'settlement',
    );
    const settlement = await call('GET', `/admin/settlements/${transactionId}`);
    // No fee schedule here (set-fee-schedule.int-spec.ts prices payments): no fee.
    expect(settlement.body).toMatchObject({
      status: 'settled',
      amount: '1000',
      fee: '0',
      merchantAmount: '1000',
      reasonCode: null,
    });
    const beforeFunding = new Date().toISOString();

    const funding = {
      clientKey: uniqueId('key'),
      consumerAccountId: accountId,
      amount: '1500',
      currency: 'EUR',
      externalReference: uniqueId('ref'),
    };
    const first = await call('POST', '/admin/fundings', funding);
    expect(first).toMatchObject({ status: 200, body: { outcome: 'posted' } });
    expect(await call('POST', '/admin/fundings', funding)).toEqual({
      status: 200,
      body: { outcome: 'duplicate', entryId: first.body.entryId },
    });
    expect(await call('POST', '/admin/fundings', { ...funding, amount: '1' })).toMatchObject({
      status: 409,
      body: { code: 'IDEMPOTENCY_KEY_REUSED', errors: [{ field: 'clientKey' }] },
    });
    expect(
      await call('POST', '/admin/fundings', {
        ...funding,
        clientKey: uniqueId('key'),
        consumerAccountId: uniqueId('acc'),
      }),
    ).toMatchObject({
      status: 422,
      body: { code: 'UNKNOWN_ACCOUNT', errors: [{ field: 'consumerAccountId' }] },
    });

    expect((await call('GET', `/admin/accounts/wallet_${accountId}/balance`)).body).toMatchObject({
      balance: '500',
      type: 'liability',
      currency: 'EUR',
      asOf: null,
    });
    expect(
      (await call('GET', `/admin/accounts/wallet_${accountId}/balance?asOf=${beforeFunding}`)).body,
    ).toMatchObject({ balance: '-1000', asOf: beforeFunding });
    expect((await call('GET', `/admin/accounts/fee-revenue_EUR/balance`)).body).toMatchObject({
      type: 'revenue',
    });

    const entry = await call('GET', `/admin/entries/${String(settlement.body.entryId)}`);
    expect(entry.body).toMatchObject({
      kind: 'payment',
      transactionId,
      sequence: '1',
      postings: [
        { accountId: `wallet_${accountId}`, side: 'debit', amount: '1000' },
        { accountId: `payable_${merchantId}`, side: 'credit', amount: '1000' },
      ],
    });
    const fundingEntry = await call('GET', `/admin/entries/${String(first.body.entryId)}`);
    expect(fundingEntry.body).toMatchObject({
      kind: 'funding',
      sequence: '2',
      previousHash: entry.body.hash,
    });

    await waitFor(
      () =>
        kit.published.some(
          (event) => event.type === 'account.back-in-funds' && event.key === accountId,
        ),
      30_000,
      'back in funds',
    );
    expect(
      kit.published.find(
        (event) => event.type === 'account.back-in-funds' && event.key === accountId,
      )?.payload,
    ).toMatchObject({ balance: '500' });
    expect((await call('GET', '/admin/entries/nope')).status).toBe(404);
  });

  it('refuses a funding that would take the wallet past balanceMinorUnitsMax with a 422 naming the amount, and stores nothing', async () => {
    const fullAccountId = uniqueId('acc');
    await kit.publish(accountOpened(fullAccountId));
    await waitFor(
      async () =>
        (await kit.query('SELECT 1 FROM ledger_accounts WHERE owner_id = $1', [fullAccountId]))
          .length === 1,
      60_000,
      'account',
    );
    const funding = (amount: string) => ({
      clientKey: uniqueId('key'),
      consumerAccountId: fullAccountId,
      amount,
      currency: 'EUR',
      externalReference: uniqueId('ref'),
    });
    expect((await call('POST', '/admin/fundings', funding('1'))).body).toMatchObject({
      outcome: 'posted',
    });
    // As if ~9 223 fundings of the largest amount had come before: the wallet 5 minor units short of the limit.
    await kit.query(`UPDATE ledger_balances SET credits = $2::bigint - 5 WHERE account_id = $1`, [
      `wallet_${fullAccountId}`,
      balanceMinorUnitsMax.toString(),
    ]);
    const entriesBefore = await kit.query('SELECT 1 FROM ledger_entries');
    expect(await call('POST', '/admin/fundings', funding('6'))).toMatchObject({
      status: 422,
      body: { code: 'BALANCE_OUT_OF_RANGE', errors: [{ field: 'amount' }] },
    });
    expect(await kit.query('SELECT 1 FROM ledger_entries')).toHaveLength(entriesBefore.length);
    expect((await call('POST', '/admin/fundings', funding('5'))).body).toMatchObject({
      outcome: 'posted',
    });
    expect(
      (await call('GET', `/admin/accounts/wallet_${fullAccountId}/balance`)).body,
    ).toMatchObject({ balance: balanceMinorUnitsMax.toString() });
  });

  describe('the bank transfer reference (issue 13 §2: one deposit credits once)', () => {
    const openAccount = async () => {
      const id = uniqueId('acc');
      await kit.publish(accountOpened(id));
      await waitFor(
        async () =>
          (await kit.query('SELECT 1 FROM ledger_accounts WHERE owner_id = $1', [id])).length === 1,
        60_000,
        'account',
      );
      return id;
    };
    const fundingOf = (consumerAccountId: string, externalReference: string, amount = '100') => ({
      clientKey: uniqueId('key'),
      consumerAccountId,
      amount,
      currency: 'EUR',
      externalReference,
    });
    const balance = async (id: string) =>
      (await call('GET', `/admin/accounts/wallet_${id}/balance`)).body.balance;
    const fundingsOf = (id: string) =>
      kit.query(`SELECT 1 FROM ledger_entries WHERE kind = 'funding' AND partition_key = $1`, [id]);

    it('refuses the same reference (in any case) under another client key with a 409 naming it; the same key stays a duplicate; another account may use it', async () => {
      const [first, second] = [await openAccount(), await openAccount()];
      const reference = `SEPA-${uniqueId('e2e')}`;
      const posted = fundingOf(first, reference);
      expect((await call('POST', '/admin/fundings', posted)).body).toMatchObject({
        outcome: 'posted',
      });
      for (const again of [reference, reference.toLowerCase()]) {
        expect(await call('POST', '/admin/fundings', fundingOf(first, again))).toMatchObject({
          status: 409,
          body: {
            code: 'EXTERNAL_REFERENCE_USED',
            errors: [{ field: 'externalReference', code: 'EXTERNAL_REFERENCE_USED' }],
          },
        });
      }
      expect(
        await call('POST', '/admin/fundings', { ...posted, externalReference: uniqueId('ref') }),
      ).toMatchObject({ status: 409, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
      expect((await call('POST', '/admin/fundings', posted)).body).toMatchObject({
        outcome: 'duplicate',
      });
      expect(await fundingsOf(first)).toHaveLength(1);
      expect(await balance(first)).toBe('100');
      expect(
        (await call('POST', '/admin/fundings', fundingOf(second, reference))).body,
      ).toMatchObject({ outcome: 'posted' });
      expect(await balance(second)).toBe('100');
    });

    it('posts one of two concurrent fundings of one reference, and the database refuses a second row for it', async () => {
      const id = await openAccount();
      const reference = uniqueId('ref');
      const answers = await Promise.all([
        call('POST', '/admin/fundings', fundingOf(id, reference)),
        call('POST', '/admin/fundings', fundingOf(id, reference)),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
      expect(await balance(id)).toBe('100');
      const [entry] = await kit.query<{ entry_id: string }>(
        `SELECT entry_id FROM ledger_entries WHERE kind = 'funding' AND partition_key = $1`,
        [id],
      );
      const [other] = await kit.query<{ entry_id: string }>(
        `SELECT entry_id FROM ledger_entries WHERE kind = 'funding' AND partition_key = $1`,
        [accountId],
      );
      // The unique index on (account, lower(reference)): even a write that skipped the handler's check fails.
      await expect(
        kit.query(
          'INSERT INTO ledger_funding_references (consumer_account_id, external_reference, entry_id) VALUES ($1, $2, $3)',
          [id, reference.toUpperCase(), other!.entry_id],
        ),
      ).rejects.toMatchObject({
        code: '23505',
      });
      await expect(
        kit.query('DELETE FROM ledger_funding_references WHERE entry_id = $1', [entry!.entry_id]),
      ).rejects.toThrow();
    });

    it('answers a missing or malformed reference with a 400 naming the field, and stores nothing', async () => {
      const id = await openAccount();
      const { externalReference: _omitted, ...withoutReference } = fundingOf(id, 'unused');
      expect(await call('POST', '/admin/fundings', withoutReference)).toMatchObject({
        status: 400,
        body: { code: 'VALIDATION_FAILED', errors: [{ field: 'externalReference' }] },
      });
      for (const malformed of ['', ' SEPA-1', 'SEPA 1', 'x'.repeat(65), 'ref\u0000', 42]) {
        expect(
          await call('POST', '/admin/fundings', {
            ...fundingOf(id, 'unused'),
            externalReference: malformed,
          }),
        ).toMatchObject({ status: 400, body: { errors: [{ field: 'externalReference' }] } });
      }
      expect(await fundingsOf(id)).toEqual([]);
    });

    it('refuses a second funding of a reference a held funding claims, until a checker decides the first', async () => {
      const id = await openAccount();
      const reference = uniqueId('ref');
      // Above SETTLE_LEDGER_SECOND_OPERATOR_ABOVE_MINOR (1 000 000 by default): it waits for a checker.
      const held = await call('POST', '/admin/fundings', fundingOf(id, reference, '1000001'));
      expect(held.body).toMatchObject({
        outcome: 'pending-approval',
        reasons: ['AMOUNT_ABOVE_LIMIT'],
      });
      expect(
        (await call('GET', `/admin/approvals/${String(held.body.approvalId)}`)).body,
      ).toMatchObject({ request: { externalReference: reference } });
      // The same transfer under another client key (in other case): refused while the first waits.
      expect(
        await call('POST', '/admin/fundings', fundingOf(id, reference.toUpperCase())),
      ).toMatchObject({
        status: 409,
        body: {
          code: 'EXTERNAL_REFERENCE_PENDING',
          errors: [{ field: 'externalReference', code: 'EXTERNAL_REFERENCE_PENDING' }],
        },
      });
      expect(await fundingsOf(id)).toEqual([]);

      const rejected = await call(
        'POST',
        `/admin/approvals/${String(held.body.approvalId)}/rejection`,
        undefined,
        adminAuthorization(testChecker.operatorId, testChecker.secret),
      );
      expect(rejected.status).toBe(200);
      expect((await call('POST', '/admin/fundings', fundingOf(id, reference))).body).toMatchObject({
        outcome: 'posted',
      });
      expect(await fundingsOf(id)).toHaveLength(1);
      expect(await balance(id)).toBe('100');
    });

    it('refuses to approve a funding held before references existed (its request names none): the maker asks again with one', async () => {
      const id = await openAccount();
      const held = await call('POST', '/admin/fundings', fundingOf(id, uniqueId('ref'), '1000001'));
      const approvalId = String(held.body.approvalId);
      // As if held before ledger migration 0008.
      await kit.query(
        `UPDATE ledger_approvals SET command = command - 'externalReference' WHERE approval_id = $1`,
        [approvalId],
      );
      const approval = await call(
        'POST',
        `/admin/approvals/${approvalId}/approval`,
        undefined,
        adminAuthorization(testChecker.operatorId, testChecker.secret),
      );
      expect(approval).toMatchObject({
        status: 422,
        body: { code: 'EXTERNAL_REFERENCE_REQUIRED' },
      });
      expect(await fundingsOf(id)).toEqual([]);
    });
  });
});
