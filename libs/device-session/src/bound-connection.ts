import {
  Agent,
  type ClientRequestArgs,
  type IncomingHttpHeaders,
  request as httpRequest,
} from 'node:http';
import { type Duplex } from 'node:stream';
import {
  type SecureContext,
  type TLSSocket,
  connect as tlsConnect,
  createSecureContext,
} from 'node:tls';
import { type JwkInput } from '@settle/crypto';
import {
  type TokenBindingSigner,
  createTokenBindingMessage,
  exportTokenBindingKeyingMaterial,
} from '@settle/token-binding';
import { DeviceSessionError } from './errors';

/** A handshake that has not finished after this long fails the connection. */
export const tlsHandshakeTimeoutMs = 10_000;
/** A request whose answer has not arrived after this long fails. */
export const requestTimeoutMs = 30_000;
/** Largest response body read. */
export const responseSizeMaxBytes = 1_048_576;

/**
 * Where the device connects: the service's host and port, and the CA it trusts (the development CA
 * from `scripts/dev-pki.mjs`, or none for the system store).
 *
 * @example
 * ```ts
 * const endpoint: TlsEndpoint = { host: '127.0.0.1', port: 3004, servername: 'localhost', ca: readFileSync('.cache/dev-pki/ca.crt') };
 * ```
 */
export interface TlsEndpoint {
  readonly host: string;
  readonly port: number;
  /** SNI and certificate name; defaults to `host`. */
  readonly servername?: string;
  readonly ca?: string | Buffer;
}

/**
 * An HTTP answer, body read.
 *
 * @example
 * ```ts
 * const { status, body } = await connection.request({ method: 'GET', path: '/.well-known/jwks.json' });
 * ```
 */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * One request of {@link BoundConnection.request}.
 *
 * @example
 * ```ts
 * const outgoing: OutgoingRequest = { method: 'POST', path: '/v1/sessions', headers: { 'sec-token-binding': header }, json: { bindingKeyId } };
 * ```
 */
export interface OutgoingRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON body (sent as `application/json`); set this or `body`, not both. */
  readonly json?: unknown;
  /** A binary body with its media type (e.g. an upload batch as `application/cbor`). */
  readonly body?: BinaryBody;
}

/**
 * A request body sent exactly as given, with its `Content-Type`.
 *
 * @example
 * ```ts
 * const body: BinaryBody = { contentType: 'application/cbor', bytes: encodeCborDeterministic([transactionBytes]) };
 * ```
 */
export interface BinaryBody {
  readonly contentType: string;
  readonly bytes: Uint8Array;
}

function bodyOf(
  outgoing: OutgoingRequest,
): { readonly contentType: string; readonly bytes: Buffer } | undefined {
  if (outgoing.json !== undefined && outgoing.body !== undefined)
    throw new TypeError('a request has a JSON body or a binary body, not both');
  if (outgoing.json !== undefined)
    return {
      contentType: 'application/json',
      bytes: Buffer.from(JSON.stringify(outgoing.json), 'utf8'),
    };
  if (outgoing.body !== undefined)
    return {
      contentType: outgoing.body.contentType,
      bytes: Buffer.from(
        outgoing.body.bytes.buffer,
        outgoing.body.bytes.byteOffset,
        outgoing.body.bytes.byteLength,
      ),
    };
  return undefined;
}

/** An HTTP agent that only ever uses the one socket it was given, kept alive between requests. */
class SingleSocketAgent extends Agent {
  private handedOut = false;

  constructor(private readonly socket: TLSSocket) {
    super({ keepAlive: true, maxSockets: 1 });
  }

  override createConnection(
    _options: ClientRequestArgs,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    // The EKM (and so every binding made for this connection) belongs to this socket: never open another.
    if (this.handedOut || this.socket.destroyed) {
      callback?.(
        new DeviceSessionError(
          'ERR_CONNECTION_FAILED',
          'the bound connection is closed; open a new one',
          { retriable: true },
        ),
        this.socket,
      );
      return undefined;
    }
    this.handedOut = true;
    return this.socket;
  }
}

/**
 * One TLS 1.3 connection of the device with its keying material (EKM, RFC 5705 exporter) and the
 * TokenBindingMessage made for it. Every request sent through it goes out on this very socket, so
 * the server verifies the binding against the same EKM.
 *
 * @example
 * ```ts
 * const connection = await BoundConnection.open(endpoint, createTokenBindingSigner(bindingPrivateJwk, 'native'));
 * const answer = await connection.request({ method: 'POST', path: '/v1/sessions', headers: { 'sec-token-binding': connection.tokenBindingHeader }, json: { bindingKeyId } });
 * connection.close();
 * ```
 */
export class BoundConnection {
  private readonly agent: SingleSocketAgent;

  private constructor(
    readonly socket: TLSSocket,
    readonly ekm: Uint8Array,
    /** The `Sec-Token-Binding` value for requests on this connection (signed over its EKM). */
    readonly tokenBindingHeader: string,
    private readonly endpoint: TlsEndpoint,
  ) {
    this.agent = new SingleSocketAgent(socket);
  }

