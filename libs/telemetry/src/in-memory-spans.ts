import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/** What {@link installInMemorySpanExporter} hands a test. */
export interface InMemorySpans {
  readonly exporter: InMemorySpanExporter;
  /** Every span ended since the last {@link InMemorySpans.reset}. */
  finishedSpans(): ReadableSpan[];
  /** The ended spans with this name. */
  spansNamed(name: string): ReadableSpan[];
  reset(): void;
  /** Unregisters the provider, context manager and propagator so the next test starts clean. */
  uninstall(): Promise<void>;
}

/**
 * For integration tests: registers a global tracer provider whose spans are kept in memory (a
 * `SimpleSpanProcessor`, so a span is visible as soon as it ends), with the AsyncLocalStorage
 * context manager and the W3C trace-context propagator, so spans made through `@opentelemetry/api`
 * — and `traceparent` headers injected into Kafka messages — can be asserted.
 *
 * Jest gives each test file its own global object, so install once per file (in `beforeAll`) and
 * `uninstall()` in `afterAll`.
 *
 * @example
 * const spans = installInMemorySpanExporter();
 * // ... run the code under test ...
 * expect(spans.spansNamed('payments.verified.v1 process')[0]?.attributes[SpanAttribute.settleEventType])
 *   .toBe('payment.verified');
 * await spans.uninstall();
 */
export function installInMemorySpanExporter(): InMemorySpans {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return {
    exporter,
    finishedSpans: () => exporter.getFinishedSpans(),
    spansNamed: (name) => exporter.getFinishedSpans().filter((span) => span.name === name),
    reset: () => exporter.reset(),
    uninstall: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
