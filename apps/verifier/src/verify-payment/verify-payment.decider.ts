// Payment verification (DESIGN §5, docs/verifier.md "Verification"): one uploaded offline transaction
// and the registry facts the verifier has projected → verified, rejected with the code of the first
// failing rule, or not yet decidable (a fact the projection has not caught up with). Pure: no clock,
// no I/O; the consumer passes the decision time in, gathers the facts and applies the verdict.
import {
  type FraudSignalKind,
  type FraudSubjectKind,
  type KeyPurpose,
  type KeyState,
  type KeyStatePeriodV1,
  type OfflineCapability,
  type PaymentRejectionReasonCode,
} from '@settle/contracts';
import {
  type OfflineTransaction,
  type ProtocolPublicKey,
  type ProtocolResult,
  type VerifiedOfflineTransaction,
  type VerifyOfflineTransactionOptions,
  verifyOfflineTransaction,
} from '@settle/protocol';
import { base64UrlEncode, type SignatureAlgorithm } from '@settle/crypto';

/**
 * The verification rules in the order they are evaluated: the first failing rule names the code.
 * Keys must be known before a signature can be checked, and a compromised key is named as such even
 * though it is also not active any more. payment.rejected v1's code list is append-only and keeps
 * its own order; this is the precedence. (DUPLICATE_WITH_DIFFERENT_CONTENT is decided at upload.)
 */
export const verificationRulePrecedence = [
  'KEY_UNKNOWN',
  'SIGNATURE_INVALID',
  'KEY_NOT_ATTESTED',
  'KEY_COMPROMISED',
  'KEY_NOT_ACTIVE',
  'MERCHANT_MISMATCH',
  'TERMINAL_MISMATCH',
  'REQUEST_EXPIRED',
  'PRESENTMENT_WINDOW_EXCEEDED',
  'COUNTER_REUSED',
  'PER_TRANSACTION_CAP_EXCEEDED',
  'CUMULATIVE_CAP_EXCEEDED',
] as const satisfies readonly PaymentRejectionReasonCode[];
export type VerificationRejectionCode = (typeof verificationRulePrecedence)[number];

/**
 * How long after its upload a payment without a credential in force at approval waits for the
 * device's check-in instead of being rejected PER_TRANSACTION_CAP_EXCEEDED. device.checked-in and
 * payment.uploaded travel on different topics, so a check-in made seconds before an upload may not be
 * projected when the upload is verified. Shorter than the consumer's bounded retry of a
 * not-yet-seen entity (`verificationEntityRetryAttemptsMax`, about 50 s): a payment whose check-in
 * never comes is still rejected by a later attempt instead of being dead-lettered (a unit test holds it).
 */
export const checkInProjectionGraceMs = 30_000;

/** A phone signs with its payment key in hardware: P-256, or Ed25519 for software wallets. */
export const consumerSignatureAlgorithms: readonly SignatureAlgorithm[] = ['ES256', 'EdDSA'];
/** Terminals sign approvals with P-256 only. */
export const terminalSignatureAlgorithms: readonly SignatureAlgorithm[] = ['ES256'];

/** A key as the verifier's projection of key.lifecycle-changed holds it. */
export interface VerificationKey {
  readonly keyId: string;
  readonly owner: { readonly kind: 'device' | 'terminal'; readonly id: string };
  readonly purpose: KeyPurpose;
  /**
   * The registered public JWK as `protocolPublicKey` imports it (the consumer caches it: importing
   * costs more than a verification); null when the registered JWK cannot be imported.
   */
  readonly publicKey: ProtocolPublicKey | null;
  /** Contiguous periods, oldest first, each [validFrom, validTo). */
  readonly history: readonly KeyStatePeriodV1[];
}

/** The caps a check-in's credential carries for one currency, in minor units. */
export interface CheckInCap {
  readonly currency: string;
  readonly perTransactionMax: bigint;
  readonly cumulativeMax: bigint;
}

/** One online check-in of the device. */
export interface CheckIn {
  readonly checkedInAtMs: number;
  /** The credential is valid until then (exclusive). */
  readonly validUntilMs: number;
  readonly caps: readonly CheckInCap[];
}

export interface CapabilityChange {
  readonly changedAtMs: number;
  readonly capability: OfflineCapability;
}

/** A payment of the device that counts against its cumulative cap (verified, settled or settlement-failed). */
export interface CountedPayment {
  readonly currency: string;
  readonly amount: bigint;
  readonly approvedAtMs: number;
}

