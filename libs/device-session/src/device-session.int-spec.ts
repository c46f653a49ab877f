// The device SDK against a local TLS 1.3 server playing both the token issuer and a resource server:
// requests on one BoundConnection go out on the very socket whose EKM the binding signs; DPoP proofs are
// retried once with the server's nonce; tokens are refreshed before they expire.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Server, createServer } from 'node:https';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type TLSSocket } from 'node:tls';
import { calculateJwkThumbprint, generateKeyPair } from '@settle/crypto';
import { exportTokenBindingKeyingMaterial, verifyTokenBindingMessage } from '@settle/token-binding';
import { type JWK, decodeJwt } from 'jose';
import { BoundConnection, DeviceSession, type TlsEndpoint } from './index';

interface Seen {
  readonly path: string;
  readonly remotePort: number;
  readonly bindingVerified: boolean | null;
  readonly dpopNonce: string | null;
  readonly authorization: string | undefined;
}

describe('device session against a local TLS 1.3 server', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'settle-device-session-'));
  const seen: Seen[] = [];
  let server: Server;
  let endpoint: TlsEndpoint;
  let issued = 0;
  const { privateJwk, publicJwk } = generateKeyPair('ES256');
  const bindingKeyId = calculateJwkThumbprint(publicJwk);

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const socket = request.socket as TLSSocket;
    const binding = request.headers['sec-token-binding'];
    const proof = request.headers['dpop'];
    const dpopNonce =
      typeof proof === 'string'
        ? ((decodeJwt(proof)['nonce'] as string | undefined) ?? null)
        : null;
    seen.push({
      path: request.url ?? '',
      remotePort: socket.remotePort ?? 0,
      bindingVerified:
        typeof binding === 'string'
          ? verifyTokenBindingMessage({
              header: binding,
              ekm: exportTokenBindingKeyingMaterial(socket),
              allowedKeyParameters: ['ecdsap256'],
            }).ok
          : null,
      dpopNonce,
      authorization: request.headers['authorization'],
    });
    request.resume();
    request.on('end', () => {
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify(body));
      };
      if (
        request.url === '/v1/sessions' ||
        /^\/v1\/sessions\/ses_1\/tokens$/.test(request.url ?? '')
      ) {
        issued += 1;
        json(201, {
          accessToken: `h.${Buffer.from(JSON.stringify({ n: issued })).toString('base64url')}.s`,
          tokenType: typeof proof === 'string' ? 'DPoP' : 'Bearer',
          expiresIn: 60,
          sessionId: 'ses_1',
        });
      } else if (typeof proof === 'string' && dpopNonce !== 'nonce-1') {
        json(
          401,
          { code: 'USE_DPOP_NONCE' },
          { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'nonce-1' },
        );
      } else {
        json(200, { ok: true });
      }
    });
  };

  beforeAll(async () => {
    execFileSync(
      process.execPath,
      [path.join(__dirname, '../../../scripts/dev-pki.mjs'), '--dir', directory],
      { stdio: 'pipe' },
    );
    server = createServer(
      {
        cert: readFileSync(path.join(directory, 'token-issuer.crt')),
        key: readFileSync(path.join(directory, 'token-issuer.key')),
        minVersion: 'TLSv1.3',
      },
      handle,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = {
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      servername: 'localhost',
      ca: readFileSync(path.join(directory, 'ca.crt')),
    };
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(directory, { recursive: true, force: true });
  });

  it('sends every request of a connection on its own socket, with the binding made over that socket’s EKM', async () => {
    seen.length = 0;
    const session = new DeviceSession({
      issuer: endpoint,
      bindingKeyId,
      bindingPrivateJwk: privateJwk as JWK,
    });
    await session.start();
    const connection = await session.connect(endpoint);
    try {
      const answers = [
        await session.send(connection, {
          method: 'GET',
          path: '/v1/a',
          url: 'https://localhost/v1/a',
        }),
        await session.send(connection, {
          method: 'GET',
          path: '/v1/b',
          url: 'https://localhost/v1/b',
        }),
      ];
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    } finally {
      connection.close();
    }
    const [start, first, second] = seen;
    expect(start).toMatchObject({ path: '/v1/sessions', bindingVerified: true });
    expect([first!.bindingVerified, second!.bindingVerified]).toEqual([true, true]);
    expect(second!.remotePort).toBe(first!.remotePort);
    expect(first!.remotePort).not.toBe(start!.remotePort);
    expect(first!.authorization).toMatch(/^Bearer h\./);
  });

  it('refuses to open a second socket once its connection is closed', async () => {
    const connection = await BoundConnection.open(endpoint, privateJwk);
    connection.close();
    await expect(connection.request({ method: 'GET', path: '/v1/a' })).rejects.toMatchObject({
      code: 'ERR_CONNECTION_FAILED',
    });
  });

  it('retries a DPoP request once with the nonce the server asked for', async () => {
    seen.length = 0;
    const session = new DeviceSession({
      issuer: endpoint,
      bindingKeyId,
      bindingPrivateJwk: privateJwk as JWK,
      mode: 'dpop',
    });
    const connection = await session.connect(endpoint);
    try {
      const answer = await session.send(connection, {
        method: 'GET',
        path: '/v1/a',
        url: 'https://localhost/v1/a',
      });
      expect(answer.status).toBe(200);
    } finally {
      connection.close();
    }
    expect(seen.map((request) => [request.path, request.dpopNonce])).toEqual([
      ['/v1/sessions', null],
      ['/v1/a', null],
      ['/v1/a', 'nonce-1'],
    ]);
    expect(seen[2]!.authorization).toMatch(/^DPoP h\./);
  });

  it('refreshes the token on a new connection when less than the margin is left', async () => {
    seen.length = 0;
    let now = new Date('2026-11-28T12:00:00.000Z');
    const session = new DeviceSession({
      issuer: endpoint,
      bindingKeyId,
      bindingPrivateJwk: privateJwk as JWK,
      now: () => now,
    });
    const first = await session.accessToken();
    expect(await session.accessToken()).toBe(first);
    now = new Date(now.getTime() + 31_000);
    const second = await session.accessToken();
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(seen.map((request) => request.path)).toEqual([
      '/v1/sessions',
      '/v1/sessions/ses_1/tokens',
    ]);
    expect(seen[1]!.authorization).toBe(`Bearer ${first.accessToken}`);
    expect(seen[1]!.bindingVerified).toBe(true);
  });
});
