// Unit-test fixtures of the verification decider: real keys, really signed transactions (decoded as
// the consumer decodes the stored bytes), and a valid input that each test breaks in one place.
import { randomBytes } from 'node:crypto';
import { type KeyState, type KeyStatePeriodV1, type KeyStateReason } from '@settle/contracts';
import {
  decodeOfflineTransaction,
  encodeOfflineTransaction,
  encodePaymentRequest,
  formatTransactionId,
  type OfflineTransaction,
  prepareMerchantApproval,
  type ProtocolSigner,
  protocolPublicKey,
  signConsumerAuthorization,
  softwareSigner,
  unwrapProtocolResult,
} from '@settle/protocol';
import { calculateJwkThumbprint, generateKeyPair, type PublicJwk } from '@settle/crypto';
import {
  type CheckIn,
  type VerificationKey,
  type VerifyPaymentInput,
} from '../verify-payment.decider';

export const minuteMs = 60_000;
export const hourMs = 60 * minuteMs;
export const dayMs = 24 * hourMs;
/** The terminal's approval time of the default transaction. */
export const approvedAtMs = Date.parse('2026-03-01T12:00:00.000Z');

export interface FixtureKey {
  readonly signer: ProtocolSigner;
  readonly publicJwk: PublicJwk;
  readonly keyId: string;
}

export function fixtureKey(alg: 'ES256' | 'EdDSA' = 'ES256'): FixtureKey {
  const { privateJwk, publicJwk } = generateKeyPair(alg);
  return {
    signer: softwareSigner(privateJwk, 'native'),
    publicJwk,
    keyId: calculateJwkThumbprint(publicJwk),
  };
}

export const consumer = fixtureKey('ES256');
export const terminal = fixtureKey('ES256');
export const deviceId = 'dev_fixture';
export const terminalId = 'ter_fixture';
export const merchantId = 'mer_fixture';

export interface TransactionFields {
  readonly amount?: bigint;
  readonly currency?: string;
  readonly counter?: bigint;
  readonly approvedAtMs?: number;
  readonly authorizedAtMs?: number;
  readonly createdAtMs?: number;
  readonly expiresAtMs?: number;
  readonly merchantId?: string;
  readonly terminalId?: string;
  readonly consumerKey?: FixtureKey;
  readonly terminalKey?: FixtureKey;
}

/** A dual-signed transaction, decoded from its bytes like the consumer decodes the stored ones. */
export function signedTransaction(fields: TransactionFields = {}): {
  transaction: OfflineTransaction;
  transactionId: string;
} {
  const approved = fields.approvedAtMs ?? approvedAtMs;
  const createdAtMs = fields.createdAtMs ?? approved - 20_000;
  const requestBytes = encodePaymentRequest({
    merchantId: fields.merchantId ?? merchantId,
    terminalId: fields.terminalId ?? terminalId,
    amount: fields.amount ?? 1250n,
    currency: fields.currency ?? 'EUR',
    nonce: new Uint8Array(randomBytes(16)),
    createdAtMs,
    expiresAtMs: fields.expiresAtMs ?? createdAtMs + 120_000,
  });
  const authorizationBytes = signConsumerAuthorization(
    {
      requestBytes,
      deviceCounter: fields.counter ?? 7n,
      authorizedAtMs: fields.authorizedAtMs ?? approved - 5_000,
    },
    (fields.consumerKey ?? consumer).signer,
  );
  const signer = (fields.terminalKey ?? terminal).signer;
  const prepared = prepareMerchantApproval({
    authorizationBytes,
    approvedAtMs: approved,
    alg: signer.alg,
    keyId: signer.keyId,
  });
  const approvalBytes = prepared.complete(signer.sign(prepared.toBeSigned));
  const transaction = unwrapProtocolResult(
    decodeOfflineTransaction(
      encodeOfflineTransaction({ requestBytes, authorizationBytes, approvalBytes }),
    ),
  );
  return { transaction, transactionId: formatTransactionId(transaction.transactionId) };
}

/** One period of a key's life for {@link keyHistory}: `state` from `atMs` on. */
export interface PeriodAt {
  readonly state: KeyState;
  readonly atMs: number;
  readonly reason?: KeyStateReason | null;
}

export function keyHistory(periods: readonly PeriodAt[]): KeyStatePeriodV1[] {
  return periods.map((period, index) => {
    const next = periods[index + 1];
    return {
      state: period.state,
      reason: period.reason ?? null,
      validFrom: new Date(period.atMs).toISOString(),
      validTo: next === undefined ? null : new Date(next.atMs).toISOString(),
    };
  });
}

/** Pending two days before the approval, active one day before. */
export const activeSinceYesterday: readonly PeriodAt[] = [
  { state: 'pending', atMs: approvedAtMs - 2 * dayMs },
  { state: 'active', atMs: approvedAtMs - dayMs },
];

export function verificationKey(
  key: FixtureKey,
  owner: VerificationKey['owner'],
  periods: readonly PeriodAt[] = activeSinceYesterday,
): VerificationKey {
  return {
    keyId: key.keyId,
    owner,
    purpose: 'payment',
    publicKey: protocolPublicKey(key.publicJwk),
    history: keyHistory(periods),
  };
}

/** EUR 50.00 per payment, 150.00 in all; valid a day. */
export function checkInAt(
  checkedInAtMs: number,
  caps: CheckIn['caps'] = [{ currency: 'EUR', perTransactionMax: 5000n, cumulativeMax: 15000n }],
): CheckIn {
  return { checkedInAtMs, validUntilMs: checkedInAtMs + dayMs, caps };
}

/**
 * A valid input: every rule passes. `fields` re-signs the transaction. Decided an hour after the
 * upload (unless `overrides` say when): past the check-in grace, so a missing credential is a verdict.
 */
export function validInput(
  fields: TransactionFields = {},
  overrides: Partial<VerifyPaymentInput> = {},
): VerifyPaymentInput {
  const { transaction, transactionId } = signedTransaction(fields);
  const uploadedAtMs = overrides.uploadedAtMs ?? (fields.approvedAtMs ?? approvedAtMs) + hourMs;
  return {
    transactionId,
    transaction,
    uploadedAtMs,
    deviceId,
    consumerAccountId: 'acc_fixture',
    consumerKey: verificationKey(fields.consumerKey ?? consumer, { kind: 'device', id: deviceId }),
    terminalKey: verificationKey(fields.terminalKey ?? terminal, {
      kind: 'terminal',
      id: terminalId,
    }),
    terminalMerchantId: merchantId,
    merchantCategoryCode: '5411',
    checkIns: [checkInAt(approvedAtMs - hourMs)],
    capabilityChanges: [],
    counterUsedBy: null,
    countedPayments: [],
    presentmentWindowMs: 30 * dayMs,
    decidedAtMs: uploadedAtMs + hourMs,
    checkInProjectionGraceMs: 30_000,
    ...overrides,
  };
}
