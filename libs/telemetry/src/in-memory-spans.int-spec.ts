// The test helper other integration tests use to assert spans: spans made through the API are
// captured with their attributes, and trace context propagates as a W3C traceparent.
import { context, propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { MessagingSystem, SpanAttribute } from './attributes';
import { installInMemorySpanExporter, type InMemorySpans } from './in-memory-spans';
import { activeTraceId } from './trace-context';

describe('installInMemorySpanExporter', () => {
  let spans: InMemorySpans;

  beforeAll(() => {
    spans = installInMemorySpanExporter();
  });

  afterAll(async () => {
    await spans.uninstall();
  });

  it('captures ended spans with their attributes, and exposes the active trace id', () => {
    const tracer = trace.getTracer('test');
    let traceIdInside: string | undefined;
    tracer.startActiveSpan('payments.verified.v1 process', (span) => {
      span.setAttributes({
        [SpanAttribute.messagingSystem]: MessagingSystem.kafka,
        [SpanAttribute.settleEventType]: 'payment.verified',
      });
      traceIdInside = activeTraceId();
      span.setStatus({ code: SpanStatusCode.OK });
      span.end();
    });
    const [captured] = spans.spansNamed('payments.verified.v1 process');
    expect(captured?.attributes).toEqual({
      'messaging.system': 'kafka',
      'settle.event.type': 'payment.verified',
    });
    expect(traceIdInside).toBe(captured?.spanContext().traceId);
    expect(activeTraceId()).toBeUndefined();
  });

  it('propagates trace context as a W3C traceparent header', () => {
    const span = trace.getTracer('test').startSpan('outbox relay');
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    span.end();
    expect(carrier.traceparent).toBe(
      `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
    );
    spans.reset();
    expect(spans.finishedSpans()).toEqual([]);
  });
});
