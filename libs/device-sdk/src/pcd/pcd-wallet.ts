import {
  type DeviceCredential,
  type PaymentRequest,
  type ProtocolPublicKey,
  type TerminalCredential,
  calculateTransactionId,
  decodePaymentRequest,
  prepareConsumerAuthorization,
  verifyDeviceCredential,
  verifyProcessorConfirmation,
  verifyTerminalCredential,
} from '@settle/contracts';
import { type SignatureAlgorithm, equalBytes } from '@settle/crypto';
import { type DeviceResult, checkValidity, deviceAssert, deviceFailure } from '../errors';
import { type DeviceKeystore, KeystoreError, type KeystoreKey, type UserAuthenticationPrompt } from '../keystore/keystore';
import { type ProcessorTrust } from '../processor-trust';
import { type DurableStore } from '../storage/durable-store';
import { DeviceCounter } from './device-counter';
import { type CapCheck, checkCaps, readOfflineSpend, recordOfflineSpend } from './offline-spend';
import { type WalletPayment, WalletPayments } from './wallet-payments';

const paymentKeyAlias = 'payment';
const deviceCredentialKey = 'pcd.device-credential';

/**
 * Options of {@link PcdWallet.open}.
 *
 * @example
 * ```ts
 * const options: PcdWalletOptions = { store, keystore, trust };
 * ```
 */
export interface PcdWalletOptions {
  readonly store: DurableStore;
  readonly keystore: DeviceKeystore;
  readonly trust: ProcessorTrust;
}

/**
 * A payment request checked and ready to show: the merchant's name comes from the processor-signed
 * terminal credential, never from the request.
 *
 * @example
 * ```ts
 * const { merchantDisplayName, request, capCheck }: PaymentPresentation = presented.value;
 * showPaymentSheet(merchantDisplayName, request.amount, request.currency);
 * ```
 */
export interface PaymentPresentation {
  readonly requestBytes: Uint8Array;
  readonly request: PaymentRequest;
  readonly terminal: TerminalCredential;
  /** Verified: from the terminal credential, which names the request's terminal and merchant. */
  readonly merchantDisplayName: string;
  /** Advisory: where the payment stands against this device's offline caps. */
  readonly capCheck: CapCheck;
}

/**
 * What the phone sends back over sound after the user approved: the authorization (one frame) and
 * its device credential (several frames), and the transaction id both sides will see.
 *
 * @example
 * ```ts
 * const { authorizationBytes, deviceCredentialBytes }: ApprovedPayment = approved.value;
 * ```
 */
export interface ApprovedPayment {
  readonly authorizationBytes: Uint8Array;
  readonly deviceCredentialBytes: Uint8Array;
  readonly deviceCounter: bigint;
  readonly transactionId: Uint8Array;
}

/**
 * The consumer's phone in the offline protocol (the PCD role): its payment key (in the keystore), its
 * device credential, its durable counter, its advisory offline caps, and a durable record of the
 * payments it authorized with their processor confirmations. Stateless between calls apart from the
 * store; time is passed in.
 *
 * @example
 * ```ts
 * import { PcdWallet } from '@settle/device-sdk';
 * const wallet = await PcdWallet.open({ store, keystore, trust });
 * const presented = await wallet.presentRequest({ requestBytes, terminalCredentialBytes, nowMs });
 * if (presented.ok) {
 *   const approved = await wallet.approve(presented.value, { nowMs, prompt: { title: 'Pay 12.50 EUR', subtitle: 'Café Olé' } });
 * }
 * // Later, online: the processor's confirmations (GET /v1/confirmations), verified offline.
 * const confirmed = await wallet.acceptConfirmation(confirmationBytes);
 * ```
 */
export class PcdWallet {
  private readonly counter: DeviceCounter;

  private constructor(
    private readonly options: PcdWalletOptions,
    private readonly walletPayments: WalletPayments,
  ) {
    this.counter = new DeviceCounter(options.store);
  }

  /** Opens the wallet over its store and keystore (and loads the payments it keeps). */
  static async open(options: PcdWalletOptions): Promise<PcdWallet> {
    return new PcdWallet(options, await WalletPayments.open(options.store));
  }

  /**
   * Creates the payment key (user authentication required for each use) for enrolment: the
   * registry attests and registers its public key, then issues the device credential.
   */
  async createPaymentKey(alg: SignatureAlgorithm = 'ES256'): Promise<ProtocolPublicKey> {
    const key = await this.options.keystore.generateKey(paymentKeyAlias, { alg, purpose: 'payment' });
    deviceAssert(key.purpose === 'payment', 'the keystore made a payment key');
    return key.publicKey;
  }

  /** The payment key's public half, if created. */
  async paymentKey(): Promise<ProtocolPublicKey | undefined> {
    return (await this.options.keystore.getKey(paymentKeyAlias))?.publicKey;
  }

