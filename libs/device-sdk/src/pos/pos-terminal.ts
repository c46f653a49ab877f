import {
  type DeviceCredential,
  type OfflineTransaction,
  type PaymentRequest,
  type ProcessorConfirmation,
  type ProtocolSigner,
  type TerminalCredential,
  decodeDeviceCredential,
  decodeTerminalCredential,
  encodeOfflineTransaction,
  encodePaymentRequest,
  paymentNonceLengthBytes,
  paymentRequestValidityMsMax,
  prepareMerchantApproval,
  verifyConsumerAuthorization,
  verifyDeviceCredential,
  verifyProcessorConfirmation,
} from '@settle/protocol';
import {
  decodeConsumerAuthorizationSoundForm,
  encodePaymentRequestSoundForm,
  encodeTerminalCredentialSoundForm,
  expandConsumerAuthorizationSoundForm,
  soundKeyIdPrefixLengthBytes,
  verifyDeviceCredentialSoundForm,
} from '@settle/protocol/sound-form';
import { bytesToHex, equalBytes } from '@settle/crypto';
import { type DeviceResult, checkValidity, deviceAssert, deviceFailure } from '../errors';
import { type ProcessorTrust } from '../processor-trust';
import { CredentialCache } from '../sound/credential-cache';
import { type DurableStore } from '../storage/durable-store';
import { type QueuedTransaction, UploadQueue, uploadQueueEntriesMax } from './upload-queue';

/**
 * The terminal's signing key: its algorithm and key id, and an asynchronous signature over the
 * ToBeSigned bytes (a keystore, an HSM, or {@link ProtocolSigner} wrapped).
 *
 * @example
 * ```ts
 * const terminalKey: TerminalSigningKey = { alg: 'ES256', keyId, sign: async (data) => keystoreKey.sign(data) };
 * ```
 */
export interface TerminalSigningKey {
  readonly alg: ProtocolSigner['alg'];
  readonly keyId: Uint8Array;
  sign(toBeSigned: Uint8Array): Promise<Uint8Array>;
}

/**
 * Options of {@link PosTerminal.open}.
 *
 * @example
 * ```ts
 * const options: PosTerminalOptions = { store, terminalKey, terminalCredentialBytes, trust };
 * ```
 */
export interface PosTerminalOptions {
  readonly store: DurableStore;
  readonly terminalKey: TerminalSigningKey;
  /** This terminal's own credential, issued by the processor; sent with every request. */
  readonly terminalCredentialBytes: Uint8Array;
  readonly trust: ProcessorTrust;
}

/**
 * A request this terminal made and is waiting to be authorized.
 *
 * @example
 * ```ts
 * const { requestBytes, terminalCredentialBytes }: CreatedRequest = pos.createRequest(input);
 * ```
 */
export interface CreatedRequest {
  readonly request: PaymentRequest;
  /** The signed form: what the consumer signs and the processor receives. */
  readonly requestBytes: Uint8Array;
  /** The signed form of this terminal's credential. */
  readonly terminalCredentialBytes: Uint8Array;
  /** What goes over sound (one frame, 37 bytes typically); the phone expands it into `requestBytes`. */
  readonly requestSoundForm: Uint8Array;
  /**
   * Sent before the request (two frames) to a phone that does not know this terminal yet, so it can
   * show the verified merchant name; a phone keeps it until it expires.
   */
  readonly terminalCredentialSoundForm: Uint8Array;
}

/**
 * Most device credentials a POS keeps (so that a returning phone sends none over sound); when full,
 * the one that expires first makes room.
 *
 * @example
 * ```ts
 * deviceCredentialCacheEntriesMax; // 10_000
 * ```
 */
export const deviceCredentialCacheEntriesMax = 10_000;
const deviceCredentialCachePrefix = 'pos.device-credential.';

