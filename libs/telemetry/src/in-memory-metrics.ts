import { metrics } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { settleMetricViews } from './metrics';

/** What {@link installInMemoryMetrics} hands a test. */
export interface InMemoryMetrics {
  /** The Prometheus text a scrape of `/metrics` would answer now (the services' views applied). */
  scrape(): Promise<string>;
  /** Unregisters the meter provider so the next test starts clean. */
  uninstall(): Promise<void>;
}

/**
 * For tests: registers a global meter provider with the project's views and a Prometheus reader that
 * serves no port, so what adapters record through `settleInstruments()` can be asserted as it would be
 * scraped. Install it before the code under test makes its instruments (they bind to the provider
 * registered then); `uninstall()` in `afterAll`.
 *
 * @example
 * const recorded = installInMemoryMetrics();
 * // ... run the code under test ...
 * expect(await recorded.scrape()).toMatch(/^settle_dead_letters_total\{service="ledger",reason="HANDLER_FAILED"\} 1$/m);
 */
export function installInMemoryMetrics(): InMemoryMetrics {
  const reader = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [reader], views: [...settleMetricViews] });
  metrics.setGlobalMeterProvider(provider);
  const serializer = new PrometheusSerializer();
  return {
    scrape: async () => serializer.serialize((await reader.collect()).resourceMetrics),
    uninstall: async () => {
      await provider.shutdown();
      metrics.disable();
    },
  };
}