export interface VerifyPaymentInput {
  readonly transactionId: string;
  /** decodeOfflineTransaction over the stored bytes. */
  readonly transaction: OfflineTransaction;
  readonly uploadedAtMs: number;
  /** The consumer device the upload named (the consumer key's owner at upload). */
  readonly deviceId: string;
  readonly consumerAccountId: string;
  /**
   * null: the key id is not in the projection. The upload saw both keys there, so a missing one means
   * the projection lags (a rebuild, a reset): not yet seen, never KEY_UNKNOWN.
   */
  readonly consumerKey: VerificationKey | null;
  readonly terminalKey: VerificationKey | null;
  /** The merchant the registry has for the request's terminal. */
  readonly terminalMerchantId: string;
  /** The request merchant's category code (fee input of payment.verified). */
  readonly merchantCategoryCode: string;
  /**
   * The device's check-ins, oldest first: at least the latest one before the earliest instant a rule
   * asks about (the approval; a compromised key's revocation) and every one from that instant on.
   */
  readonly checkIns: readonly CheckIn[];
  /** The device's offline-capability changes, oldest first (same lower bound as the check-ins). */
  readonly capabilityChanges: readonly CapabilityChange[];
  /** The transaction that already used this device counter, if any. */
  readonly counterUsedBy: string | null;
  /** The device's counted payments, at least those approved since the start of the check-in window. */
  readonly countedPayments: readonly CountedPayment[];
  readonly presentmentWindowMs: number;
  /** When the decision is made (the consumer's clock): how long ago the upload was received. */
  readonly decidedAtMs: number;
  /** See {@link checkInProjectionGraceMs}. */
  readonly checkInProjectionGraceMs: number;
  /**
   * Rule 2's outcome when the caller has checked the signatures already: `verifyOfflineTransaction`
   * or its async twin over `transaction` with {@link signatureCheckOf} the two keys (the consumer
   * verifies a batch at once in the threadpool). Absent, the decider verifies them itself, in the
   * same way (the unit tests, the no-I/O benchmark). Ignored when rule 1 decides first.
   */
  readonly signatures?: SignatureOutcome;
}

/** What both signatures of a transaction gave (rule 2): verified, or the protocol failure naming the part. */
export type SignatureOutcome = ProtocolResult<VerifiedOfflineTransaction>;

/** What an operator should look at; the consumer gives it a deterministic id and publishes it. */
export interface FraudSignalDraft {
  readonly kind: FraudSignalKind;
  readonly subject: { readonly kind: FraudSubjectKind; readonly id: string };
  readonly details: Readonly<Record<string, string>>;
}

export type VerifyPaymentDecision =
  | {
      readonly verdict: 'verified';
      readonly consumerAccountId: string;
      readonly merchantCategoryCode: string;
      readonly amount: bigint;
      readonly currency: string;
      readonly deviceCounter: bigint;
      readonly approvedAtMs: number;
    }
  | {
      readonly verdict: 'rejected';
      readonly reasonCode: VerificationRejectionCode;
      readonly fraudSignal?: FraudSignalDraft;
    }
  /** No verdict yet: a fact the rules need is not projected; the consumer waits for it (EntityNotYetSeenError). */
  | {
      readonly verdict: 'not-yet-seen';
      readonly entity: 'key' | 'check-in';
      readonly entityId: string;
    };

type Rejection = Extract<VerifyPaymentDecision, { verdict: 'rejected' }>;
type NotYetSeen = Extract<VerifyPaymentDecision, { verdict: 'not-yet-seen' }>;

/** Thrown for a programmer error (an input breaking its documented shape), never for a bad payment. */
export class VerificationInvariantError extends Error {
  constructor(message: string) {
    super(`verification invariant violated: ${message}`);
    this.name = 'VerificationInvariantError';
  }
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new VerificationInvariantError(message);
}

function notYetSeen(entity: NotYetSeen['entity'], entityId: string): NotYetSeen {
  return { verdict: 'not-yet-seen', entity, entityId };
}

function reject(reasonCode: VerificationRejectionCode, fraudSignal?: FraudSignalDraft): Rejection {
  return fraudSignal === undefined
    ? { verdict: 'rejected', reasonCode }
    : { verdict: 'rejected', reasonCode, fraudSignal };
}

/**
 * Verifies one uploaded transaction at the terminal's approval time (`approvedAtMs`, the merchant
 * approval's) and the upload time: the rules of {@link verificationRulePrecedence}, in that order.
 * `not-yet-seen` instead of a verdict when a key is missing from the projection (before rule 1) or,
 * within the grace, the check-in in force (at rule 11).
 */