function describeDeviceCredential(bytes: Uint8Array) {
  const decoded = decodeDeviceCredential(bytes);
  if (!decoded.ok) return undefined;
  const { credential } = decoded.value;
  const keyId = credential.paymentKey.keyId;
  return {
    credential,
    lookup: keyId.slice(0, soundKeyIdPrefixLengthBytes),
    subjectId: keyId,
    validUntilMs: credential.validUntilMs,
  };
}

interface PendingRequest {
  readonly request: PaymentRequest;
  readonly requestBytes: Uint8Array;
}

/**
 * A payment the terminal accepted offline and stored for upload.
 *
 * @example
 * ```ts
 * const { transactionId, offlineTransactionBytes }: AcceptedPayment = accepted.value;
 * ```
 */
export interface AcceptedPayment {
  readonly transactionId: Uint8Array;
  readonly offlineTransactionBytes: Uint8Array;
  readonly transaction: OfflineTransaction;
  readonly deviceCredential: DeviceCredential;
}

/**
 * The merchant's terminal in the offline protocol (the POS role): builds requests, verifies a
 * consumer authorization offline against the phone's device credential (signature, validity,
 * caps, counter), countersigns, keeps the dual-signed transactions in a durable upload queue, and
 * verifies the processor's confirmations. Time, amounts and nonces are passed in.
 *
 * @example
 * ```ts
 * import { PosTerminal } from '@settle/device-sdk';
 * const pos = await PosTerminal.open({ store, terminalKey, terminalCredentialBytes, trust });
 * const created = pos.createRequest({ amount: 1250n, currency: 'EUR', nonce, nowMs, validityMs: 120_000 });
 * // … sound: credential + request out, authorization + device credential back …
 * const accepted = await pos.acceptAuthorization({ requestBytes: created.requestBytes, authorizationBytes, deviceCredentialBytes, nowMs });
 * ```
 */
export class PosTerminal {
  private readonly pendingRequests = new Map<string, PendingRequest>();
  private readonly terminalCredentialSoundForm: Uint8Array;

  private constructor(
    private readonly options: PosTerminalOptions,
    private readonly credential: TerminalCredential,
    private readonly queue: UploadQueue,
    private readonly deviceCredentials: CredentialCache<DeviceCredential>,
  ) {
    this.terminalCredentialSoundForm = encodeTerminalCredentialSoundForm(
      options.terminalCredentialBytes,
    );
  }

  /**
   * Opens the terminal: decodes its own credential (it must name its own key), loads the queue and
   * the device credentials it keeps.
   */
  static async open(options: PosTerminalOptions): Promise<PosTerminal> {
    const decoded = decodeTerminalCredential(options.terminalCredentialBytes);
    deviceAssert(decoded.ok, 'the terminal credential decodes');
    deviceAssert(
      equalBytes(decoded.value.credential.terminalKey.keyId, options.terminalKey.keyId),
      'the terminal credential names this terminal’s key',
    );
    const deviceCredentials = await CredentialCache.open(options.store, {
      keyPrefix: deviceCredentialCachePrefix,
      entriesMax: deviceCredentialCacheEntriesMax,
      describe: describeDeviceCredential,
    });
    return new PosTerminal(
      options,
      decoded.value.credential,
      await UploadQueue.open(options.store),
      deviceCredentials,
    );
  }

