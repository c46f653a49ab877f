import {
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  type ObservableGauge,
} from '@opentelemetry/api';
import { type ViewOptions } from '@opentelemetry/sdk-metrics';

/**
 * The project's instruments (docs/observability.md). A dashboard is written against these names, so
 * they never change; Prometheus sees `.` as `_`, counters with `_total`, the histogram with `_seconds`.
 */
export const MetricName = {
  /** Counter, one per transaction of an upload request: `outcome`, `code`. The verifier. */
  uploads: 'settle.uploads',
  /** Counter, one per verdict committed: `verdict`, `reason`. The verifier. */
  verifications: 'settle.verifications',
  /** Counter, one per settlement outcome committed: `outcome`, `reason`. The ledger. */
  settlements: 'settle.settlements',
  /** Gauge, messages a consumer group has yet to read: `group`, `topic`, `partition`. Every service. */
  consumerLag: 'settle.consumer.lag',
  /** Gauge, outbox rows not yet published (counted up to `outboxBacklogCountMax`): `service`. Every service. */
  outboxBacklog: 'settle.outbox.backlog',
  /** Counter, messages sent to the dead-letter topic: `service`, `reason`. Every service. */
  deadLetters: 'settle.dead_letters',
  /** Histogram, seconds from a transaction's upload to its settlement, recorded by the verifier. */
  uploadToSettled: 'settle.upload_to_settled',
} as const;

/** The meter every project instrument belongs to. */
export const settleMeterName = '@settle/telemetry';

/** Bucket bounds of `settle.upload_to_settled` (seconds): sub-second in normal operation, minutes in an outage. */
export const uploadToSettledBucketsSeconds: readonly number[] = [
  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
];

/**
 * Views every meter provider of the project registers. The Prometheus exporter of this SDK line does
 * not append unit suffixes, so the histogram's stream is named with its unit, as Prometheus expects
 * (`settle_upload_to_settled_seconds_bucket`); the instrument keeps its name.
 */
export const settleMetricViews: readonly ViewOptions[] = [
  { instrumentName: MetricName.uploadToSettled, name: `${MetricName.uploadToSettled}_seconds` },
];

/** The project's instruments, made from the global meter provider. */
export interface SettleInstruments {
  readonly meter: Meter;
  readonly uploads: Counter;
  readonly verifications: Counter;
  readonly settlements: Counter;
  readonly deadLetters: Counter;
  readonly uploadToSettled: Histogram;
  /** Observed by the messaging runtime's batch callback (see `Meter.addBatchObservableCallback`). */
  readonly consumerLag: ObservableGauge;
  readonly outboxBacklog: ObservableGauge;
}

const instrumentsByProvider = new WeakMap<MeterProvider, SettleInstruments>();

/**
 * The instruments of the global meter provider, made once per provider. Call it when an adapter is
 * constructed (after `startTelemetry`, or after a test installed its provider), never at module load:
 * the metrics API has no proxy, so an instrument made before the provider is registered stays a no-op.
 */
export function settleInstruments(): SettleInstruments {
  const provider = metrics.getMeterProvider();
  let instruments = instrumentsByProvider.get(provider);
  if (instruments === undefined) {
    instruments = createInstruments(provider.getMeter(settleMeterName));
    instrumentsByProvider.set(provider, instruments);
  }
  return instruments;
}

function createInstruments(meter: Meter): SettleInstruments {
  return {
    meter,
    uploads: meter.createCounter(MetricName.uploads, {
      unit: '{transaction}',
      description:
        'Transactions received in upload requests, by outcome (accepted, refused) and refusal code.',
    }),
    verifications: meter.createCounter(MetricName.verifications, {
      unit: '{payment}',
      description:
        'Verification verdicts committed, by verdict (verified, rejected) and reason code.',
    }),
    settlements: meter.createCounter(MetricName.settlements, {
      unit: '{payment}',
      description:
        'Settlement outcomes committed by the ledger, by outcome (settled, failed) and reason code.',
    }),
    deadLetters: meter.createCounter(MetricName.deadLetters, {
      unit: '{message}',
      description: 'Messages sent to the dead-letter topic, by service and reason.',
    }),
    uploadToSettled: meter.createHistogram(MetricName.uploadToSettled, {
      unit: 's',
      description:
        'Seconds from the upload of a transaction to its settlement by the ledger, recorded when the verifier applies payment.settled.',
      advice: { explicitBucketBoundaries: [...uploadToSettledBucketsSeconds] },
    }),
    consumerLag: meter.createObservableGauge(MetricName.consumerLag, {
      unit: '{message}',
      description:
        'Messages of a partition the consumer group has not committed yet (high watermark − committed offset).',
    }),
    outboxBacklog: meter.createObservableGauge(MetricName.outboxBacklog, {
      unit: '{row}',
      description: 'Outbox rows waiting for the relay.',
    }),
  };
}

/**
 * Attribute objects of one instrument, made once per label set and reused, so recording allocates
 * nothing once a label set was seen. A label whose value is `undefined` is left out.
 *
 * @example
 * const labels = new MetricLabels(MetricAttribute.verdict, MetricAttribute.reason);
 * instruments.verifications.add(1, labels.of('rejected', 'SIGNATURE_INVALID'));
 */
export class MetricLabels {
  private readonly sets = new Map<string, Map<string | undefined, Attributes>>();

  constructor(
    private readonly firstName: string,
    private readonly secondName?: string,
  ) {}

  of(first: string, second?: string): Attributes {
    let bySecond = this.sets.get(first);
    if (bySecond === undefined) {
      bySecond = new Map();
      this.sets.set(first, bySecond);
    }
    let attributes = bySecond.get(second);
    if (attributes === undefined) {
      attributes =
        second === undefined || this.secondName === undefined
          ? { [this.firstName]: first }
          : { [this.firstName]: first, [this.secondName]: second };
      bySecond.set(second, attributes);
    }
    return attributes;
  }
}

/**
 * Counts per label set, then adds each total once: a batch of a thousand transactions is a handful of
 * `Counter.add` calls, not a thousand.
 */
export class MetricTally {
  private readonly counts = new Map<Attributes, number>();

  count(attributes: Attributes, by = 1): void {
    this.counts.set(attributes, (this.counts.get(attributes) ?? 0) + by);
  }

  addTo(counter: Counter): void {
    for (const [attributes, count] of this.counts) counter.add(count, attributes);
  }
}
