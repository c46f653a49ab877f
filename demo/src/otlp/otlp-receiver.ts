// A tiny OTLP/HTTP receiver for the demo: the services export their spans to it (OTEL_EXPORTER_OTLP_ENDPOINT),
// it keeps them in memory, and the demo draws one payment's trace from them. JSON only (what the
// project's exporter, @opentelemetry/exporter-trace-otlp-http, sends), gzip or not; metrics and logs
// are acknowledged and dropped. Loopback only; a development tool, not a collector.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { type CollectedSpan, spansFromOtlpJson } from './otlp-spans';

/** Largest export request body accepted (the SDK's batches are far smaller). */
export const otlpBodyBytesMax = 8 * 1_048_576;
/** Most spans kept; older ones are dropped first (a long `--keep-running` session stays bounded). */
export const otlpSpansKeptMax = 200_000;

export interface OtlpReceiver {
  /** The base URL to give the services as OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  /** Every span received so far, oldest first. */
  spans(): readonly CollectedSpan[];
  /** The spans of one trace, by start time (the longer first on a tie). */
  trace(traceId: string): CollectedSpan[];
  /** Export requests that could not be read (not JSON, protobuf, too large). */
  readonly refused: () => number;
  close(): Promise<void>;
}

export async function startOtlpReceiver(
  options: { readonly host?: string; readonly port?: number } = {},
): Promise<OtlpReceiver> {
  const kept: CollectedSpan[] = [];
  let refused = 0;
  // Spans are kept before the answer goes out: an exporter's flush that resolved has its spans here.
  const keep = (spans: CollectedSpan[]) => {
    kept.push(...spans);
    if (kept.length > otlpSpansKeptMax) kept.splice(0, kept.length - otlpSpansKeptMax);
  };
  const server = createServer((request, response) => {
    void receive(request, response, keep).then(
      (read) => (refused += read ? 0 : 1),
      () => (refused += 1),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    spans: () => kept,
    // By start; of two starting together the longer first (a parent and the child it started at once).
    trace: (traceId) =>
      kept
        .filter((span) => span.traceId === traceId)
        .sort((left, right) => left.startMs - right.startMs || right.endMs - left.endMs),
    refused: () => refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Answers one request, keeping the spans it carried first; resolves false if it could not be read. */
async function receive(
  request: IncomingMessage,
  response: ServerResponse,
  keep: (spans: CollectedSpan[]) => void,
): Promise<boolean> {
  const path = (request.url ?? '').split('?')[0];
  if (request.method !== 'POST' || !path?.startsWith('/v1/')) {
    response.writeHead(404).end();
    return true;
  }
  const body = await readBody(request);
  if (body === null) {
    response.writeHead(413).end();
    return false;
  }
  if (path !== '/v1/traces') {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    return true;
  }
  if (!String(request.headers['content-type'] ?? '').includes('json')) {
    // Protobuf is not read here: the exporter in this project sends JSON.
    response
      .writeHead(415, { 'content-type': 'application/json' })
      .end('{"message":"send OTLP/HTTP JSON"}');
    return false;
  }
  try {
    const text = (
      request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body
    ).toString('utf8');
    keep(spansFromOtlpJson(JSON.parse(text)));
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    return true;
  } catch {
    response.writeHead(400).end();
    return false;
  }
}

function readBody(request: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > otlpBodyBytesMax) {
        request.destroy();
        resolve(null);
      } else chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () => resolve(Buffer.concat(chunks)));
  });
}