  /**
   * A new payment request of this terminal's merchant, valid for `validityMs` (at most 15 minutes).
   * Kept pending in memory until an authorization for it arrives (a restart forgets it: the customer
   * pays again). The validity is whole seconds: the sound form carries it in seconds.
   */
  createRequest(input: {
    readonly amount: bigint;
    readonly currency: string;
    readonly nonce: Uint8Array;
    readonly nowMs: number;
    readonly validityMs: number;
  }): CreatedRequest {
    deviceAssert(input.nonce.length === paymentNonceLengthBytes, 'a 16-byte random nonce');
    deviceAssert(
      input.validityMs > 0 && input.validityMs <= paymentRequestValidityMsMax,
      'validity within 15 minutes',
    );
    deviceAssert(input.validityMs % 1000 === 0, 'validity in whole seconds');
    const request: PaymentRequest = {
      merchantId: this.credential.merchantId,
      terminalId: this.credential.terminalId,
      amount: input.amount,
      currency: input.currency,
      nonce: input.nonce.slice(),
      createdAtMs: input.nowMs,
      expiresAtMs: input.nowMs + input.validityMs,
    };
    const requestBytes = encodePaymentRequest(request);
    this.pendingRequests.set(bytesToHex(requestBytes), { request, requestBytes });
    return {
      request,
      requestBytes,
      terminalCredentialBytes: this.options.terminalCredentialBytes,
      requestSoundForm: encodePaymentRequestSoundForm(requestBytes),
      terminalCredentialSoundForm: this.terminalCredentialSoundForm,
    };
  }

  /**
   * {@link acceptAuthorization} for what came over sound: the authorization's sound form, and the
   * device credential's when the phone sent it (a phone that paid here before sends none: this
   * terminal keeps the device credentials of accepted payments). The device credential sent is
   * verified (`CREDENTIAL_INVALID`); the device is found by the authorization's key id prefix among
   * the credentials kept (`DEVICE_UNKNOWN`: ask the phone to send its credential); the
   * authorization is expanded for each pending request and candidate key and verified, and the first
   * that verifies goes through every check of {@link acceptAuthorization} (the signature covers the
   * full key id and the request, so a prefix two devices share costs a verification, never a wrong
   * payment; `AUTHORIZATION_INVALID` when none verifies).
   */
  async acceptSoundAuthorization(input: {
    readonly authorizationSoundForm: Uint8Array;
    readonly deviceCredentialSoundForm?: Uint8Array;
    readonly nowMs: number;
  }): Promise<DeviceResult<AcceptedPayment>> {
    const { trust } = this.options;
    const processorOptions = {
      processorKeys: trust.credentialKeys,
      algorithms: trust.algorithms,
      backend: trust.backend,
    };
    let sentCredential:
      { readonly bytes: Uint8Array; readonly credential: DeviceCredential } | undefined;
    if (input.deviceCredentialSoundForm !== undefined) {
      const verified = verifyDeviceCredentialSoundForm(
        input.deviceCredentialSoundForm,
        processorOptions,
      );
      if (!verified.ok)
        return deviceFailure(
          'CREDENTIAL_INVALID',
          `the device credential does not verify: ${verified.code}`,
          verified,
        );
      sentCredential = {
        bytes: verified.value.credentialBytes,
        credential: verified.value.credential,
      };
    }
    const decoded = decodeConsumerAuthorizationSoundForm(input.authorizationSoundForm);
    if (!decoded.ok)
      return deviceFailure(
        'AUTHORIZATION_INVALID',
        `the consumer authorization does not decode: ${decoded.code}`,
        decoded,
      );
    const candidates =
      sentCredential !== undefined
        ? [sentCredential]
        : this.deviceCredentials.find(decoded.value.keyIdPrefix, input.nowMs);
    if (candidates.length === 0)
      return deviceFailure(
        'DEVICE_UNKNOWN',
        'this terminal keeps no device credential with this key id prefix: the phone must send its credential',
      );
    if (this.pendingRequests.size === 0)
      return deviceFailure('REQUEST_NOT_PENDING', 'this terminal has no pending request');
    for (const candidate of candidates) {
      for (const pending of [...this.pendingRequests.values()].reverse()) {
        const expanded = expandConsumerAuthorizationSoundForm(decoded.value, {
          requestBytes: pending.requestBytes,
          paymentKey: candidate.credential.paymentKey,
        });
        if (!expanded.ok) continue;
        const verified = verifyConsumerAuthorization(expanded.value, {
          requestBytes: pending.requestBytes,
          deviceKey: candidate.credential.paymentKey,
          algorithms: [candidate.credential.paymentKey.alg],
          backend: trust.backend,
        });
        if (verified.ok)
          return this.acceptAuthorization({
            requestBytes: pending.requestBytes,
            authorizationBytes: expanded.value,
            deviceCredentialBytes: candidate.bytes,
            nowMs: input.nowMs,
          });
      }
    }
    return deviceFailure(
      'AUTHORIZATION_INVALID',
      'the consumer authorization verifies over no pending request with the device credentials this terminal has',
    );
  }

