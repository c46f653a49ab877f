import { createServer as createHttpServer, type Server, type ServerOptions } from 'node:http';
import {
  createServer as createHttpsServer,
  type ServerOptions as HttpsServerOptions,
} from 'node:https';
import { type NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';

/** How long each HTTP listener waits for slow clients, and how many connections it holds. */
export interface HttpServerLimits {
  /** SETTLE_HTTP_HEADERS_TIMEOUT_MS: headers not complete by then → 408 and the connection closed. */
  readonly headersTimeoutMs: number;
  /** SETTLE_HTTP_REQUEST_TIMEOUT_MS: body not complete by then → 408 and the connection closed. */
  readonly requestTimeoutMs: number;
  /** SETTLE_HTTP_CONNECTIONS_MAX: connections beyond it are closed as they are accepted. */
  readonly connectionsMax: number;
}

/**
 * Node checks the two timeouts above only every `connectionsCheckingInterval` (30 s by default),
 * which would let a 10 s timeout fire after 40 s. A quarter of the shorter timeout keeps the
 * overshoot small; the floor keeps the sweep over open connections cheap.
 */
const connectionsCheckingIntervalMsMin = 250;

/** The options every listener of a service is created with (main, admin). */
export function httpServerOptions(limits: HttpServerLimits): ServerOptions {
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    throw new Error('httpServerOptions: the headers timeout must not exceed the request timeout');
  const connectionsCheckingInterval = Math.max(
    connectionsCheckingIntervalMsMin,
    Math.floor(limits.headersTimeoutMs / 4),
  );
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval,
  };
}

/** An HTTP server for `handler` with the limits applied (the admin listener's); HTTPS with `tls`. */
export function createLimitedHttpServer(
  limits: HttpServerLimits,
  handler: Parameters<typeof createHttpServer>[1],
  tls?: HttpsServerOptions,
): Server {
  // https.createServer takes http.createServer's options in the same object.
  const server =
    tls === undefined
      ? createHttpServer(httpServerOptions(limits), handler)
      : createHttpsServer({ ...tls, ...httpServerOptions(limits) }, handler);
  server.maxConnections = limits.connectionsMax;
  return server;
}

/**
 * Nest's Express adapter, except that the server it creates has the limits: Nest's own calls
 * `http.createServer(app)` with Node's defaults (a 5 minute request timeout, no connection cap,
 * timeouts checked every 30 s), and those options can only be given at creation. Its answers carry
 * no ETag (see the constructor).
 */
export class LimitedExpressAdapter extends ExpressAdapter {
  constructor(private readonly limits: HttpServerLimits) {
    super();
    // Express hashes every answer (SHA-1) for an ETag, POST answers included, which can never be
    // revalidated: no client of these APIs sends If-None-Match, and a token or an upload receipt is
    // never the same twice. 60–130 µs of CPU per request under load (bench/results/token-issuer-profile.md).
    this.set('etag', false);
  }

  override initHttpServer(options: NestApplicationOptions): void {
    const serverOptions = httpServerOptions(this.limits);
    // https.createServer takes http.createServer's options in the same object.
    const server = options.httpsOptions
      ? createHttpsServer({ ...options.httpsOptions, ...serverOptions }, this.getInstance())
      : createHttpServer(serverOptions, this.getInstance());
    server.maxConnections = this.limits.connectionsMax;
    this.setHttpServer(server);
  }
}