  /**
   * Stores a device credential received at a check-in, after checking the processor's signature,
   * that it names this device's payment key, and that it is valid at `nowMs`. A credential from a
   * later check-in restarts the advisory offline spend count.
   */
  async storeDeviceCredential(credentialBytes: Uint8Array, nowMs: number): Promise<DeviceResult<DeviceCredential>> {
    const key = await this.options.keystore.getKey(paymentKeyAlias);
    if (key === undefined) return deviceFailure('NO_PAYMENT_KEY', 'create the payment key first');
    const verified = this.verifyDeviceCredentialBytes(credentialBytes, nowMs);
    if (!verified.ok) return verified;
    if (!equalBytes(verified.value.paymentKey.keyId, key.publicKey.keyId)) return deviceFailure('CREDENTIAL_KEY_MISMATCH', 'the credential is for another payment key');
    await this.options.store.write(deviceCredentialKey, credentialBytes);
    return verified;
  }

  /** The stored device credential (bytes as issued, and decoded), if any still verifies. */
  async deviceCredential(): Promise<{ readonly bytes: Uint8Array; readonly credential: DeviceCredential } | undefined> {
    const loaded = await this.loadDeviceCredential();
    return loaded.ok ? loaded.value : undefined;
  }

  /**
   * The stored device credential, verified again: the processor's keys may have rotated since it
   * was stored (a credential signed by a key no longer trusted is `CREDENTIAL_INVALID`: check in).
   */
  private async loadDeviceCredential(): Promise<DeviceResult<{ readonly bytes: Uint8Array; readonly credential: DeviceCredential }>> {
    const bytes = await this.options.store.read(deviceCredentialKey);
    if (bytes === undefined) return deviceFailure('NO_DEVICE_CREDENTIAL', 'this phone has no device credential: check in online first');
    const verified = verifyDeviceCredential(bytes, this.processorOptions());
    if (!verified.ok) return deviceFailure('CREDENTIAL_INVALID', `the stored device credential no longer verifies (${verified.code}): check in online`, verified);
    return { ok: true, value: { bytes, credential: verified.value.credential } };
  }

  /**
   * Checks a payment request received over sound with the terminal credential that came with it:
   * the credential's processor signature and validity, that it names the request's terminal and
   * merchant, that the request has not expired, and (advisory) the offline caps. The result is what
   * the phone shows.
   */
  async presentRequest(input: {
    readonly requestBytes: Uint8Array;
    readonly terminalCredentialBytes: Uint8Array;
    readonly nowMs: number;
  }): Promise<DeviceResult<PaymentPresentation>> {
    const decoded = decodePaymentRequest(input.requestBytes);
    if (!decoded.ok) return deviceFailure('REQUEST_INVALID', `the payment request does not decode: ${decoded.code}`, decoded);
    const request = decoded.value;
    const terminal = verifyTerminalCredential(input.terminalCredentialBytes, this.processorOptions());
    if (!terminal.ok) return deviceFailure('CREDENTIAL_INVALID', `the terminal credential does not verify: ${terminal.code}`, terminal);
    const credential = terminal.value.credential;
    const invalid = checkValidity(credential.validFromMs, credential.validUntilMs, input.nowMs, 'the terminal credential');
    if (invalid !== null) return invalid;
    if (credential.terminalId !== request.terminalId || credential.merchantId !== request.merchantId) {
      return deviceFailure('TERMINAL_MISMATCH', 'the request names another terminal or merchant than its terminal credential');
    }
    if (input.nowMs > request.expiresAtMs) return deviceFailure('REQUEST_EXPIRED', 'the payment request has expired');
    const capCheck = await this.capCheckOf(request, input.nowMs);
    if (!capCheck.ok) return capCheck;
    return { ok: true, value: { requestBytes: input.requestBytes, request, terminal: credential, merchantDisplayName: credential.merchantDisplayName, capCheck: capCheck.value } };
  }

  /**
   * The user approved: checks expiry and caps again (time passed, another payment may have been
   * made), reserves the next counter durably, has the keystore sign (user authentication), records
   * the payment (so its confirmation can be accepted later) and the spend, and returns the
   * authorization with the device credential to send back. Both records are durable before the
   * authorization leaves the phone: a payment the terminal holds is always one the phone knows.
   */
  async approve(presentation: PaymentPresentation, input: { readonly nowMs: number; readonly prompt: UserAuthenticationPrompt }): Promise<DeviceResult<ApprovedPayment>> {
    const { request, requestBytes } = presentation;
    if (input.nowMs > request.expiresAtMs) return deviceFailure('REQUEST_EXPIRED', 'the payment request expired before approval');
    const capCheck = await this.capCheckOf(request, input.nowMs);
    if (!capCheck.ok) return capCheck;
    if (!capCheck.value.withinPerTransaction || !capCheck.value.withinCumulative) {
      return deviceFailure('OFFLINE_CAP_EXCEEDED', 'the payment exceeds this device’s offline caps (the terminal would refuse it)');
    }
    const key = await this.options.keystore.getKey(paymentKeyAlias);
    if (key === undefined) return deviceFailure('NO_PAYMENT_KEY', 'this phone has no payment key');
    const loaded = await this.loadDeviceCredential();
    if (!loaded.ok) return loaded;
    const stored = loaded.value;
    const deviceCounter = await this.counter.reserveNext();
    if (deviceCounter === undefined) return deviceFailure('COUNTER_EXHAUSTED', 'the device counter is used up');
    const prepared = prepareConsumerAuthorization({ requestBytes, deviceCounter, authorizedAtMs: input.nowMs, alg: key.publicKey.alg, keyId: key.publicKey.keyId });
    const signature = await signWithUser(key, prepared.toBeSigned, input.prompt);
    if (!signature.ok) return signature;
    const authorizationBytes = prepared.complete(signature.value);
    const transactionId = calculateTransactionId(requestBytes, prepared.protectedHeaderBytes);
    await this.walletPayments.record({
      transactionId,
      deviceCounter,
      terminalId: request.terminalId,
      merchantId: request.merchantId,
      merchantDisplayName: presentation.merchantDisplayName,
      amount: request.amount,
      currency: request.currency,
      authorizedAtMs: input.nowMs,
    });
    await recordOfflineSpend(this.options.store, stored.credential.checkedInAtMs, request.currency, request.amount);
    return { ok: true, value: { authorizationBytes, deviceCredentialBytes: stored.bytes, deviceCounter, transactionId } };
  }