  /**
   * Connects (TLS 1.3 only), waits for the handshake, exports the EKM and signs the binding with the
   * key: a signer prepared once (`createTokenBindingSigner`, as a device holds its keystore handle), or
   * a private JWK imported for this one connection.
   */
  static async open(
    endpoint: TlsEndpoint,
    bindingKey: TokenBindingSigner | JwkInput,
  ): Promise<BoundConnection> {
    const socket = await connectTls13(endpoint);
    const ekm = exportTokenBindingKeyingMaterial(socket);
    const { header } = createTokenBindingMessage(
      isTokenBindingSigner(bindingKey)
        ? { signer: bindingKey, ekm }
        : { privateJwk: bindingKey, ekm, backend: 'native' },
    );
    return new BoundConnection(socket, ekm, header, endpoint);
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  /** Sends one request over this connection and reads the whole answer. */
  request(outgoing: OutgoingRequest): Promise<HttpAnswer> {
    let body: ReturnType<typeof bodyOf>;
    try {
      body = bodyOf(outgoing);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const headers: Record<string, string> = {
      host: `${this.endpoint.servername ?? this.endpoint.host}:${this.endpoint.port}`,
      ...outgoing.headers,
    };
    if (body !== undefined)
      Object.assign(headers, {
        'content-type': body.contentType,
        'content-length': String(body.bytes.length),
      });
    return new Promise<HttpAnswer>((resolve, reject) => {
      const sent = httpRequest({
        agent: this.agent,
        host: this.endpoint.host,
        port: this.endpoint.port,
        method: outgoing.method,
        path: outgoing.path,
        headers,
        timeout: requestTimeoutMs,
      });
      sent.on('timeout', () =>
        sent.destroy(
          new DeviceSessionError(
            'ERR_CONNECTION_FAILED',
            `no answer within ${requestTimeoutMs} ms`,
            { retriable: true },
          ),
        ),
      );
      sent.on('error', (error) =>
        reject(
          error instanceof DeviceSessionError
            ? error
            : new DeviceSessionError('ERR_CONNECTION_FAILED', error.message, {
                retriable: true,
                cause: error,
              }),
        ),
      );
      sent.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > responseSizeMaxBytes)
            response.destroy(
              new DeviceSessionError(
                'ERR_RESPONSE_INVALID',
                `answer larger than ${responseSizeMaxBytes} bytes`,
                { retriable: false },
              ),
            );
          else chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      sent.end(body?.bytes);
    });
  }

  close(): void {
    this.agent.destroy();
    this.socket.destroy();
  }
}

function isTokenBindingSigner(key: TokenBindingSigner | JwkInput): key is TokenBindingSigner {
  return typeof key['sign'] === 'function';
}

/** One TLS context per endpoint: building it (parsing the CA) per connection cost more than the handshake. */
const secureContexts = new WeakMap<TlsEndpoint, SecureContext>();

function secureContextOf(endpoint: TlsEndpoint): SecureContext {
  let context = secureContexts.get(endpoint);
  if (context === undefined) {
    context = createSecureContext({
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      ...(endpoint.ca === undefined ? {} : { ca: endpoint.ca }),
    });
    secureContexts.set(endpoint, context);
  }
  return context;
}

/**
 * A TLS 1.3 client socket whose handshake has finished (the EKM exists only then).
 *
 * @example
 * ```ts
 * const socket = await connectTls13({ host: '127.0.0.1', port: 3004, servername: 'localhost', ca });
 * ```
 */
export function connectTls13(endpoint: TlsEndpoint): Promise<TLSSocket> {
  return new Promise<TLSSocket>((resolve, reject) => {
    const socket = tlsConnect({
      host: endpoint.host,
      port: endpoint.port,
      servername: endpoint.servername ?? endpoint.host,
      secureContext: secureContextOf(endpoint),
      ALPNProtocols: ['http/1.1'],
    });
    // Small requests go out at once (Nagle would hold the body back until the headers are acknowledged).
    socket.setNoDelay(true);
    const timer = setTimeout(
      () =>
        socket.destroy(new Error(`TLS handshake not finished within ${tlsHandshakeTimeoutMs} ms`)),
      tlsHandshakeTimeoutMs,
    );
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeListener('error', fail);
      // Errors after the handshake surface on the request using the socket.
      socket.on('error', () => undefined);
      if (socket.getProtocol() !== 'TLSv1.3') {
        socket.destroy();
        reject(
          new DeviceSessionError(
            'ERR_TLS_VERSION',
            `negotiated ${String(socket.getProtocol())}, need TLSv1.3`,
            { retriable: false },
          ),
        );
        return;
      }
      resolve(socket);
    });
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(
        new DeviceSessionError(
          'ERR_CONNECTION_FAILED',
          `TLS connection to ${endpoint.host}:${endpoint.port} failed: ${error.message}`,
          { retriable: true, cause: error },
        ),
      );
    };
    socket.once('error', fail);
  });
}