export function decideVerifyPayment(input: VerifyPaymentInput): VerifyPaymentDecision {
  assert(input.presentmentWindowMs > 0, 'the presentment window is positive');
  assert(
    Number.isSafeInteger(input.uploadedAtMs) && Number.isSafeInteger(input.decidedAtMs),
    'the upload and decision times are instants',
  );
  assert(
    Number.isSafeInteger(input.checkInProjectionGraceMs) && input.checkInProjectionGraceMs >= 0,
    'the check-in grace is not negative',
  );
  // A rejection, or a fact to wait for; null when the rules passed.
  const keyOutcome = checkKeys(input);
  if (keyOutcome !== null) return keyOutcome;
  const riskOutcome = checkRequest(input) ?? checkCaps(input);
  if (riskOutcome !== null) return riskOutcome;
  const { request, authorization, approval } = input.transaction;
  return {
    verdict: 'verified',
    consumerAccountId: input.consumerAccountId,
    merchantCategoryCode: input.merchantCategoryCode,
    amount: request.amount,
    currency: request.currency,
    deviceCounter: authorization.deviceCounter,
    approvedAtMs: approval.approvedAtMs,
  };
}

/**
 * Rules 1–5: both keys known, both signatures, attested, not compromised, active at approval. A key
 * id missing from the projection is waited for (the upload saw it); KEY_UNKNOWN is a key that exists
 * but is not the right owner kind's payment key, or whose registered JWK cannot be imported.
 */
function checkKeys(input: VerifyPaymentInput): Rejection | NotYetSeen | null {
  const { consumerKey, terminalKey, transaction } = input;
  if (consumerKey === null)
    return notYetSeen('key', base64UrlEncode(transaction.authorization.keyId));
  if (terminalKey === null) return notYetSeen('key', base64UrlEncode(transaction.approval.keyId));
  const signatureCheck = signatureCheckOf(consumerKey, terminalKey);
  if (signatureCheck === null) return reject('KEY_UNKNOWN');
  const verified = input.signatures ?? verifyOfflineTransaction(transaction, signatureCheck);
  if (!verified.ok) {
    // Who uploaded a transaction whose signature fails is the one to look at: the terminal.
    const part = verified.field.split('/')[0] ?? '';
    return reject('SIGNATURE_INVALID', {
      kind: 'SIGNATURE_INVALID',
      subject: { kind: 'terminal', id: transaction.request.terminalId },
      details: { part, code: verified.code },
    });
  }
  if (!wasEverActive(consumerKey.history) || !wasEverActive(terminalKey.history))
    return reject('KEY_NOT_ATTESTED');
  const compromised = checkCompromised(input, consumerKey, terminalKey);
  if (compromised !== null) return compromised;
  const approvedAtMs = transaction.approval.approvedAtMs;
  if (
    keyStateAt(consumerKey.history, approvedAtMs) !== 'active' ||
    keyStateAt(terminalKey.history, approvedAtMs) !== 'active'
  )
    return reject('KEY_NOT_ACTIVE');
  return null;
}

/**
 * How rule 2 checks a transaction's signatures with its two projected keys: the consumer's ES256 or
 * EdDSA, the terminal's ES256, on the native back end. The one definition of a valid signature,
 * for the decider and for the consumer that checks a batch ahead of it. Null when rule 1 decides
 * before any signature is looked at: a key missing from the projection (waited for), or not the
 * right owner kind's importable payment key (KEY_UNKNOWN).
 */
export function signatureCheckOf(
  consumerKey: VerificationKey | null,
  terminalKey: VerificationKey | null,
): VerifyOfflineTransactionOptions | null {
  if (consumerKey === null || terminalKey === null) return null;
  if (!isPaymentKeyOf(consumerKey, 'device') || !isPaymentKeyOf(terminalKey, 'terminal'))
    return null;
  assert(
    consumerKey.publicKey !== null && terminalKey.publicKey !== null,
    'known keys are imported',
  );
  return {
    deviceKey: consumerKey.publicKey,
    deviceAlgorithms: consumerSignatureAlgorithms,
    terminalKey: terminalKey.publicKey,
    terminalAlgorithms: terminalSignatureAlgorithms,
    backend: 'native',
  };
}

function isPaymentKeyOf(key: VerificationKey, ownerKind: 'device' | 'terminal'): boolean {
  return key.owner.kind === ownerKind && key.purpose === 'payment' && key.publicKey !== null;
}

