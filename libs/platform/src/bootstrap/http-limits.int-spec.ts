// The service shell's HTTP server against hostile clients, on raw sockets where fetch would be too
// polite: bodies that do not inflate by their Content-Encoding, an announced Content-Length over the
// limit, headers and bodies trickled in, more connections than the cap (issue 13 §3).
import { connect, type Socket } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { startTestService, type TestService } from '../testing';
import { commonConfig } from '../config/service-config';
import { httpJsonBodyLimitBytes } from '../http/body-limits';
import { type ServiceDefinition } from './bootstrap-service';

@Controller()
class LimitsTestController {
  @Post('orders')
  @HttpCode(202)
  order(@Body() body: unknown): { received: unknown } {
    return { received: body };
  }
}

@Module({ controllers: [LimitsTestController] })
class LimitsTestModule {}

const definition: ServiceDefinition = {
  name: 'ledger',
  module: LimitsTestModule,
  config: commonConfig('ledger'),
  migrationSources: [],
};

const headersTimeoutMs = 1_000;
const requestTimeoutMs = 2_000;
const connectionsMax = 3;
/** Node checks the timeouts every quarter of the headers timeout (at least 250 ms); room for a slow CI. */
const timeoutSlackMs = 1_500;

/** A raw client: what it received, and when the server closed the connection. */
interface RawConnection {
  readonly socket: Socket;
  readonly received: () => string;
  readonly closed: Promise<number>;
}

function openRaw(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    const closed = new Promise<number>((done) =>
      socket.once('close', () => done(performance.now())),
    );
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
    socket.once('error', reject);
  });
}

async function postEncoded(url: string, encoding: string, body: Uint8Array): Promise<Response> {
  return fetch(`${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': encoding },
    body,
  });
}

describe('HTTP server limits', () => {
  let test: TestService<typeof definition.config>;

  beforeAll(async () => {
    test = await startTestService(definition, {
      env: {
        SETTLE_HTTP_HEADERS_TIMEOUT_MS: String(headersTimeoutMs),
        SETTLE_HTTP_REQUEST_TIMEOUT_MS: String(requestTimeoutMs),
        SETTLE_HTTP_CONNECTIONS_MAX: String(connectionsMax),
      },
    });
  });

  afterAll(async () => {
    await test?.stop();
  });

  describe('Content-Encoding', () => {
    it.each(['gzip', 'deflate', 'br'])(
      'answers a body that is not valid %s with a 400 problem, on a route and off any route',
      async (encoding) => {
        for (const path of ['/orders', '/no/such/route']) {
          const response = await postEncoded(
            `${test.url}${path}`,
            encoding,
            Buffer.from('{"amount":"12"} — not compressed'),
          );
          expect(response.status).toBe(400);
          expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(await response.json()).toMatchObject({
            code: 'MALFORMED_CONTENT_ENCODING',
            errors: [{ field: 'body', code: 'INVALID_FORMAT' }],
          });
        }
      },
    );

    it('answers an encoding it does not support with a 415 problem', async () => {
      const response = await postEncoded(`${test.url}/orders`, 'compress', Buffer.from('{}'));
      expect(response.status).toBe(415);
      expect(await response.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    });

    it('still reads validly compressed bodies', async () => {
      const json = Buffer.from('{"amount":"12"}');
      for (const [encoding, body] of [
        ['gzip', gzipSync(json)],
        ['deflate', deflateSync(json)],
        ['br', brotliCompressSync(json)],
      ] as const) {
        const response = await postEncoded(`${test.url}/orders`, encoding, body);
        expect(response.status).toBe(202);
        expect(await response.json()).toEqual({ received: { amount: '12' } });
      }
    });
  });

  it('refuses an announced Content-Length over the limit at once, without reading the body, and closes the connection', async () => {
    const client = await openRaw(test.url);
    const started = performance.now();
    const announcedBytes = 100 * httpJsonBodyLimitBytes;
    client.socket.write(
      `POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${announcedBytes}\r\n\r\n{"amount":`,
    );
    const closedAt = await client.closed;
    expect(closedAt - started).toBeLessThan(headersTimeoutMs);
    const [head, body] = client.received().split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 413 /);
    expect(head).toMatch(/\r\nconnection: close/i);
    expect(JSON.parse(body ?? '')).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      detail: `The request body is larger than ${httpJsonBodyLimitBytes} bytes.`,
    });
  });

  it('refuses an announced Content-Length over the largest limit for media types no parser reads', async () => {
    const response = await fetch(`${test.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x'.repeat(httpJsonBodyLimitBytes + 1),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers 408 and closes a connection whose headers trickle in', async () => {
    const client = await openRaw(test.url);
    const started = performance.now();
    client.socket.write('POST /orders HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => client.socket.write('X-Slow: 1\r\n'), 200);
    try {
      const closedAt = await client.closed;
      expect(closedAt - started).toBeLessThan(headersTimeoutMs + timeoutSlackMs);
    } finally {
      clearInterval(trickle);
    }
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers 408 and closes a connection whose body trickles in', async () => {
    const client = await openRaw(test.url);
    const started = performance.now();
    client.socket.write(
      'POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    const trickle = setInterval(() => client.socket.write(' '), 200);
    try {
      const closedAt = await client.closed;
      expect(closedAt - started).toBeLessThan(requestTimeoutMs + timeoutSlackMs);
      expect(closedAt - started).toBeGreaterThanOrEqual(requestTimeoutMs - 50);
    } finally {
      clearInterval(trickle);
    }
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it(`holds at most ${connectionsMax} connections; further ones are closed as they arrive`, async () => {
    const held = await Promise.all(Array.from({ length: connectionsMax }, () => openRaw(test.url)));
    // The server counts a connection once it accepted it; a request answered proves that.
    for (const client of held) client.socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(held.map((client) => client.received())).toEqual(
      held.map(() => expect.stringMatching(/^HTTP\/1\.1 200 /)),
    );

    const extra = await openRaw(test.url);
    extra.socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    await extra.closed;
    expect(extra.received()).toBe('');

    for (const client of held) client.socket.destroy();
    await Promise.all(held.map((client) => client.closed));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await fetch(`${test.url}/health/live`)).status).toBe(200);
  });
});
