import { type Context, context, createContextKey, propagation } from '@opentelemetry/api';
import type { MessageHeaders } from './kafka/kafka-port';

/** W3C trace context (traceparent, tracestate) of the active span, as Kafka headers. */
export function currentTraceHeaders(): MessageHeaders {
  return traceHeadersOf(context.active());
}

/** W3C trace context of `of`, as Kafka headers (empty outside a trace). */
export function traceHeadersOf(of: Context): MessageHeaders {
  const headers: MessageHeaders = {};
  propagation.inject(of, headers);
  return headers;
}

/** The context a message's headers carry, to continue its trace in the consumer. */
export function contextFromHeaders(headers: MessageHeaders): Context {
  return propagation.extract(context.active(), headers);
}

/**
 * Set by the inbox consumer while a handler runs: each consumed event's id → the context of its
 * `process` span. A batch handler applies events of many traces in one transaction and appends the
 * events they cause in one call; the outbox looks each new event's `causationId` up here, so the
 * event continues the trace of the event that caused it, not whichever span happens to be active.
 */
const consumedEventContextsKey = createContextKey('settle.messaging.consumed-event-contexts');

/** Runs `work` in `parent` with the consumed events' contexts available to {@link consumedEventContexts}. */
export function withConsumedEventContexts<T>(
  parent: Context,
  contexts: ReadonlyMap<string, Context>,
  work: () => T,
): T {
  return context.with(parent.setValue(consumedEventContextsKey, contexts), work);
}

/** The contexts of the events being handled (event id → context), or `undefined` outside a handler. */
export function consumedEventContexts(): ReadonlyMap<string, Context> | undefined {
  return context.active().getValue(consumedEventContextsKey) as
    ReadonlyMap<string, Context> | undefined;
}