/**
 * Rule 4. A consumer key revoked as compromised: everything the terminal approved after the device's
 * last check-in before the revocation is the attacker's (the phone's own times are not trusted — they
 * are the attacker's too; the terminal's clock is). A terminal key revoked as compromised: every
 * upload received after the revocation.
 */
function checkCompromised(
  input: VerifyPaymentInput,
  consumerKey: VerificationKey,
  terminalKey: VerificationKey,
): Rejection | null {
  const approvedAtMs = input.transaction.approval.approvedAtMs;
  const consumerRevokedAtMs = compromisedSinceMs(consumerKey.history);
  if (consumerRevokedAtMs !== null) {
    const lastTrusted = lastCheckInBefore(input.checkIns, consumerRevokedAtMs);
    if (lastTrusted === null || approvedAtMs > lastTrusted.checkedInAtMs) {
      const details = {
        ownerKind: 'device',
        ownerId: consumerKey.owner.id,
        revokedAt: isoOf(consumerRevokedAtMs),
        lastTrustedCheckInAt: lastTrusted === null ? 'none' : isoOf(lastTrusted.checkedInAtMs),
      };
      return reject('KEY_COMPROMISED', {
        kind: 'COMPROMISED_KEY_USED',
        subject: { kind: 'key', id: consumerKey.keyId },
        details,
      });
    }
  }
  const terminalRevokedAtMs = compromisedSinceMs(terminalKey.history);
  if (terminalRevokedAtMs !== null && input.uploadedAtMs >= terminalRevokedAtMs) {
    const details = {
      ownerKind: 'terminal',
      ownerId: terminalKey.owner.id,
      revokedAt: isoOf(terminalRevokedAtMs),
    };
    return reject('KEY_COMPROMISED', {
      kind: 'COMPROMISED_KEY_USED',
      subject: { kind: 'key', id: terminalKey.keyId },
      details,
    });
  }
  return null;
}

/** Rules 6–10: the registry's merchant and terminal, the request's validity, the window, the counter. */
function checkRequest(input: VerifyPaymentInput): Rejection | null {
  const { request, authorization, approval } = input.transaction;
  const approvedAtMs = approval.approvedAtMs;
  assert(input.terminalKey !== null, 'keys were checked first');
  if (input.terminalMerchantId !== request.merchantId) {
    const details = {
      requestMerchantId: request.merchantId,
      registeredMerchantId: input.terminalMerchantId,
    };
    return reject('MERCHANT_MISMATCH', {
      kind: 'MERCHANT_MISMATCH',
      subject: { kind: 'terminal', id: request.terminalId },
      details,
    });
  }
  if (input.terminalKey.owner.id !== request.terminalId) return reject('TERMINAL_MISMATCH');
  if (approvedAtMs > request.expiresAtMs || approvedAtMs < request.createdAtMs)
    return reject('REQUEST_EXPIRED');
  if (input.uploadedAtMs - approvedAtMs > input.presentmentWindowMs)
    return reject('PRESENTMENT_WINDOW_EXCEEDED');
  if (input.counterUsedBy !== null && input.counterUsedBy !== input.transactionId) {
    const details = {
      deviceCounter: authorization.deviceCounter.toString(),
      firstTransactionId: input.counterUsedBy,
    };
    return reject('COUNTER_REUSED', {
      kind: 'COUNTER_REUSED',
      subject: { kind: 'device', id: input.deviceId },
      details,
    });
  }
  return null;
}

/**
 * Rules 11–12: the credential in force at approval caps each payment and the offline spend of its
 * window; a device whose offline capability was suspended (an overdraft) at approval may not spend.
 * No credential in force while the upload is younger than the grace: its check-in may still be on
 * its way (another topic), so it is waited for rather than rejected.
 */
