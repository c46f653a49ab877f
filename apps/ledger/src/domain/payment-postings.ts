import { ledgerAccountId } from './accounts';
import { type Posting } from './entry';

/** What payment.settled says of a settled payment besides its entry's place in the chain. */
export interface SettledPayment {
  readonly transactionId: string;
  readonly consumerAccountId: string;
  readonly merchantId: string;
  readonly amount: bigint;
  readonly fee: bigint;
  readonly merchantAmount: bigint;
  readonly currency: string;
}

/**
 * The postings of a settled payment's entry (docs/events.md, payment.settled v3): the wallet debited
 * by the amount, then the merchant payable credited with the merchant's share and fee revenue with the
 * fee, each only when above zero.
 */
export function settledPaymentPostings(settled: SettledPayment): Posting[] {
  const { amount, fee, merchantAmount, currency } = settled;
  const postings: Posting[] = [
    {
      accountId: ledgerAccountId('wallet', settled.consumerAccountId),
      side: 'debit',
      amount,
      currency,
    },
  ];
  if (merchantAmount > 0n)
    postings.push({
      accountId: ledgerAccountId('merchant-payable', settled.merchantId),
      side: 'credit',
      amount: merchantAmount,
      currency,
    });
  if (fee > 0n)
    postings.push({
      accountId: ledgerAccountId('fee-revenue', currency),
      side: 'credit',
      amount: fee,
      currency,
    });
  return postings;
}
