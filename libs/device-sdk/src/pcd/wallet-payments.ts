import { type ProcessorConfirmation, decodeProcessorConfirmation } from '@settle/protocol';
import { base64UrlDecode, base64UrlEncode, bytesToHex } from '@settle/crypto';
import { deviceAssert } from '../errors';
import { type DurableStore } from '../storage/durable-store';

// The phone's durable record of the payments it authorized, one key per payment:
//   pcd.payment.<device counter, 20 digits>  JSON: the payment, and its confirmation once it came
// Keyed by counter (unique per device, so payments list in the order they were made); confirming
// rewrites the one key (an atomic write), so a crash leaves the payment confirmed or not, never half.

const paymentPrefix = 'pcd.payment.';
const counterDigits = 20;

/**
 * A payment this phone authorized, as it keeps it: what it approved (amount, currency, the terminal
 * and the merchant name it showed) and, once the processor answered, its signed confirmation.
 *
 * @example
 * ```ts
 * const { transactionId, amount, currency, state }: WalletPayment = wallet.payments()[0];
 * if (state === 'confirmed' && confirmation?.outcome === 'rejected') showRejected(confirmation.reasonCode);
 * ```
 */
export interface WalletPayment {
  readonly transactionId: Uint8Array;
  readonly deviceCounter: bigint;
  readonly terminalId: string;
  readonly merchantId: string;
  /** The verified name from the terminal credential, as shown when the user approved. */
  readonly merchantDisplayName: string;
  readonly amount: bigint;
  readonly currency: string;
  readonly authorizedAtMs: number;
  readonly state: 'authorized' | 'confirmed';
  /** The processor's answer (accepted, or rejected with a reason), verified when it was accepted. */
  readonly confirmation?: ProcessorConfirmation;
  readonly confirmationBytes?: Uint8Array;
}

interface StoredPayment {
  readonly transactionId: string;
  readonly deviceCounter: string;
  readonly terminalId: string;
  readonly merchantId: string;
  readonly merchantDisplayName: string;
  readonly amount: string;
  readonly currency: string;
  readonly authorizedAtMs: number;
  readonly confirmation: string | null;
}

function keyOf(deviceCounter: bigint): string {
  return `${paymentPrefix}${deviceCounter.toString().padStart(counterDigits, '0')}`;
}

function encodePayment(payment: WalletPayment): Uint8Array {
  const stored: StoredPayment = {
    transactionId: base64UrlEncode(payment.transactionId),
    deviceCounter: payment.deviceCounter.toString(),
    terminalId: payment.terminalId,
    merchantId: payment.merchantId,
    merchantDisplayName: payment.merchantDisplayName,
    amount: payment.amount.toString(),
    currency: payment.currency,
    authorizedAtMs: payment.authorizedAtMs,
    confirmation:
      payment.confirmationBytes === undefined ? null : base64UrlEncode(payment.confirmationBytes),
  };
  return new TextEncoder().encode(JSON.stringify(stored));
}

function decodePayment(bytes: Uint8Array): WalletPayment {
  const stored = JSON.parse(new TextDecoder().decode(bytes)) as StoredPayment;
  const transactionId = base64UrlDecode(stored.transactionId);
  deviceAssert(transactionId?.length === 32, 'a stored payment has a 32-byte transaction id');
  const payment = {
    transactionId,
    deviceCounter: BigInt(stored.deviceCounter),
    terminalId: stored.terminalId,
    merchantId: stored.merchantId,
    merchantDisplayName: stored.merchantDisplayName,
    amount: BigInt(stored.amount),
    currency: stored.currency,
    authorizedAtMs: stored.authorizedAtMs,
  };
  if (stored.confirmation === null) return { ...payment, state: 'authorized' };
  const confirmationBytes = base64UrlDecode(stored.confirmation);
  deviceAssert(confirmationBytes !== undefined, 'a stored confirmation is base64url');
  // It was verified when accepted; decoding again only restores its fields.
  const decoded = decodeProcessorConfirmation(confirmationBytes);
  deviceAssert(decoded.ok, 'a stored confirmation decodes');
  return {
    ...payment,
    state: 'confirmed',
    confirmation: decoded.value.confirmation,
    confirmationBytes,
  };
}

/**
 * The phone's payments, loaded from the store with an in-memory index by transaction id. Open it
 * once per wallet.
 *
 * @example
 * ```ts
 * const payments = await WalletPayments.open(store);
 * await payments.record(payment);
 * ```
 */
export class WalletPayments {
  private readonly byId = new Map<string, WalletPayment>();

  private constructor(private readonly store: DurableStore) {}

  /** Loads every stored payment. */
  static async open(store: DurableStore): Promise<WalletPayments> {
    const payments = new WalletPayments(store);
    for (const key of await store.list(paymentPrefix)) {
      const payment = decodePayment((await store.read(key))!);
      deviceAssert(key === keyOf(payment.deviceCounter), 'a payment is stored under its counter');
      payments.byId.set(bytesToHex(payment.transactionId), payment);
    }
    return payments;
  }

  /** Every payment, in counter order (the order they were made). */
  list(): WalletPayment[] {
    return [...this.byId.values()].sort((left, right) =>
      left.deviceCounter < right.deviceCounter
        ? -1
        : left.deviceCounter > right.deviceCounter
          ? 1
          : 0,
    );
  }

  find(transactionId: Uint8Array): WalletPayment | undefined {
    return this.byId.get(bytesToHex(transactionId));
  }

  /** Stores an authorized payment durably (resolves once it survives a crash). Idempotent by transaction id. */
  async record(
    payment: Omit<WalletPayment, 'state' | 'confirmation' | 'confirmationBytes'>,
  ): Promise<WalletPayment> {
    const existing = this.find(payment.transactionId);
    if (existing !== undefined) return existing;
    const authorized: WalletPayment = { ...payment, state: 'authorized' };
    await this.store.write(keyOf(payment.deviceCounter), encodePayment(authorized));
    this.byId.set(bytesToHex(payment.transactionId), authorized);
    return authorized;
  }

  /** Records the (verified) confirmation of a held payment. The first confirmation stays. */
  async confirm(
    transactionId: Uint8Array,
    confirmationBytes: Uint8Array,
    confirmation: ProcessorConfirmation,
  ): Promise<WalletPayment> {
    const payment = this.find(transactionId);
    deviceAssert(payment !== undefined, 'the confirmed payment is held');
    if (payment.state === 'confirmed') return payment;
    const confirmed: WalletPayment = {
      ...payment,
      state: 'confirmed',
      confirmation,
      confirmationBytes,
    };
    await this.store.write(keyOf(payment.deviceCounter), encodePayment(confirmed));
    this.byId.set(bytesToHex(transactionId), confirmed);
    return confirmed;
  }
}
