// Test support: real TLS 1.3 on 127.0.0.1 with a throwaway self-signed certificate (made with the
// openssl command line, as libs/token-binding's fixture does), and an HTTPS client that signs an
// RFC 8471 binding over each connection's EKM before the request's headers leave.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import { Agent, type Server, createServer, request as httpsRequest } from 'node:https';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TLSSocket } from 'node:tls';
import { authHeaders } from '@settle/contracts';
import { createTokenBindingMessage, exportTokenBindingKeyingMaterial } from '@settle/token-binding';
import { type TestBindingKey } from './test-token-issuer';

/**
 * PEM key and certificate for CN=localhost (SAN localhost, 127.0.0.1), P-256, valid one day.
 *
 * @example
 * const { key, cert } = makeSelfSignedCertificate();
 */
export function makeSelfSignedCertificate(): { key: string; cert: string } {
  const directory = mkdtempSync(join(tmpdir(), 'settle-resource-guard-'));
  try {
    const key = join(directory, 'key.pem');
    const cert = join(directory, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'pipe' },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** An HTTPS server (TLS 1.3 only) on a free port of 127.0.0.1. */
export interface TlsTestServer {
  readonly port: number;
  /** The certificate clients trust (`ca`). */
  readonly cert: string;
  /** TLS connections accepted so far (handshakes). */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Serves `handler` over TLS 1.3 with a fresh self-signed certificate; or pass `certificate` and use
 * the returned options for another server (e.g. Nest's `httpsOptions`).
 *
 * @example
 * const server = await createTlsTestServer((request, response) => response.end('ok'));
 * await sendBoundRequest({ server, path: '/' });
 */
export async function createTlsTestServer(
  handler: RequestListener,
  certificate = makeSelfSignedCertificate(),
): Promise<TlsTestServer> {
  let connections = 0;
  const server: Server = createServer(
    { ...tlsServerOptions(certificate), keepAliveTimeout: 30_000 },
    handler,
  );
  server.on('secureConnection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    cert: certificate.cert,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Server options for TLS 1.3 only (token binding refuses TLS 1.2).
 *
 * @example
 * NestFactory.create(AppModule, { httpsOptions: tlsServerOptions(makeSelfSignedCertificate()) });
 */
export function tlsServerOptions(certificate: { key: string; cert: string }) {
  return {
    key: certificate.key,
    cert: certificate.cert,
    minVersion: 'TLSv1.3',
    maxVersion: 'TLSv1.3',
  } as const;
}

/**
 * A keep-alive agent holding one connection: requests sent through it share a TLS connection.
 *
 * @example
 * const agent = keptAliveAgent(); await sendBoundRequest({ server, agent, … }); agent.destroy();
 */
export function keptAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1 });
}

/** Client sockets whose handshake finished (a kept-alive agent hands them out again). */
const securedSockets = new WeakSet<TLSSocket>();

export interface BoundRequestInput {
  readonly server: { readonly port: number; readonly cert: string };
  readonly path: string;
  readonly method?: string;
  /** Default: a new connection for this request alone. */
  readonly agent?: Agent;
  /** Sent as `Authorization: Bearer <token>` (or with `scheme`). */
  readonly accessToken?: string;
  readonly scheme?: string;
  /**
   * Signs `Sec-Token-Binding` over this request's connection with this key; or a function of the
   * connection's EKM returning the header to send (e.g. one made for another connection).
   */
  readonly binding?: TestBindingKey | ((ekm: Uint8Array) => string | undefined);
  readonly headers?: Readonly<Record<string, string>>;
  /** A string is sent as UTF-8 (content type JSON unless told); bytes as they are (say the content type). */
  readonly body?: string | Uint8Array;
}

export interface BoundResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The client port of the connection used: equal ports, same connection. */
  readonly clientPort: number;
  /** The connection's EKM as the client computed it. */
  readonly ekm: Uint8Array;
}

/**
 * Sends one HTTPS request; once its connection's handshake is done (or at once on a reused
 * connection) it computes the EKM and adds the binding header, then sends the headers.
 *
 * @example
 * const response = await sendBoundRequest({ server, path: '/me', accessToken: token, binding: deviceKey });
 */
export function sendBoundRequest(input: BoundRequestInput): Promise<BoundResponse> {
  return new Promise<BoundResponse>((resolve, reject) => {
    const headers: Record<string, string> = { ...input.headers };
    if (input.accessToken !== undefined)
      headers[authHeaders.authorization] = `${input.scheme ?? 'Bearer'} ${input.accessToken}`;
    if (input.body !== undefined) headers['content-type'] ??= 'application/json';
    const request = httpsRequest({
      host: '127.0.0.1',
      port: input.server.port,
      servername: 'localhost',
      ca: input.server.cert,
      minVersion: 'TLSv1.3',
      method: input.method ?? 'GET',
      path: input.path,
      headers,
      agent: input.agent ?? false,
    });
    let ekm: Uint8Array = new Uint8Array();
    let clientPort = 0;
    request.once('error', reject);
    request.once('socket', (rawSocket) => {
      const socket = rawSocket as TLSSocket;
      const send = () => {
        try {
          clientPort = socket.localPort!;
          ekm = exportTokenBindingKeyingMaterial(socket);
          const header =
            typeof input.binding === 'function'
              ? input.binding(ekm)
              : input.binding !== undefined
                ? createTokenBindingMessage({
                    privateJwk: input.binding.privateJwk,
                    ekm,
                    backend: 'native',
                  }).header
                : undefined;
          if (header !== undefined) request.setHeader(authHeaders.tokenBinding, header);
          request.end(input.body);
        } catch (error) {
          request.destroy(error as Error);
        }
      };
      if (securedSockets.has(socket)) return send();
      socket.once('secureConnect', () => {
        securedSockets.add(socket);
        send();
      });
    });
    request.once('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          clientPort,
          ekm,
        }),
      );
      response.once('error', reject);
    });
  });
}

/** Writes `body` as JSON (test handlers). */
export function respondJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