  /**
   * Verifies a consumer authorization offline and, if every check passes, countersigns it and stores
   * the dual-signed transaction durably before answering. Checks, in this order (each with its code):
   * the request is one this terminal made and is pending (`REQUEST_NOT_PENDING`) and not expired
   * (`REQUEST_EXPIRED`); the device credential's processor signature (`CREDENTIAL_INVALID`) and
   * validity now (`CREDENTIAL_NOT_YET_VALID`, `CREDENTIAL_EXPIRED`); the authorization's signature
   * over the request with the credential's payment key (`AUTHORIZATION_INVALID`); a cap in the
   * currency (`CURRENCY_NOT_ALLOWED`), the per-transaction cap and the cumulative cap over what
   * this terminal holds from the device since its check-in (`OFFLINE_CAP_EXCEEDED`); the counter
   * unused at this terminal (`COUNTER_REUSED`); room in the queue (`UPLOAD_QUEUE_FULL`).
   */
  async acceptAuthorization(input: {
    readonly requestBytes: Uint8Array;
    readonly authorizationBytes: Uint8Array;
    readonly deviceCredentialBytes: Uint8Array;
    readonly nowMs: number;
  }): Promise<DeviceResult<AcceptedPayment>> {
    const requestKey = bytesToHex(input.requestBytes);
    const request = this.pendingRequests.get(requestKey)?.request;
    if (request === undefined)
      return deviceFailure(
        'REQUEST_NOT_PENDING',
        'this terminal has no pending request with these bytes',
      );
    if (input.nowMs > request.expiresAtMs)
      return deviceFailure('REQUEST_EXPIRED', 'the payment request expired');
    const { trust } = this.options;
    const verifiedCredential = verifyDeviceCredential(input.deviceCredentialBytes, {
      processorKeys: trust.credentialKeys,
      algorithms: trust.algorithms,
      backend: trust.backend,
    });
    if (!verifiedCredential.ok)
      return deviceFailure(
        'CREDENTIAL_INVALID',
        `the device credential does not verify: ${verifiedCredential.code}`,
        verifiedCredential,
      );
    const deviceCredential = verifiedCredential.value.credential;
    const invalid = checkValidity(
      deviceCredential.checkedInAtMs,
      deviceCredential.validUntilMs,
      input.nowMs,
      'the device credential',
    );
    if (invalid !== null) return invalid;
    const authorization = verifyConsumerAuthorization(input.authorizationBytes, {
      requestBytes: input.requestBytes,
      deviceKey: deviceCredential.paymentKey,
      // The processor issued the credential for this key and algorithm (Ed25519 only to software
      // wallets, by its policy): the terminal accepts what the credential says, nothing else.
      algorithms: [deviceCredential.paymentKey.alg],
      backend: trust.backend,
    });
    if (!authorization.ok)
      return deviceFailure(
        'AUTHORIZATION_INVALID',
        `the consumer authorization does not verify: ${authorization.code}`,
        authorization,
      );
    const refusal = this.checkCapsAndCounter(
      request,
      deviceCredential,
      authorization.value.deviceCounter,
    );
    if (refusal !== null) return refusal;

    const prepared = prepareMerchantApproval({
      authorizationBytes: input.authorizationBytes,
      approvedAtMs: input.nowMs,
      alg: this.options.terminalKey.alg,
      keyId: this.options.terminalKey.keyId,
    });
    const approvalBytes = prepared.complete(
      await this.options.terminalKey.sign(prepared.toBeSigned),
    );
    const offlineTransactionBytes = encodeOfflineTransaction({
      requestBytes: input.requestBytes,
      authorizationBytes: input.authorizationBytes,
      approvalBytes,
    });
    const entry = await this.queue.enqueue(offlineTransactionBytes);
    this.pendingRequests.delete(requestKey);
    // Kept so that this phone's next payment here carries no credential over sound.
    await this.deviceCredentials.remember(input.deviceCredentialBytes, input.nowMs);
    deviceAssert(
      equalBytes(entry.transactionId, authorization.value.transactionId),
      'the stored transaction has the authorization’s id',
    );
    return {
      ok: true,
      value: {
        transactionId: entry.transactionId,
        offlineTransactionBytes,
        transaction: entry.transaction,
        deviceCredential,
      },
    };
  }

