import { type Attributes, isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * The trace id of the active span, or `undefined` outside a trace (or when no SDK is running).
 * Logs and the admin audit log record it so one can jump from a log line to the trace.
 */
export function activeTraceId(): string | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/**
 * Adds attributes to the active span (an adapter naming what a request was about: the upload batch,
 * the transaction); does nothing outside a trace. Names come from {@link SpanAttribute}.
 */
export function annotateActiveSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}
