// Payments made ahead of a load run, without sound (the wallet signs, the POS countersigns: what
// the sound link carries is covered by the demo and offline-payment.e2e-spec.ts), and the reference
// model of what the ledger should hold once every one of them settled (docs/ledger.md).
import { randomBytes } from 'node:crypto';
import { formatTransactionId } from '@settle/protocol';
import { type AcceptedPayment } from '@settle/device-sdk';
import { approvalPrompt, feeOf, type Phone, requestValidityMs, type Terminal } from '@settle/demo';
import { type LoadWorld } from './onboard';

export interface PreparedPayment {
  /** Its place in the run: the driver uploads payment i at start + i / rate. */
  readonly index: number;
  readonly transactionId: string;
  /** The dual-signed offline transaction as the terminal queued it. */
  readonly bytes: Uint8Array;
  readonly terminalId: string;
  readonly accountId: string;
  readonly amount: bigint;
  readonly fee: bigint;
}

/** Ledger balances (on each account's normal side, minor units) once every prepared payment settled. */
export type ReferenceBalances = ReadonlyMap<string, bigint>;

/** Amounts from 1.00 to 19.99 EUR, varied so a wrong fee or amount shows in the balances. */
export const loadAmountOf = (index: number) => 100n + BigInt((index * 37) % 1_900);

/**
 * `count` payments, round-robin over the phones; each phone's payments rotate over the terminals.
 * Made one after the other: a wallet reserves its counters in order.
 */
export async function preparePayments(world: LoadWorld, count: number): Promise<PreparedPayment[]> {
  const payments: PreparedPayment[] = [];
  for (let index = 0; index < count; index++) {
    const phone = world.phones[index % world.phones.length]!;
    const terminal =
      world.terminals[(index + Math.floor(index / world.phones.length)) % world.terminals.length]!;
    const amount = loadAmountOf(index);
    const accepted = await payWithoutSound(terminal, phone, amount);
    payments.push({
      index,
      transactionId: formatTransactionId(accepted.transactionId),
      bytes: accepted.offlineTransactionBytes,
      terminalId: terminal.terminalId,
      accountId: phone.accountId,
      amount,
      fee: feeOf(amount),
    });
  }
  return payments;
}

/** A payment as the SDKs make it, the messages handed over directly: request, approval, countersignature. */
export async function payWithoutSound(
  terminal: Terminal,
  phone: Phone,
  amount: bigint,
): Promise<AcceptedPayment> {
  const created = terminal.pos.createRequest({
    amount,
    currency: 'EUR',
    nonce: new Uint8Array(randomBytes(16)),
    nowMs: Date.now(),
    validityMs: requestValidityMs,
  });
  const presented = await phone.wallet.presentRequest({
    requestBytes: created.requestBytes,
    terminalCredentialBytes: created.terminalCredentialBytes,
    nowMs: Date.now(),
  });
  if (!presented.ok) throw new Error(`the phone refused the request: ${presented.code}`);
  const approved = await phone.wallet.approve(presented.value, {
    nowMs: Date.now(),
    prompt: approvalPrompt,
  });
  if (!approved.ok) throw new Error(`the phone did not approve: ${approved.code}`);
  const accepted = await terminal.pos.acceptAuthorization({
    requestBytes: created.requestBytes,
    authorizationBytes: approved.value.authorizationBytes,
    deviceCredentialBytes: approved.value.deviceCredentialBytes,
    nowMs: Date.now(),
  });
  if (!accepted.ok) throw new Error(`the terminal refused the payment: ${accepted.code}`);
  return accepted.value;
}

/**
 * What each ledger account should hold once `settled` payments settled: every wallet its funding less
 * its payments, the merchant's payable the amounts less fees, the fee revenue the fees.
 */
export function referenceBalances(
  world: LoadWorld,
  settled: readonly PreparedPayment[],
): ReferenceBalances {
  const balances = new Map<string, bigint>(
    [...world.funded].map(([accountId, funding]) => [`wallet_${accountId}`, funding]),
  );
  const add = (accountId: string, amount: bigint) =>
    balances.set(accountId, (balances.get(accountId) ?? 0n) + amount);
  for (const payment of settled) {
    add(`wallet_${payment.accountId}`, -payment.amount);
    add(`payable_${world.merchantId}`, payment.amount - payment.fee);
    add('fee-revenue_EUR', payment.fee);
  }
  return balances;
}
