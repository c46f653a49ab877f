// Spans as an OTLP/HTTP JSON export carries them (ExportTraceServiceRequest, proto3 JSON mapping: ids
// as hex strings, times as decimal strings of nanoseconds), read into a flat, small shape.

/** One span as the demo keeps it. */
export interface CollectedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly service: string;
  readonly name: string;
  /** SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer (0 unspecified). */
  readonly kind: number;
  /** Milliseconds since the epoch, with sub-millisecond precision. */
  readonly startMs: number;
  readonly endMs: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A nanosecond timestamp (decimal string, number, or protobuf-JS long bits) as epoch milliseconds. */
export function nanosToMs(value: unknown): number {
  if (typeof value === 'string' && /^\d+$/.test(value))
    return Number(BigInt(value) / 1_000n) / 1_000;
  if (typeof value === 'number') return value / 1e6;
  if (isObject(value) && typeof value['low'] === 'number' && typeof value['high'] === 'number') {
    return (
      Number(((BigInt(value['high'] >>> 0) << 32n) | BigInt(value['low'] >>> 0)) / 1_000n) / 1_000
    );
  }
  return Number.NaN;
}

/** An OTLP AnyValue as a scalar (arrays and maps as JSON text). */
function scalarOf(value: unknown): string | number | boolean {
  if (!isObject(value)) return '';
  if (typeof value['stringValue'] === 'string') return value['stringValue'];
  if (typeof value['boolValue'] === 'boolean') return value['boolValue'];
  if (value['intValue'] !== undefined) return Number(value['intValue']);
  if (typeof value['doubleValue'] === 'number') return value['doubleValue'];
  return JSON.stringify(value['arrayValue'] ?? value['kvlistValue'] ?? null);
}

function attributesOf(list: unknown): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {};
  for (const entry of arrayOf(list))
    if (isObject(entry) && typeof entry['key'] === 'string')
      attributes[entry['key']] = scalarOf(entry['value']);
  return attributes;
}

/** A span id as hex: OTLP JSON sends hex; a base64 id (proto3's bytes mapping, from other exporters) is converted. */
function hexId(value: unknown, length: number): string | null {
  if (typeof value !== 'string' || value === '') return null;
  if (new RegExp(`^[0-9a-f]{${length}}$`, 'i').test(value)) return value.toLowerCase();
  const bytes = Buffer.from(value, 'base64');
  return bytes.length * 2 === length ? bytes.toString('hex') : null;
}

/** Every well-formed span of one export request; malformed entries are skipped, never thrown. */
export function spansFromOtlpJson(body: unknown): CollectedSpan[] {
  const spans: CollectedSpan[] = [];
  for (const resourceSpans of arrayOf(isObject(body) ? body['resourceSpans'] : undefined)) {
    if (!isObject(resourceSpans)) continue;
    const resource = attributesOf(
      isObject(resourceSpans['resource']) ? resourceSpans['resource']['attributes'] : undefined,
    );
    const service = String(resource['service.name'] ?? 'unknown');
    for (const scopeSpans of arrayOf(resourceSpans['scopeSpans'])) {
      if (!isObject(scopeSpans)) continue;
      for (const span of arrayOf(scopeSpans['spans'])) {
        if (!isObject(span)) continue;
        const traceId = hexId(span['traceId'], 32);
        const spanId = hexId(span['spanId'], 16);
        const startMs = nanosToMs(span['startTimeUnixNano']);
        const endMs = nanosToMs(span['endTimeUnixNano']);
        if (
          traceId === null ||
          spanId === null ||
          !Number.isFinite(startMs) ||
          !Number.isFinite(endMs)
        )
          continue;
        spans.push({
          traceId,
          spanId,
          parentSpanId: hexId(span['parentSpanId'], 16),
          service,
          name: typeof span['name'] === 'string' ? span['name'] : '(unnamed)',
          kind: typeof span['kind'] === 'number' ? span['kind'] : 0,
          startMs,
          endMs,
          attributes: attributesOf(span['attributes']),
          statusCode:
            isObject(span['status']) && typeof span['status']['code'] === 'number'
              ? span['status']['code']
              : 0,
        });
      }
    }
  }
  return spans;
}
