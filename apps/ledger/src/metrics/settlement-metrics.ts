import { Injectable } from '@nestjs/common';
import { type EventEnvelope, paymentSettledV1, paymentSettlementFailedV1 } from '@settle/contracts';
import { type OutboxListener, payloadIf } from '@settle/messaging';
import { MetricAttribute, MetricLabels, MetricTally, settleInstruments } from '@settle/telemetry';

/**
 * `settle.settlements`: one per settlement outcome the ledger committed, read from the events the
 * settlement consumer appended (payment.settled; payment.settlement-failed with its reason code)
 * once their transaction committed — a batch retried half by half counts each payment once.
 */
@Injectable()
export class SettlementMetrics implements OutboxListener {
  private readonly settlements = settleInstruments().settlements;
  private readonly labels = new MetricLabels(MetricAttribute.outcome, MetricAttribute.reason);

  committed(envelopes: readonly EventEnvelope[]): void {
    const tally = new MetricTally();
    for (const envelope of envelopes) {
      if (envelope.type === paymentSettledV1.type) {
        tally.count(this.labels.of('settled'));
        continue;
      }
      const failed = payloadIf(paymentSettlementFailedV1, envelope);
      if (failed) tally.count(this.labels.of('failed', failed.reasonCode));
    }
    tally.addTo(this.settlements);
  }
}