function checkCaps(input: VerifyPaymentInput): Rejection | NotYetSeen | null {
  const { request, approval } = input.transaction;
  const approvedAtMs = approval.approvedAtMs;
  const window = checkInWindowAt(input.checkIns, approvedAtMs);
  if (window === null && input.decidedAtMs - input.uploadedAtMs < input.checkInProjectionGraceMs)
    return notYetSeen('check-in', input.deviceId);
  const cap = window?.checkIn.caps.find((candidate) => candidate.currency === request.currency);
  if (window === null || cap === undefined || request.amount > cap.perTransactionMax)
    return reject('PER_TRANSACTION_CAP_EXCEEDED');
  const subject = { kind: 'device' as const, id: input.deviceId };
  if (capabilityAt(input.capabilityChanges, approvedAtMs) === 'suspended') {
    return reject('CUMULATIVE_CAP_EXCEEDED', {
      kind: 'CUMULATIVE_CAP_EXCEEDED',
      subject,
      details: { offlineCapability: 'suspended', currency: request.currency },
    });
  }
  const spent = spendInWindow(input.countedPayments, request.currency, window);
  if (spent + request.amount > cap.cumulativeMax) {
    const details = {
      currency: request.currency,
      cumulativeMax: cap.cumulativeMax.toString(),
      spent: spent.toString(),
      amount: request.amount.toString(),
    };
    return reject('CUMULATIVE_CAP_EXCEEDED', { kind: 'CUMULATIVE_CAP_EXCEEDED', subject, details });
  }
  return null;
}

function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

// ── Key history: "what held at T?" over KeyStatePeriodV1 (validFrom inclusive, validTo exclusive) ──

/** The period containing `atMs`, or null (before the key was registered). */
export function keyPeriodAt(
  history: readonly KeyStatePeriodV1[],
  atMs: number,
): KeyStatePeriodV1 | null {
  for (let index = history.length - 1; index >= 0; index--) {
    const period = history[index]!;
    if (Date.parse(period.validFrom) <= atMs)
      return period.validTo === null || atMs < Date.parse(period.validTo) ? period : null;
  }
  return null;
}

/** The key's state at `atMs`, or null before it was registered. */
export function keyStateAt(history: readonly KeyStatePeriodV1[], atMs: number): KeyState | null {
  return keyPeriodAt(history, atMs)?.state ?? null;
}

/** True when the key was ever `active`: its attestation was accepted. */
export function wasEverActive(history: readonly KeyStatePeriodV1[]): boolean {
  return history.some((period) => period.state === 'active');
}

/** When the key was revoked as compromised, or null if it never was. */
export function compromisedSinceMs(history: readonly KeyStatePeriodV1[]): number | null {
  const revoked = history.find(
    (period) => period.state === 'revoked' && period.reason === 'compromised',
  );
  return revoked === undefined ? null : Date.parse(revoked.validFrom);
}

// ── Check-ins and offline capability ──

/** The latest check-in strictly before `atMs` (the last one the device made while trusted), or null. */
export function lastCheckInBefore(checkIns: readonly CheckIn[], atMs: number): CheckIn | null {
  for (let index = checkIns.length - 1; index >= 0; index--) {
    if (checkIns[index]!.checkedInAtMs < atMs) return checkIns[index]!;
  }
  return null;
}

/** A check-in's cumulative-cap window: [its check-in, the next check-in). */
export interface CheckInWindow {
  readonly checkIn: CheckIn;
  readonly startMs: number;
  /** Exclusive; null while no later check-in is known. */
  readonly endMs: number | null;
}

/**
 * The credential in force at `atMs`: the latest check-in at or before it, if still valid then (a
 * later check-in supersedes an earlier credential, even one not expired yet), with its window.
 */
export function checkInWindowAt(checkIns: readonly CheckIn[], atMs: number): CheckInWindow | null {
  for (let index = checkIns.length - 1; index >= 0; index--) {
    const checkIn = checkIns[index]!;
    if (checkIn.checkedInAtMs > atMs) continue;
    if (checkIn.validUntilMs <= atMs) return null;
    return {
      checkIn,
      startMs: checkIn.checkedInAtMs,
      endMs: checkIns[index + 1]?.checkedInAtMs ?? null,
    };
  }
  return null;
}

/** The device's offline capability at `atMs` (enabled until a change says otherwise). */
export function capabilityAt(
  changes: readonly CapabilityChange[],
  atMs: number,
): OfflineCapability {
  for (let index = changes.length - 1; index >= 0; index--) {
    if (changes[index]!.changedAtMs <= atMs) return changes[index]!.capability;
  }
  return 'enabled';
}

/** What the device spent offline in `currency` within the window (payments approved in it). */
export function spendInWindow(
  payments: readonly CountedPayment[],
  currency: string,
  window: CheckInWindow,
): bigint {
  let spent = 0n;
  for (const payment of payments) {
    if (payment.currency !== currency || payment.approvedAtMs < window.startMs) continue;
    if (window.endMs !== null && payment.approvedAtMs >= window.endMs) continue;
    spent += payment.amount;
  }
  return spent;
}
