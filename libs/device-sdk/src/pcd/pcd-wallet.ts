import {
  type DeviceCredential,
  type PaymentRequest,
  type ProtocolPublicKey,
  type TerminalCredential,
  calculateTransactionId,
  decodePaymentRequest,
  decodeTerminalCredential,
  prepareConsumerAuthorization,
  verifyDeviceCredential,
  verifyProcessorConfirmation,
  verifyTerminalCredential,
} from '@settle/protocol';
import {
  decodePaymentRequestSoundForm,
  encodeConsumerAuthorizationSoundForm,
  encodeDeviceCredentialSoundForm,
  expandPaymentRequestSoundForm,
  terminalReferenceOf,
  verifyTerminalCredentialSoundForm,
} from '@settle/protocol/sound-form';
import { type SignatureAlgorithm, bytesToHex, equalBytes, sha256Concat } from '@settle/crypto';
import { type DeviceResult, checkValidity, deviceAssert, deviceFailure } from '../errors';
import {
  type DeviceKeystore,
  KeystoreError,
  type KeystoreKey,
  type UserAuthenticationPrompt,
} from '../keystore/keystore';
import { type ProcessorTrust } from '../processor-trust';
import { CredentialCache } from '../sound/credential-cache';
import { type DurableStore } from '../storage/durable-store';
import { DeviceCounter } from './device-counter';
import { type CapCheck, checkCaps, readOfflineSpend, recordOfflineSpend } from './offline-spend';
import { type WalletPayment, WalletPayments } from './wallet-payments';

const paymentKeyAlias = 'payment';
const deviceCredentialKey = 'pcd.device-credential';
/** `pcd.credential-sent.<terminal reference>`: SHA-256 of the device credential last sent to that terminal. */
const credentialSentPrefix = 'pcd.credential-sent.';
const terminalCredentialCachePrefix = 'pcd.terminal-credential.';
const millisecondsPerSecond = 1000;

/**
 * Most terminal credentials a phone keeps (so that a terminal it has seen sends none over sound);
 * when full, the one that expires first makes room.
 *
 * @example
 * ```ts
 * terminalCredentialCacheEntriesMax; // 1_000
 * ```
 */
export const terminalCredentialCacheEntriesMax = 1_000;

