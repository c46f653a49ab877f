import { gzipSync } from 'node:zlib';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { type OtlpReceiver, startOtlpReceiver } from './otlp-receiver';
import { nanosToMs, spansFromOtlpJson } from './otlp-spans';

describe('the demo OTLP/HTTP receiver', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  // The body is made by the serializer the OTLP/HTTP exporter uses (the exporter itself loads its
  // transport with a dynamic import, which Jest's VM refuses).
  it('keeps the spans the project’s OTLP/HTTP JSON exporter sends, with parents, services and times', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'verifier' }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer('demo-test');
    const parent = tracer.startSpan('POST /v1/uploads', {
      kind: SpanKind.SERVER,
      attributes: { 'http.route': '/v1/uploads', 'settle.batch_size': 3 },
    });
    const child = tracer.startSpan(
      'payments.uploaded.v1 process',
      { kind: SpanKind.CONSUMER },
      trace.setSpan(context.active(), parent),
    );
    child.end();
    parent.end();
    const body = JsonTraceSerializer.serializeRequest(memory.getFinishedSpans());
    const answer = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body!,
    });
    expect(answer.status).toBe(200);
    await provider.shutdown();

    const traceId = parent.spanContext().traceId;
    const received = receiver.trace(traceId);
    expect(
      received.map(({ name, service, parentSpanId, kind }) => ({
        name,
        service,
        parentSpanId,
        kind,
      })),
    ).toEqual([
      // OTLP numbers kinds one above the API: 2 server, 5 consumer.
      { name: 'POST /v1/uploads', service: 'verifier', parentSpanId: null, kind: 2 },
      {
        name: 'payments.uploaded.v1 process',
        service: 'verifier',
        parentSpanId: parent.spanContext().spanId,
        kind: 5,
      },
    ]);
    expect(received[0]!.attributes).toMatchObject({
      'http.route': '/v1/uploads',
      'settle.batch_size': 3,
    });
    expect(Math.abs(received[0]!.startMs - Date.now())).toBeLessThan(60_000);
    expect(received[0]!.endMs).toBeGreaterThanOrEqual(received[0]!.startMs);
  });

  it('reads gzip bodies, acknowledges metrics without keeping them, and refuses protobuf', async () => {
    const before = receiver.spans().length;
    const span = {
      traceId: 'ab'.repeat(16),
      spanId: 'cd'.repeat(8),
      name: 'zipped',
      kind: 2,
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000000250000000',
    };
    const body = gzipSync(
      JSON.stringify({
        resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [span] }] }],
      }),
    );
    const zipped = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    });
    const metrics = await fetch(`${receiver.url}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceMetrics":[]}',
    });
    const protobuf = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([1, 2, 3]),
    });
    expect([zipped.status, metrics.status, protobuf.status]).toEqual([200, 200, 415]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(
      receiver
        .spans()
        .slice(before)
        .map(({ name, service, startMs, endMs }) => ({ name, service, startMs, endMs })),
    ).toEqual([
      { name: 'zipped', service: 'unknown', startMs: 1_700_000_000_000, endMs: 1_700_000_000_250 },
    ]);
    expect(receiver.refused()).toBe(1);
  });
});

describe('spansFromOtlpJson', () => {
  it('skips malformed spans instead of throwing', () => {
    const good = {
      traceId: '0'.repeat(31) + '1',
      spanId: '0'.repeat(15) + '2',
      name: 'ok',
      startTimeUnixNano: '1',
      endTimeUnixNano: '2',
    };
    const body = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                good,
                { ...good, traceId: 'xyz' },
                { ...good, startTimeUnixNano: 'soon' },
                null,
              ],
            },
          ],
        },
        'junk',
      ],
    };
    expect(spansFromOtlpJson(body).map((span) => span.name)).toEqual(['ok']);
    expect(spansFromOtlpJson('not an export')).toEqual([]);
  });

  it('reads base64 ids and long-bits times', () => {
    const [span] = spansFromOtlpJson({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: Buffer.alloc(16, 1).toString('base64'),
                  spanId: Buffer.alloc(8, 2).toString('base64'),
                  startTimeUnixNano: { low: 1_000_000, high: 0 },
                  endTimeUnixNano: 3_000_000,
                },
              ],
            },
          ],
        },
      ],
    });
    expect(span).toMatchObject({
      traceId: '01'.repeat(16),
      spanId: '02'.repeat(8),
      startMs: 1,
      endMs: 3,
    });
    expect(nanosToMs('1500000')).toBe(1.5);
  });
});
