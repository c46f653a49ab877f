import { Injectable } from '@nestjs/common';
import { type EventEnvelope, paymentRejectedV1, paymentVerifiedV1 } from '@settle/contracts';
import { type OutboxListener, payloadIf } from '@settle/messaging';
import {
  annotateActiveSpan,
  MetricAttribute,
  MetricLabels,
  MetricTally,
  settleInstruments,
  SpanAttribute,
} from '@settle/telemetry';
import { type UploadReceipt } from '../upload/upload-receipts';

/** What an accepted transaction counts as when it was received before (the `code` of `settle.uploads`). */
export const duplicateUploadCode = 'DUPLICATE';

/**
 * `settle.uploads`: one per transaction of an upload request, by receipt (accepted, with `code`
 * DUPLICATE when it was received before; refused, with its refusal code). Called by the controller
 * once the upload committed; also names the batch on the request's span.
 */
export class UploadMetrics {
  private readonly uploads = settleInstruments().uploads;
  private readonly labels = new MetricLabels(MetricAttribute.outcome, MetricAttribute.code);

  record(batchId: string, receipts: readonly UploadReceipt[]): void {
    const tally = new MetricTally();
    for (const receipt of receipts) {
      const code =
        receipt.status === 'refused'
          ? receipt.code
          : receipt.duplicate
            ? duplicateUploadCode
            : undefined;
      tally.count(this.labels.of(receipt.status, code));
    }
    tally.addTo(this.uploads);
    annotateActiveSpan({
      [SpanAttribute.settleUploadBatchId]: batchId,
      [SpanAttribute.settleUploadTransactionCount]: receipts.length,
    });
  }
}

/**
 * `settle.verifications`: one per verdict the verification consumer committed, read from the events
 * it appended (payment.verified; payment.rejected with its reason code) once their transaction
 * committed — so a batch retried half by half counts each verdict once.
 */
@Injectable()
export class VerificationMetrics implements OutboxListener {
  private readonly verifications = settleInstruments().verifications;
  private readonly labels = new MetricLabels(MetricAttribute.verdict, MetricAttribute.reason);

  committed(envelopes: readonly EventEnvelope[]): void {
    const tally = new MetricTally();
    for (const envelope of envelopes) {
      if (envelope.type === paymentVerifiedV1.type) {
        tally.count(this.labels.of('verified'));
        continue;
      }
      const rejected = payloadIf(paymentRejectedV1, envelope);
      if (rejected) tally.count(this.labels.of('rejected', rejected.reasonCode));
    }
    tally.addTo(this.verifications);
  }
}
