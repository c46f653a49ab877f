// The events an upload appends to the outbox: payment.uploaded per new transaction, and
// fraud.signal-raised per newly recorded conflicting content.
import { randomUUID } from 'node:crypto';
import {
  createEnvelope,
  type EventEnvelope,
  fraudSignalRaisedV1,
  paymentUploadedV1,
} from '@settle/contracts';
import { base64UrlEncode, bytesToHex, sha256Concat } from '@settle/crypto';
import { type UploadCandidate } from './upload.decider';

/** Correlation of everything one upload request publishes. */
export interface UploadCause {
  readonly correlationId: string;
  readonly causationId: string | null;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The request's id when it is a UUID (the platform's, or a caller's that happens to be one): then
 * logs and events of the request share it. Otherwise a fresh UUID for this request's events.
 */
export function uploadCause(requestId: string | undefined): UploadCause {
  const id = requestId !== undefined && uuidPattern.test(requestId) ? requestId : undefined;
  return { correlationId: id ?? randomUUID(), causationId: id ?? null };
}

export function paymentUploadedEvent(
  candidate: UploadCandidate,
  context: {
    readonly consumerDeviceId: string;
    readonly terminalId: string;
    readonly merchantId: string;
    readonly batchId: string;
    readonly uploadedAt: Date;
  },
  cause: UploadCause,
): EventEnvelope {
  const { request, authorization } = candidate.transaction;
  const uploadedAt = context.uploadedAt.toISOString();
  return createEnvelope({
    definition: paymentUploadedV1,
    payload: {
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
    eventId: randomUUID(),
    occurredAt: uploadedAt,
    producer: 'verifier',
    ...cause,
  });
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
  cause: UploadCause,
): EventEnvelope {
  const raisedAt = context.raisedAt.toISOString();
  return createEnvelope({
    definition: fraudSignalRaisedV1,
    payload: {
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
    eventId: randomUUID(),
    occurredAt: raisedAt,
    producer: 'verifier',
    ...cause,
  });
}
