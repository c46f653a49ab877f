// What a tampered app or terminal does where the SDKs refuse (a phone ignoring its cap or reusing a
// counter, a terminal naming another merchant, tampering after signing): transactions built with the
// protocol's encoders and signed with the real keys the keystores hold — as an attacker would.
import { randomBytes } from 'node:crypto';
import {
  decodeOfflineTransaction,
  encodeOfflineTransaction,
  encodePaymentRequest,
  formatTransactionId,
  decodePaymentRequest,
  type OfflineTransaction,
  prepareConsumerAuthorization,
  prepareMerchantApproval,
} from '@settle/protocol';
import {
  encodeConsumerAuthorizationSoundForm,
  encodeDeviceCredentialSoundForm,
} from '@settle/protocol/sound-form';
import { type AcceptedPayment, DeviceCounter } from '@settle/device-sdk';
import { type SoundModem, soundMessageFramesMax } from '@settle/sound-link';
import { type Phone, type Terminal } from './parties';
import {
  answerOverSound,
  approvalPrompt,
  newRequest,
  overTheAir,
  requestOverSound,
  requestValidityMs,
} from './sound';

/**
 * A consumer authorization made by a tampered app with the phone's real payment key (the wallet's
 * keystore alias `payment`), skipping the wallet's checks; with the next counter of the phone's own
 * durable counter unless `counter` is given.
 */
export async function rogueAuthorization(
  phone: Phone,
  requestBytes: Uint8Array,
  counter?: bigint,
): Promise<Uint8Array> {
  const key = await phone.keystore.getKey('payment');
  if (!key) throw new Error(`phone ${phone.deviceId} has no payment key`);
  const deviceCounter = counter ?? (await new DeviceCounter(phone.store).reserveNext());
  if (deviceCounter === undefined || deviceCounter === null)
    throw new Error(`phone ${phone.deviceId} has no counter left`);
  // Whole seconds after the request's creation, as the wallet signs (the sound form carries seconds).
  const request = decodePaymentRequest(requestBytes);
  if (!request.ok) throw new Error(`the request does not decode: ${request.code}`);
  const { createdAtMs } = request.value;
  const authorizedAtMs = createdAtMs + Math.floor((Date.now() - createdAtMs) / 1000) * 1000;
  const prepared = prepareConsumerAuthorization({
    requestBytes,
    deviceCounter,
    authorizedAtMs,
    alg: key.publicKey.alg,
    keyId: key.publicKey.keyId,
  });
  return prepared.complete(await key.sign(prepared.toBeSigned, approvalPrompt));
}

/** A payment at `terminal` over sound whose authorization a tampered app made (see {@link rogueAuthorization}). */
export async function roguePaymentOverSound(
  modem: SoundModem,
  terminal: Terminal,
  phone: Phone,
  amount: bigint,
  counter?: bigint,
): Promise<AcceptedPayment> {
  const created = newRequest(terminal, amount);
  requestOverSound(modem, created, true);
  // The tampered app signs the request as the wallet would have expanded it (its signed form).
  const authorizationBytes = await rogueAuthorization(phone, created.requestBytes, counter);
  const credential = await phone.wallet.deviceCredential();
  if (!credential) throw new Error(`phone ${phone.deviceId} has no device credential`);
  return answerOverSound(modem, terminal, {
    authorizationSoundForm: encodeConsumerAuthorizationSoundForm(
      authorizationBytes,
      created.requestBytes,
    ),
    deviceCredentialSoundForm: encodeDeviceCredentialSoundForm(credential.bytes),
    terminalHasDeviceCredential: false,
  });
}

/**
 * The terminal's request naming another merchant, sent over sound: the wallet refuses to show it
 * (throws if it does not); a tampered app signs it anyway and the terminal (tampered too: its SDK only
 * makes requests for its own merchant) countersigns.
 */
export async function wrongMerchantTransaction(
  modem: SoundModem,
  terminal: Terminal,
  phone: Phone,
  otherMerchantId: string,
  amount: bigint,
): Promise<Uint8Array> {
  const nowMs = Date.now();
  const requestBytes = encodePaymentRequest({
    merchantId: otherMerchantId,
    terminalId: terminal.terminalId,
    amount,
    currency: 'EUR',
    nonce: new Uint8Array(randomBytes(16)),
    createdAtMs: nowMs,
    expiresAtMs: nowMs + requestValidityMs,
  });
  const [terminalCredentialBytes, requestHeard] = overTheAir(modem, [
    { bytes: terminal.credentialBytes, framesMax: soundMessageFramesMax },
    { bytes: requestBytes, framesMax: 1 },
  ]) as [Uint8Array, Uint8Array];
  const presented = await phone.wallet.presentRequest({
    requestBytes: requestHeard,
    terminalCredentialBytes,
    nowMs: Date.now(),
  });
  if (presented.ok || presented.code !== 'TERMINAL_MISMATCH')
    throw new Error(
      `the wallet should refuse a request naming another merchant (TERMINAL_MISMATCH), got ${JSON.stringify(presented.ok ? 'ok' : presented.code)}`,
    );
  const authorizationBytes = await rogueAuthorization(phone, requestHeard);
  const [authorizationHeard] = overTheAir(modem, [{ bytes: authorizationBytes, framesMax: 1 }]) as [
    Uint8Array,
  ];
  return encodeOfflineTransaction({
    requestBytes,
    authorizationBytes: authorizationHeard,
    approvalBytes: await approvalBy(terminal, authorizationHeard, Date.now()),
  });
}

/** A merchant approval of `authorizationBytes` signed with the terminal's real approval key. */
export async function approvalBy(
  terminal: Terminal,
  authorizationBytes: Uint8Array,
  approvedAtMs: number,
): Promise<Uint8Array> {
  const key = await terminal.keystore.getKey('approval');
  if (!key) throw new Error(`terminal ${terminal.terminalId} has no approval key`);
  const prepared = prepareMerchantApproval({
    authorizationBytes,
    approvedAtMs,
    alg: key.publicKey.alg,
    keyId: key.publicKey.keyId,
  });
  return prepared.complete(await key.sign(prepared.toBeSigned));
}

/** The transaction approved again by the same terminal a millisecond later: same id, other signed content. */
export async function reapprove(bytes: Uint8Array, terminal: Terminal): Promise<Uint8Array> {
  const decoded = decodedOf(bytes);
  return encodeOfflineTransaction({
    requestBytes: decoded.requestBytes,
    authorizationBytes: decoded.authorizationBytes,
    approvalBytes: await approvalBy(
      terminal,
      decoded.authorizationBytes,
      decoded.approval.approvedAtMs + 1,
    ),
  });
}

/** The transaction with its request's amount changed and both signatures kept (the consumer's no longer matches). */
export function withAmount(bytes: Uint8Array, amount: bigint): Uint8Array {
  const decoded = decodedOf(bytes);
  return encodeOfflineTransaction({
    requestBytes: encodePaymentRequest({ ...decoded.request, amount }),
    authorizationBytes: decoded.authorizationBytes,
    approvalBytes: decoded.approvalBytes,
  });
}

export function decodedOf(bytes: Uint8Array): OfflineTransaction {
  const decoded = decodeOfflineTransaction(bytes);
  if (!decoded.ok) throw new Error(`not an offline transaction: ${decoded.code}`);
  return decoded.value;
}

export function idOf(bytes: Uint8Array): string {
  return formatTransactionId(decodedOf(bytes).transactionId);
}
