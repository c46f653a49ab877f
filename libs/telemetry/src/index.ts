export {
  InboxOutcome,
  MessagingOperationType,
  MessagingSystem,
  MetricAttribute,
  SpanAttribute,
  type SpanAttributeName,
} from './attributes';
export { installInMemoryMetrics, type InMemoryMetrics } from './in-memory-metrics';
export { installInMemorySpanExporter, type InMemorySpans } from './in-memory-spans';
export {
  MetricLabels,
  MetricName,
  MetricTally,
  settleInstruments,
  type SettleInstruments,
  settleMeterName,
  settleMetricViews,
  uploadToSettledBucketsSeconds,
} from './metrics';
export {
  metricsEndpointPath,
  metricsPort,
  shutdownTelemetry,
  startTelemetry,
  telemetryShutdownTimeoutMs,
  traceExporterKind,
  type StopTelemetry,
  type TelemetryOptions,
  type TraceExporterKind,
} from './start-telemetry';
export { activeTraceId, annotateActiveSpan } from './trace-context';