function describeTerminalCredential(bytes: Uint8Array) {
  const decoded = decodeTerminalCredential(bytes);
  if (!decoded.ok) return undefined;
  const { credential } = decoded.value;
  return {
    credential,
    lookup: terminalReferenceOf(credential),
    subjectId: credential.terminalKey.keyId,
    validUntilMs: credential.validUntilMs,
  };
}

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
  /** The signed form. */
  readonly authorizationBytes: Uint8Array;
  readonly deviceCredentialBytes: Uint8Array;
  readonly deviceCounter: bigint;
  readonly transactionId: Uint8Array;
  /** What goes over sound (one frame, 74 bytes for ES256 typically); the terminal expands it. */
  readonly authorizationSoundForm: Uint8Array;
  /** The device credential's sound form (two frames), for a terminal that does not keep it. */
  readonly deviceCredentialSoundForm: Uint8Array;
  /**
   * Whether this phone already sent this device credential to this terminal (which keeps it): then
   * the authorization alone goes over sound; should the terminal answer `DEVICE_UNKNOWN`, send both.
   */
  readonly terminalHasDeviceCredential: boolean;
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
    private readonly terminalCredentials: CredentialCache<TerminalCredential>,
  ) {
    this.counter = new DeviceCounter(options.store);
  }

  /** Opens the wallet over its store and keystore (and loads the payments and terminal credentials it keeps). */
  static async open(options: PcdWalletOptions): Promise<PcdWallet> {
    const terminalCredentials = await CredentialCache.open(options.store, {
      keyPrefix: terminalCredentialCachePrefix,
      entriesMax: terminalCredentialCacheEntriesMax,
      describe: describeTerminalCredential,
    });
    return new PcdWallet(options, await WalletPayments.open(options.store), terminalCredentials);
  }

  /**
   * Creates the payment key (user authentication required for each use) for enrolment: the
   * registry attests and registers its public key, then issues the device credential.
   */
  async createPaymentKey(alg: SignatureAlgorithm = 'ES256'): Promise<ProtocolPublicKey> {
    const key = await this.options.keystore.generateKey(paymentKeyAlias, {
      alg,
      purpose: 'payment',
    });
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
  async storeDeviceCredential(
    credentialBytes: Uint8Array,
    nowMs: number,
  ): Promise<DeviceResult<DeviceCredential>> {
    const key = await this.options.keystore.getKey(paymentKeyAlias);
    if (key === undefined) return deviceFailure('NO_PAYMENT_KEY', 'create the payment key first');
    const verified = this.verifyDeviceCredentialBytes(credentialBytes, nowMs);
    if (!verified.ok) return verified;
    if (!equalBytes(verified.value.paymentKey.keyId, key.publicKey.keyId))
      return deviceFailure('CREDENTIAL_KEY_MISMATCH', 'the credential is for another payment key');
    await this.options.store.write(deviceCredentialKey, credentialBytes);
    // No terminal has this credential yet: the next payment anywhere sends it.
    for (const sentKey of await this.options.store.list(credentialSentPrefix))
      await this.options.store.delete(sentKey);
    return verified;
  }

  /** The stored device credential (bytes as issued, and decoded), if any still verifies. */
  async deviceCredential(): Promise<
    { readonly bytes: Uint8Array; readonly credential: DeviceCredential } | undefined
  > {
    const loaded = await this.loadDeviceCredential();
    return loaded.ok ? loaded.value : undefined;
  }

  /**
   * The stored device credential, verified again: the processor's keys may have rotated since it
   * was stored (a credential signed by a key no longer trusted is `CREDENTIAL_INVALID`: check in).
   */
  private async loadDeviceCredential(): Promise<
    DeviceResult<{ readonly bytes: Uint8Array; readonly credential: DeviceCredential }>
  > {
    const bytes = await this.options.store.read(deviceCredentialKey);
    if (bytes === undefined)
      return deviceFailure(
        'NO_DEVICE_CREDENTIAL',
        'this phone has no device credential: check in online first',
      );
    const verified = verifyDeviceCredential(bytes, this.processorOptions());
    if (!verified.ok)
      return deviceFailure(
        'CREDENTIAL_INVALID',
        `the stored device credential no longer verifies (${verified.code}): check in online`,
        verified,
      );
    return { ok: true, value: { bytes, credential: verified.value.credential } };
  }

  /**
   * Checks a payment request received over sound with the terminal credential that came with it:
   * the credential's processor signature and validity, that it names the request's terminal and
   * merchant, that the request has not expired, and (advisory) the offline caps. The result is what
   * the phone shows. A valid terminal credential is kept until it expires (see {@link presentSoundRequest}).
   */
  async presentRequest(input: {
    readonly requestBytes: Uint8Array;
    readonly terminalCredentialBytes: Uint8Array;
    readonly nowMs: number;
  }): Promise<DeviceResult<PaymentPresentation>> {
    const decoded = decodePaymentRequest(input.requestBytes);
    if (!decoded.ok)
      return deviceFailure(
        'REQUEST_INVALID',
        `the payment request does not decode: ${decoded.code}`,
        decoded,
      );
    const request = decoded.value;
    const terminal = verifyTerminalCredential(
      input.terminalCredentialBytes,
      this.processorOptions(),
    );
    if (!terminal.ok)
      return deviceFailure(
        'CREDENTIAL_INVALID',
        `the terminal credential does not verify: ${terminal.code}`,
        terminal,
      );
    const credential = terminal.value.credential;
    const invalid = checkValidity(
      credential.validFromMs,
      credential.validUntilMs,
      input.nowMs,
      'the terminal credential',
    );
    if (invalid !== null) return invalid;
    // Kept: this terminal's next request can come over sound without its credential.
    await this.terminalCredentials.remember(input.terminalCredentialBytes, input.nowMs);
    if (
      credential.terminalId !== request.terminalId ||
      credential.merchantId !== request.merchantId
    ) {
      return deviceFailure(
        'TERMINAL_MISMATCH',
        'the request names another terminal or merchant than its terminal credential',
      );
    }
    if (input.nowMs > request.expiresAtMs)
      return deviceFailure('REQUEST_EXPIRED', 'the payment request has expired');
    const capCheck = await this.capCheckOf(request, input.nowMs);
    if (!capCheck.ok) return capCheck;
    return {
      ok: true,
      value: {
        requestBytes: input.requestBytes,
        request,
        terminal: credential,
        merchantDisplayName: credential.merchantDisplayName,
        capCheck: capCheck.value,
      },
    };
  }

  /**
   * Keeps a terminal credential obtained ahead of time (e.g. fetched online for the shops nearby), so
   * that the terminal's first request reaches this phone without it: processor signature
   * (`CREDENTIAL_INVALID`) and validity at `nowMs` checked first.
   */
  async keepTerminalCredential(
    credentialBytes: Uint8Array,
    nowMs: number,
  ): Promise<DeviceResult<TerminalCredential>> {
    const verified = verifyTerminalCredential(credentialBytes, this.processorOptions());
    if (!verified.ok)
      return deviceFailure(
        'CREDENTIAL_INVALID',
        `the terminal credential does not verify: ${verified.code}`,
        verified,
      );
    const { credential } = verified.value;
    const invalid = checkValidity(
      credential.validFromMs,
      credential.validUntilMs,
      nowMs,
      'the terminal credential',
    );
    if (invalid !== null) return invalid;
    await this.terminalCredentials.remember(credentialBytes, nowMs);
    return { ok: true, value: credential };
  }

  /**
   * {@link presentRequest} for what came over sound: the request's sound form, and the terminal
   * credential's when the terminal sent it. A credential sent is verified (processor signature,
   * `CREDENTIAL_INVALID`) and kept until it expires; otherwise the request's terminal reference
   * names one this phone keeps (`TERMINAL_UNKNOWN` when none, `TERMINAL_AMBIGUOUS` when two
   * terminals share the reference: the terminal must send its credential — a request is not
   * signed, so nothing could tell them apart). The request is expanded into its signed form with
   * that credential's merchant and terminal ids, then checked as {@link presentRequest} checks it.
   */
  async presentSoundRequest(input: {
    readonly requestSoundForm: Uint8Array;
    readonly terminalCredentialSoundForm?: Uint8Array;
    readonly nowMs: number;
  }): Promise<DeviceResult<PaymentPresentation>> {
    const decoded = decodePaymentRequestSoundForm(input.requestSoundForm);
    if (!decoded.ok)
      return deviceFailure(
        'REQUEST_INVALID',
        `the payment request does not decode: ${decoded.code}`,
        decoded,
      );
    let terminal: { readonly bytes: Uint8Array; readonly credential: TerminalCredential };
    if (input.terminalCredentialSoundForm !== undefined) {
      const verified = verifyTerminalCredentialSoundForm(
        input.terminalCredentialSoundForm,
        this.processorOptions(),
      );
      if (!verified.ok)
        return deviceFailure(
          'CREDENTIAL_INVALID',
          `the terminal credential does not verify: ${verified.code}`,
          verified,
        );
      terminal = { bytes: verified.value.credentialBytes, credential: verified.value.credential };
      await this.terminalCredentials.remember(terminal.bytes, input.nowMs);
    } else {
      const kept = this.terminalCredentials.find(decoded.value.terminalReference, input.nowMs);
      if (kept.length === 0)
        return deviceFailure(
          'TERMINAL_UNKNOWN',
          'this phone keeps no credential of this terminal: the terminal must send it',
        );
      const terminals = new Set(
        kept.map((entry) => `${entry.credential.merchantId}/${entry.credential.terminalId}`),
      );
      if (terminals.size > 1)
        return deviceFailure(
          'TERMINAL_AMBIGUOUS',
          'two terminals this phone knows share the reference: the terminal must send its credential',
        );
      terminal = kept[0]!;
    }
    const expanded = expandPaymentRequestSoundForm(decoded.value, terminal.credential);
    if (!expanded.ok)
      return deviceFailure(
        'TERMINAL_MISMATCH',
        `the request names another terminal than its terminal credential: ${expanded.code}`,
        expanded,
      );
    return this.presentRequest({
      requestBytes: expanded.value.requestBytes,
      terminalCredentialBytes: terminal.bytes,
      nowMs: input.nowMs,
    });
  }

  /**
   * The user approved: checks expiry and caps again (time passed, another payment may have been
   * made), reserves the next counter durably, has the keystore sign (user authentication), records
   * the payment (so its confirmation can be accepted later) and the spend, and returns the
   * authorization with the device credential to send back. Both records are durable before the
   * authorization leaves the phone: a payment the terminal holds is always one the phone knows.
   * The time signed is `nowMs` rounded down to whole seconds after the request's creation, so that
   * the authorization's sound form carries it as a few seconds.
   */
  async approve(
    presentation: PaymentPresentation,
    input: { readonly nowMs: number; readonly prompt: UserAuthenticationPrompt },
  ): Promise<DeviceResult<ApprovedPayment>> {
    const { request, requestBytes } = presentation;
    if (input.nowMs > request.expiresAtMs)
      return deviceFailure('REQUEST_EXPIRED', 'the payment request expired before approval');
    const capCheck = await this.capCheckOf(request, input.nowMs);
    if (!capCheck.ok) return capCheck;
    if (!capCheck.value.withinPerTransaction || !capCheck.value.withinCumulative) {
      return deviceFailure(
        'OFFLINE_CAP_EXCEEDED',
        'the payment exceeds this device’s offline caps (the terminal would refuse it)',
      );
    }
    const key = await this.options.keystore.getKey(paymentKeyAlias);
    if (key === undefined) return deviceFailure('NO_PAYMENT_KEY', 'this phone has no payment key');
    const loaded = await this.loadDeviceCredential();
    if (!loaded.ok) return loaded;
    const stored = loaded.value;
    const deviceCounter = await this.counter.reserveNext();
    if (deviceCounter === undefined)
      return deviceFailure('COUNTER_EXHAUSTED', 'the device counter is used up');
    const authorizedAtMs =
      request.createdAtMs +
      Math.floor((input.nowMs - request.createdAtMs) / millisecondsPerSecond) *
        millisecondsPerSecond;
    deviceAssert(
      authorizedAtMs <= input.nowMs && input.nowMs - authorizedAtMs < millisecondsPerSecond,
      'the time signed is now, to the second',
    );
    const prepared = prepareConsumerAuthorization({
      requestBytes,
      deviceCounter,
      authorizedAtMs,
      alg: key.publicKey.alg,
      keyId: key.publicKey.keyId,
    });
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
      authorizedAtMs,
    });
    await recordOfflineSpend(
      this.options.store,
      stored.credential.checkedInAtMs,
      request.currency,
      request.amount,
    );
    const terminalHasDeviceCredential = await this.recordCredentialSent(
      presentation.terminal,
      stored.bytes,
    );
    return {
      ok: true,
      value: {
        authorizationBytes,
        deviceCredentialBytes: stored.bytes,
        deviceCounter,
        transactionId,
        authorizationSoundForm: encodeConsumerAuthorizationSoundForm(
          authorizationBytes,
          requestBytes,
        ),
        deviceCredentialSoundForm: encodeDeviceCredentialSoundForm(stored.bytes),
        terminalHasDeviceCredential,
      },
    };
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
    const verified = verifyProcessorConfirmation(confirmationBytes, {
      processorKeys: trust.receiptKeys,
      algorithms: trust.algorithms,
      backend: trust.backend,
    });
    if (!verified.ok)
      return deviceFailure(
        'CONFIRMATION_INVALID',
        `the confirmation does not verify: ${verified.code}`,
        verified,
      );
    const { confirmation } = verified.value;
    const payment = this.walletPayments.find(confirmation.transactionId);
    if (payment === undefined)
      return deviceFailure('TRANSACTION_UNKNOWN', 'this phone authorized no such payment');
    if (
      confirmation.terminalId !== payment.terminalId ||
      confirmation.amount !== payment.amount ||
      confirmation.currency !== payment.currency
    ) {
      return deviceFailure(
        'CONFIRMATION_MISMATCH',
        'the confirmation names another terminal, amount or currency than the payment authorized',
      );
    }
    return {
      ok: true,
      value: await this.walletPayments.confirm(
        confirmation.transactionId,
        confirmationBytes,
        confirmation,
      ),
    };
  }

  /** Whether this device credential was sent to this terminal before; records that it is now. */
  private async recordCredentialSent(
    terminal: TerminalCredential,
    credentialBytes: Uint8Array,
  ): Promise<boolean> {
    const sentKey = `${credentialSentPrefix}${bytesToHex(terminalReferenceOf(terminal))}`;
    const digest = sha256Concat([credentialBytes]);
    const previous = await this.options.store.read(sentKey);
    if (previous !== undefined && equalBytes(previous, digest)) return true;
    await this.options.store.write(sentKey, digest);
    return false;
  }

  private async capCheckOf(
    request: PaymentRequest,
    nowMs: number,
  ): Promise<DeviceResult<CapCheck>> {
    const loaded = await this.loadDeviceCredential();
    if (!loaded.ok) return loaded;
    const stored = loaded.value;
    const invalid = checkValidity(
      stored.credential.checkedInAtMs,
      stored.credential.validUntilMs,
      nowMs,
      'the device credential',
    );
    if (invalid !== null) return invalid;
    const spend = await readOfflineSpend(this.options.store, stored.credential.checkedInAtMs);
    const capCheck = checkCaps(stored.credential, spend, request.currency, request.amount);
    if (capCheck === undefined)
      return deviceFailure('CURRENCY_NOT_ALLOWED', `no offline cap in ${request.currency}`);
    return { ok: true, value: capCheck };
  }

  private verifyDeviceCredentialBytes(
    bytes: Uint8Array,
    nowMs: number,
  ): DeviceResult<DeviceCredential> {
    const verified = verifyDeviceCredential(bytes, this.processorOptions());
    if (!verified.ok)
      return deviceFailure(
        'CREDENTIAL_INVALID',
        `the device credential does not verify: ${verified.code}`,
        verified,
      );
    const { credential } = verified.value;
    return (
      checkValidity(
        credential.checkedInAtMs,
        credential.validUntilMs,
        nowMs,
        'the device credential',
      ) ?? { ok: true, value: credential }
    );
  }

  private processorOptions() {
    const { trust } = this.options;
    return {
      processorKeys: trust.credentialKeys,
      algorithms: trust.algorithms,
      backend: trust.backend,
    };
  }
}

async function signWithUser(
  key: KeystoreKey,
  data: Uint8Array,
  prompt: UserAuthenticationPrompt,
): Promise<DeviceResult<Uint8Array>> {
  try {
    return { ok: true, value: await key.sign(data, prompt) };
  } catch (error) {
    if (error instanceof KeystoreError && error.code === 'USER_AUTHENTICATION_FAILED')
      return deviceFailure('USER_AUTHENTICATION_FAILED', error.message, error);
    throw error;
  }
}
