// Test support only: a throwaway self-signed P-256 certificate (made with the openssl command line
// in a temporary directory) and a node:tls server on 127.0.0.1 that records, for each connection,
// the server side's EKM as soon as the handshake finishes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SecureVersion, type TLSSocket, type Server, connect, createServer } from 'node:tls';
import { exportTokenBindingKeyingMaterial } from '../tls/export-token-binding-keying-material';

/** PEM key and certificate for CN=localhost, valid one day. */
export function makeSelfSignedCertificate(): { key: string; cert: string } {
  const directory = mkdtempSync(join(tmpdir(), 'settle-token-binding-'));
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

/** What the server saw of one connection. */
export interface ServerConnection {
  readonly socket: TLSSocket;
  readonly ekm: Uint8Array;
}

/** A TLS server on 127.0.0.1 (free port) keeping its connections by the client's port. */
export interface TlsTestServer {
  readonly port: number;
  readonly cert: string;
  /** Resolves with the server side of the connection whose client port is `clientPort`. */
  connection(clientPort: number): Promise<ServerConnection>;
  /** The next connection accepted (for clients whose port we do not know, like openssl s_client). */
  nextConnection(): Promise<ServerConnection>;
  close(): Promise<void>;
}

export async function startTlsTestServer(
  options: { minVersion?: SecureVersion; maxVersion?: SecureVersion } = {},
): Promise<TlsTestServer> {
  const { key, cert } = makeSelfSignedCertificate();
  const byPort = new Map<number, ServerConnection>();
  const waiting: Array<(connection: ServerConnection) => void> = [];
  const portWaiters = new Map<number, (connection: ServerConnection) => void>();
  const server: Server = createServer(
    {
      key,
      cert,
      minVersion: options.minVersion ?? 'TLSv1.3',
      maxVersion: options.maxVersion ?? 'TLSv1.3',
    },
    (socket) => {
      socket.on('error', () => undefined);
      const connection = {
        socket,
        ekm:
          socket.getProtocol() === 'TLSv1.3'
            ? exportTokenBindingKeyingMaterial(socket)
            : new Uint8Array(),
      };
      const port = socket.remotePort!;
      byPort.set(port, connection);
      portWaiters.get(port)?.(connection);
      waiting.shift()?.(connection);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    cert,
    connection: (clientPort) => {
      const known = byPort.get(clientPort);
      return known !== undefined
        ? Promise.resolve(known)
        : new Promise((resolve) => portWaiters.set(clientPort, resolve));
    },
    nextConnection: () => new Promise((resolve) => waiting.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const { socket } of byPort.values()) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A node:tls client connection to the test server, after its handshake, with the server's side. */
export async function connectTlsClient(
  server: TlsTestServer,
  options: { maxVersion?: SecureVersion } = {},
): Promise<{ client: TLSSocket; server: ServerConnection }> {
  const client = await new Promise<TLSSocket>((resolve, reject) => {
    const socket = connect(
      {
        host: '127.0.0.1',
        port: server.port,
        servername: 'localhost',
        ca: server.cert,
        maxVersion: options.maxVersion ?? 'TLSv1.3',
      },
      () => resolve(socket),
    );
    socket.once('error', reject);
  });
  return { client, server: await server.connection(client.localPort!) };
}
