export { MessagingOperationType, MessagingSystem, SpanAttribute, type SpanAttributeName } from './attributes';
export { installInMemorySpanExporter, type InMemorySpans } from './in-memory-spans';
export {
  shutdownTelemetry,
  startTelemetry,
  telemetryShutdownTimeoutMs,
  traceExporterKind,
  type StopTelemetry,
  type TelemetryOptions,
  type TraceExporterKind,
} from './start-telemetry';
export { activeTraceId } from './trace-context';