  private checkCapsAndCounter(
    request: PaymentRequest,
    credential: DeviceCredential,
    deviceCounter: bigint,
  ): DeviceResult<never> | null {
    const cap = credential.offlineCaps.find((candidate) => candidate.currency === request.currency);
    if (cap === undefined)
      return deviceFailure(
        'CURRENCY_NOT_ALLOWED',
        `the device has no offline cap in ${request.currency}`,
      );
    if (request.amount > cap.perTransactionMax)
      return deviceFailure(
        'OFFLINE_CAP_EXCEEDED',
        'the amount exceeds the device’s per-transaction cap',
      );
    const fromDevice = this.queue
      .entries()
      .filter((entry) =>
        equalBytes(entry.transaction.authorization.keyId, credential.paymentKey.keyId),
      );
    if (
      fromDevice.some((entry) => entry.transaction.authorization.deviceCounter === deviceCounter)
    ) {
      return deviceFailure(
        'COUNTER_REUSED',
        'this terminal already holds a payment with this device counter',
      );
    }
    const spentHere = fromDevice
      .filter(
        (entry) =>
          entry.transaction.request.currency === request.currency &&
          entry.transaction.approval.approvedAtMs >= credential.checkedInAtMs,
      )
      .reduce((total, entry) => total + entry.transaction.request.amount, 0n);
    if (spentHere + request.amount > cap.cumulativeMax)
      return deviceFailure(
        'OFFLINE_CAP_EXCEEDED',
        'the device’s offline spend since its check-in would exceed its cap',
      );
    if (this.queue.pendingCount() >= uploadQueueEntriesMax)
      return deviceFailure('UPLOAD_QUEUE_FULL', 'upload the queued transactions first');
    return null;
  }

  /** Transactions waiting for upload, oldest first (their `bytes` are the upload bodies). */
  pendingUploads(): QueuedTransaction[] {
    return this.queue.pending();
  }

  /**
   * Verifies a processor confirmation offline (receipt keys) and records it against the transaction
   * it names, taking that transaction off the upload list. Idempotent.
   */
  async acceptConfirmation(
    confirmationBytes: Uint8Array,
  ): Promise<DeviceResult<ProcessorConfirmation>> {
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
    const entry = this.queue.find(confirmation.transactionId);
    if (entry === undefined)
      return deviceFailure('TRANSACTION_UNKNOWN', 'this terminal holds no such transaction');
    const { request } = entry.transaction;
    if (
      confirmation.terminalId !== request.terminalId ||
      confirmation.amount !== request.amount ||
      confirmation.currency !== request.currency
    ) {
      return deviceFailure(
        'CONFIRMATION_MISMATCH',
        'the confirmation names another terminal, amount or currency',
      );
    }
    await this.queue.confirm(confirmation.transactionId, confirmationBytes);
    return { ok: true, value: confirmation };
  }
}
