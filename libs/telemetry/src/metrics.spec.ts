// The instruments as a Prometheus scrape shows them: the names a dashboard is written against.
import { MetricAttribute } from './attributes';
import { installInMemoryMetrics, type InMemoryMetrics } from './in-memory-metrics';
import { MetricLabels, MetricTally, settleInstruments } from './metrics';
import { metricsPort } from './start-telemetry';

describe('settle instruments', () => {
  let recorded: InMemoryMetrics;

  beforeEach(() => {
    recorded = installInMemoryMetrics();
  });

  afterEach(async () => {
    await recorded.uninstall();
  });

  const scrape = () => recorded.scrape();

  it('are exposed under the Prometheus names of docs/observability.md', async () => {
    const instruments = settleInstruments();
    instruments.uploads.add(2, { [MetricAttribute.outcome]: 'accepted' });
    instruments.uploads.add(1, {
      [MetricAttribute.outcome]: 'refused',
      [MetricAttribute.code]: 'TRANSACTION_MALFORMED',
    });
    instruments.verifications.add(1, {
      [MetricAttribute.verdict]: 'rejected',
      [MetricAttribute.reason]: 'SIGNATURE_INVALID',
    });
    instruments.settlements.add(1, { [MetricAttribute.outcome]: 'settled' });
    instruments.deadLetters.add(1, {
      [MetricAttribute.service]: 'ledger',
      [MetricAttribute.reason]: 'HANDLER_FAILED',
    });
    instruments.uploadToSettled.record(0.3);
    const callback = (result: {
      observe(
        gauge: typeof instruments.consumerLag,
        value: number,
        attributes: Record<string, string>,
      ): void;
    }) => {
      result.observe(instruments.consumerLag, 7, {
        [MetricAttribute.group]: 'ledger.settle-payments',
        [MetricAttribute.topic]: 'payments.verified.v1',
        [MetricAttribute.partition]: '3',
      });
      result.observe(instruments.outboxBacklog, 4, { [MetricAttribute.service]: 'ledger' });
    };
    instruments.meter.addBatchObservableCallback(callback, [
      instruments.consumerLag,
      instruments.outboxBacklog,
    ]);

    const text = await scrape();
    expect(text).toContain('settle_uploads_total{outcome="accepted"} 2');
    expect(text).toContain(
      'settle_uploads_total{outcome="refused",code="TRANSACTION_MALFORMED"} 1',
    );
    expect(text).toContain(
      'settle_verifications_total{verdict="rejected",reason="SIGNATURE_INVALID"} 1',
    );
    expect(text).toContain('settle_settlements_total{outcome="settled"} 1');
    expect(text).toContain('settle_dead_letters_total{service="ledger",reason="HANDLER_FAILED"} 1');
    expect(text).toContain(
      'settle_consumer_lag{group="ledger.settle-payments",topic="payments.verified.v1",partition="3"} 7',
    );
    expect(text).toContain('settle_outbox_backlog{service="ledger"} 4');
    expect(text).toContain('settle_upload_to_settled_seconds_count 1');
    expect(text).toContain('settle_upload_to_settled_seconds_bucket{le="0.25"} 0');
    expect(text).toContain('settle_upload_to_settled_seconds_bucket{le="0.5"} 1');
    expect(text).toMatch(/# TYPE settle_upload_to_settled_seconds histogram/);
  });

  it('are made once per meter provider', () => {
    expect(settleInstruments()).toBe(settleInstruments());
  });

  it('reuse one attribute object per label set and add tallies once per set', async () => {
    const labels = new MetricLabels(MetricAttribute.verdict, MetricAttribute.reason);
    expect(labels.of('rejected', 'KEY_UNKNOWN')).toBe(labels.of('rejected', 'KEY_UNKNOWN'));
    expect(labels.of('verified')).toEqual({ verdict: 'verified' });
    expect(labels.of('rejected', 'KEY_UNKNOWN')).toEqual({
      verdict: 'rejected',
      reason: 'KEY_UNKNOWN',
    });
    const tally = new MetricTally();
    tally.count(labels.of('verified'));
    tally.count(labels.of('verified'), 2);
    tally.count(labels.of('rejected', 'KEY_UNKNOWN'));
    tally.addTo(settleInstruments().verifications);
    const text = await scrape();
    expect(text).toContain('settle_verifications_total{verdict="verified"} 3');
    expect(text).toContain('settle_verifications_total{verdict="rejected",reason="KEY_UNKNOWN"} 1');
  });
});

describe('metricsPort', () => {
  it('is the SETTLE_METRICS_PORT when it is a port, and no endpoint otherwise', () => {
    expect(metricsPort({})).toBeUndefined();
    expect(metricsPort({ SETTLE_METRICS_PORT: '' })).toBeUndefined();
    expect(metricsPort({ SETTLE_METRICS_PORT: '9464' })).toBe(9464);
    expect(metricsPort({ SETTLE_METRICS_PORT: ' 9464 ' })).toBe(9464);
    expect(metricsPort({ SETTLE_METRICS_PORT: '0' })).toBeUndefined();
    expect(metricsPort({ SETTLE_METRICS_PORT: '65536' })).toBeUndefined();
    expect(metricsPort({ SETTLE_METRICS_PORT: '94x' })).toBeUndefined();
  });
});
