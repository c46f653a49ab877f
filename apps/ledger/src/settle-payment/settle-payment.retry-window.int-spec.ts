// The unknown-account retry window beyond the backbone's default attempts: with a 13 s window the
// settlement consumer asks for enough attempts (entityRetryAttemptsFor) that a payment whose account
// arrives 12 s late is settled, where 8 attempts (≈ 11.3 s) would have dead-lettered it.
import { entityRetryAttemptsMax } from '@settle/messaging';
import {
  accountOpened,
  type LedgerTestKit,
  merchantOnboarded,
  paymentVerified,
  startLedger,
  uniqueId,
  waitFor,
} from '../testing/ledger-test-kit';
import { SettlePaymentConsumer } from './settle-payment.consumer';

describe('a retry window longer than the backbone’s default attempts', () => {
  let kit: LedgerTestKit;
  const merchantId = uniqueId('mer');
  const retryWindowMs = 13_000;

  beforeAll(async () => {
    kit = await startLedger({
      SETTLE_LEDGER_UNKNOWN_ACCOUNT_RETRY_WINDOW_MS: String(retryWindowMs),
    });
    await kit.publish(merchantOnboarded(merchantId));
    await waitFor(
      async () =>
        (await kit.query('SELECT 1 FROM ledger_accounts WHERE owner_id = $1', [merchantId]))
          .length > 0,
      60_000,
      'merchant accounts',
    );
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('settles a payment whose account arrives 12 s after it, without a dead letter', async () => {
    expect(kit.test.service.app.get(SettlePaymentConsumer).entityRetryAttemptsMax).toBe(10);
    expect(entityRetryAttemptsMax).toBe(8);
    const accountId = uniqueId('acc');
    const payment = paymentVerified({ consumerAccountId: accountId, merchantId, amount: '100' });
    const transactionId = (payment.payload as { transactionId: string }).transactionId;
    await kit.publish(payment);
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    expect(
      await kit.query('SELECT 1 FROM ledger_settlements WHERE transaction_id = $1', [
        transactionId,
      ]),
    ).toHaveLength(0);
    await kit.publish(accountOpened(accountId));
    await waitFor(
      async () =>
        (
          await kit.query('SELECT 1 FROM ledger_settlements WHERE transaction_id = $1', [
            transactionId,
          ])
        ).length > 0,
      30_000,
      'settlement',
    );
    expect(
      await kit.query(
        'SELECT status, reason_code FROM ledger_settlements WHERE transaction_id = $1',
        [transactionId],
      ),
    ).toEqual([{ status: 'settled', reason_code: null }]);
    expect(kit.deadLetters).toEqual([]);
  }, 60_000);
});