  /**
   * The payments this phone authorized, in the order it made them (counter order), each with its
   * processor confirmation once accepted (`state: 'confirmed'`).
   */
  payments(): WalletPayment[] {
    return this.walletPayments.list();
  }

  /**
   * Takes a processor confirmation (from `GET /v1/confirmations` or `GET /v1/transactions/{id}`):
   * verifies it offline with the trust's receipt keys (`CONFIRMATION_INVALID`), checks it is for a
   * payment this phone authorized (`TRANSACTION_UNKNOWN`) and names its terminal, amount and
   * currency (`CONFIRMATION_MISMATCH`), and records it durably. Idempotent: a payment already
   * confirmed keeps its first confirmation and answers it again.
   */
  async acceptConfirmation(confirmationBytes: Uint8Array): Promise<DeviceResult<WalletPayment>> {
    const { trust } = this.options;
    const verified = verifyProcessorConfirmation(confirmationBytes, { processorKeys: trust.receiptKeys, algorithms: trust.algorithms, backend: trust.backend });
    if (!verified.ok) return deviceFailure('CONFIRMATION_INVALID', `the confirmation does not verify: ${verified.code}`, verified);
    const { confirmation } = verified.value;
    const payment = this.walletPayments.find(confirmation.transactionId);
    if (payment === undefined) return deviceFailure('TRANSACTION_UNKNOWN', 'this phone authorized no such payment');
    if (confirmation.terminalId !== payment.terminalId || confirmation.amount !== payment.amount || confirmation.currency !== payment.currency) {
      return deviceFailure('CONFIRMATION_MISMATCH', 'the confirmation names another terminal, amount or currency than the payment authorized');
    }
    return { ok: true, value: await this.walletPayments.confirm(confirmation.transactionId, confirmationBytes, confirmation) };
  }

  private async capCheckOf(request: PaymentRequest, nowMs: number): Promise<DeviceResult<CapCheck>> {
    const loaded = await this.loadDeviceCredential();
    if (!loaded.ok) return loaded;
    const stored = loaded.value;
    const invalid = checkValidity(stored.credential.checkedInAtMs, stored.credential.validUntilMs, nowMs, 'the device credential');
    if (invalid !== null) return invalid;
    const spend = await readOfflineSpend(this.options.store, stored.credential.checkedInAtMs);
    const capCheck = checkCaps(stored.credential, spend, request.currency, request.amount);
    if (capCheck === undefined) return deviceFailure('CURRENCY_NOT_ALLOWED', `no offline cap in ${request.currency}`);
    return { ok: true, value: capCheck };
  }

  private verifyDeviceCredentialBytes(bytes: Uint8Array, nowMs: number): DeviceResult<DeviceCredential> {
    const verified = verifyDeviceCredential(bytes, this.processorOptions());
    if (!verified.ok) return deviceFailure('CREDENTIAL_INVALID', `the device credential does not verify: ${verified.code}`, verified);
    const { credential } = verified.value;
    return checkValidity(credential.checkedInAtMs, credential.validUntilMs, nowMs, 'the device credential') ?? { ok: true, value: credential };
  }

  private processorOptions() {
    const { trust } = this.options;
    return { processorKeys: trust.credentialKeys, algorithms: trust.algorithms, backend: trust.backend };
  }
}

async function signWithUser(key: KeystoreKey, data: Uint8Array, prompt: UserAuthenticationPrompt): Promise<DeviceResult<Uint8Array>> {
  try {
    return { ok: true, value: await key.sign(data, prompt) };
  } catch (error) {
    if (error instanceof KeystoreError && error.code === 'USER_AUTHENTICATION_FAILED') return deviceFailure('USER_AUTHENTICATION_FAILED', error.message, error);
    throw error;
  }
}
