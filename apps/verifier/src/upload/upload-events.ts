// The events an upload appends to the outbox: payment.uploaded per new transaction, and
// fraud.signal-raised per newly recorded conflicting content. Their correlation is the request's
// (`requestCorrelation`: the request id when a UUID, so the request's logs and events share it).
import { type EventEnvelope, fraudSignalRaisedV1, paymentUploadedV1 } from '@settle/contracts';
import { type Correlation, eventFactory } from '@settle/messaging';
import { base64UrlEncode, bytesToHex, sha256Concat } from '@settle/crypto';
import { type UploadCandidate } from './upload.decider';

const verifierEvent = eventFactory('verifier');

export function paymentUploadedEvent(
  candidate: UploadCandidate,
  context: {
    readonly consumerDeviceId: string;
    readonly terminalId: string;
    readonly merchantId: string;
    readonly batchId: string;
    readonly uploadedAt: Date;
  },
  cause: Correlation,
): EventEnvelope {
  const { request, authorization } = candidate.transaction;
  const uploadedAt = context.uploadedAt.toISOString();
  return verifierEvent(
    paymentUploadedV1,
    {
      transactionId: candidate.transactionId,
      consumerDeviceId: context.consumerDeviceId,
      terminalId: context.terminalId,
      merchantId: context.merchantId,
      uploadBatchId: context.batchId,
      deviceCounter: authorization.deviceCounter.toString(),
      amount: request.amount.toString(),
      currency: request.currency,
      uploadedAt,
    },
    { ...cause, occurredAt: uploadedAt },
  );
}

/**
 * The signal id of one conflicting content: derived from the transaction id and that content's
 * digest, so recording it again (another upload of the same conflict) finds the same row.
 */
export function conflictSignalId(transactionId: string, contentDigest: Uint8Array): string {
  return `sig_${base64UrlEncode(sha256Concat([new TextEncoder().encode(transactionId), contentDigest]))}`;
}

/**
 * fraud.signal-raised DUPLICATE_WITH_DIFFERENT_CONTENT. Subject: the terminal. The transaction id
 * covers the request and the consumer's signed header, so two contents under one id differ only in
 * the terminal's approval — the terminal (or whoever holds its key) approved one authorization twice.
 */
export function duplicateWithDifferentContentEvent(
  candidate: UploadCandidate,
  context: {
    readonly signalId: string;
    readonly storedContentDigest: Uint8Array;
    readonly terminalId: string;
    readonly batchId: string;
    readonly raisedAt: Date;
  },
  cause: Correlation,
): EventEnvelope {
  const raisedAt = context.raisedAt.toISOString();
  return verifierEvent(
    fraudSignalRaisedV1,
    {
      signalId: context.signalId,
      kind: 'DUPLICATE_WITH_DIFFERENT_CONTENT',
      subject: { kind: 'terminal', id: context.terminalId },
      transactionId: candidate.transactionId,
      details: {
        storedContentDigest: bytesToHex(context.storedContentDigest),
        uploadedContentDigest: bytesToHex(candidate.contentDigest),
        uploadBatchId: context.batchId,
        consumerKeyId: candidate.consumerKeyId,
        terminalKeyId: candidate.terminalKeyId,
      },
      raisedAt,
    },
    { ...cause, occurredAt: raisedAt },
  );
}
