import { context, propagation, type Context } from '@opentelemetry/api';
import type { MessageHeaders } from './kafka/kafka-port';

/** W3C trace context (traceparent, tracestate) of the active span, as Kafka headers. */
export function currentTraceHeaders(): MessageHeaders {
  const headers: MessageHeaders = {};
  propagation.inject(context.active(), headers);
  return headers;
}

/** The context a message's headers carry, to continue its trace in the consumer. */
export function contextFromHeaders(headers: MessageHeaders): Context {
  return propagation.extract(context.active(), headers);
}
