// The events a verdict appends to the outbox: payment.verified or payment.rejected, and a
// fraud.signal-raised when the rule that failed says someone should look. Their cause is the
// payment.uploaded event (`eventCause`): its correlation, the upload event as causation.
import {
  type EventEnvelope,
  type FraudSignalKind,
  fraudSignalRaisedV1,
  paymentRejectedV1,
  paymentVerifiedV1,
} from '@settle/contracts';
import { type Causation, eventFactory } from '@settle/messaging';
import { base64UrlEncode, sha256Concat } from '@settle/crypto';
import { type FraudSignalDraft, type VerificationRejectionCode } from './verify-payment.decider';

/** The channel every payment verified here came through (payment.verified's fee input). */
export const offlineChannel = 'offline-sound';

/** The parties of a transaction as stored at upload. */
export interface TransactionParties {
  readonly transactionId: string;
  readonly consumerDeviceId: string;
  readonly terminalId: string;
  readonly merchantId: string;
}

/** Builds an event the verifier publishes (fresh event id, key from the definition). */
const verifierEvent = eventFactory('verifier');

export function paymentVerifiedEvent(
  parties: TransactionParties,
  verified: {
    readonly consumerAccountId: string;
    readonly merchantCategoryCode: string;
    readonly amount: bigint;
    readonly currency: string;
    readonly deviceCounter: bigint;
    readonly approvedAtMs: number;
  },
  cause: Causation,
): EventEnvelope {
  return verifierEvent(
    paymentVerifiedV1,
    {
      ...parties,
      consumerAccountId: verified.consumerAccountId,
      amount: verified.amount.toString(),
      currency: verified.currency,
      approvedAt: new Date(verified.approvedAtMs).toISOString(),
      deviceCounter: verified.deviceCounter.toString(),
      feeInputs: { merchantCategoryCode: verified.merchantCategoryCode, channel: offlineChannel },
      verifiedAt: cause.occurredAt,
    },
    cause,
  );
}

export function paymentRejectedEvent(
  parties: TransactionParties,
  reasonCode: VerificationRejectionCode,
  cause: Causation,
): EventEnvelope {
  return verifierEvent(
    paymentRejectedV1,
    { ...parties, reasonCode, rejectedAt: cause.occurredAt },
    cause,
  );
}

/**
 * The id of the signal a transaction raises for `kind`: derived from both, so that deciding the same
 * transaction again (which the status check already prevents) could never raise a second signal.
 */
export function verificationSignalId(transactionId: string, kind: FraudSignalKind): string {
  return `sig_${base64UrlEncode(sha256Concat([new TextEncoder().encode(`verification:${kind}:${transactionId}`)]))}`;
}

export function fraudSignalEvent(
  transactionId: string,
  signal: FraudSignalDraft,
  cause: Causation,
): EventEnvelope {
  return verifierEvent(
    fraudSignalRaisedV1,
    {
      signalId: verificationSignalId(transactionId, signal.kind),
      kind: signal.kind,
      subject: signal.subject,
      transactionId,
      details: signal.details,
      raisedAt: cause.occurredAt,
    },
    cause,
  );
}
