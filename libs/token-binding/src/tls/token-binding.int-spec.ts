// Token binding over real TLS 1.3 connections on 127.0.0.1: node:tls on both sides, and OpenSSL's
// own client (`openssl s_client -keymatexport`) as an independent computation of the EKM.
import { spawn } from 'node:child_process';
import { request } from 'node:https';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo } from 'node:net';
import { type TLSSocket } from 'node:tls';
import { generateKeyPair } from '@settle/crypto';
import {
  createTokenBindingMessage,
  decodeSecTokenBindingHeader,
  encodeSecTokenBindingHeader,
  encodeTokenBindingMessage,
  exportTokenBindingKeyingMaterial,
  isTokenBindingError,
  parseTokenBindingMessage,
  tokenBindingIdFromJwk,
  verifyTokenBindingMessage,
} from '../index';
import {
  type TlsTestServer,
  connectTlsClient,
  makeSelfSignedCertificate,
  startTlsTestServer,
} from '../testing/tls-fixture';

const allowedKeyParameters = ['ecdsap256'] as const;

function verifyOn(ekm: Uint8Array, header: string) {
  return verifyTokenBindingMessage({
    header,
    ekm,
    allowedKeyParameters: [...allowedKeyParameters],
  });
}

describe('token binding over TLS 1.3 (node:tls client and server)', () => {
  let server: TlsTestServer;
  const clients: TLSSocket[] = [];
  const connect = async () => {
    const connection = await connectTlsClient(server);
    clients.push(connection.client);
    return connection;
  };

  beforeAll(async () => {
    server = await startTlsTestServer();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await server.close();
  });

  it('gives client and server the same 32-byte EKM, and different connections different ones', async () => {
    const a = await connect();
    const b = await connect();
    expect(a.client.getProtocol()).toBe('TLSv1.3');
    const clientEkm = exportTokenBindingKeyingMaterial(a.client);
    expect(clientEkm).toHaveLength(32);
    expect(Buffer.from(clientEkm)).toEqual(Buffer.from(a.server.ekm));
    expect(Buffer.from(exportTokenBindingKeyingMaterial(b.client))).toEqual(
      Buffer.from(b.server.ekm),
    );
    expect(Buffer.from(a.server.ekm)).not.toEqual(Buffer.from(b.server.ekm));
  });

  it('verifies a message made over connection A on A, and rejects it on B', async () => {
    const a = await connect();
    const b = await connect();
    const { privateJwk } = generateKeyPair('ES256');
    const { header } = createTokenBindingMessage({
      privateJwk,
      ekm: exportTokenBindingKeyingMaterial(a.client),
    });
    expect(verifyOn(a.server.ekm, header).ok).toBe(true);
    expect(verifyOn(b.server.ekm, header)).toEqual({ ok: false, code: 'ERR_TB_SIGNATURE_INVALID' });
  });

  it("rejects a message signed by key 1 but presented with key 2's TokenBindingID", async () => {
    const a = await connect();
    const key1 = generateKeyPair('ES256');
    const key2 = generateKeyPair('ES256');
    const { header } = createTokenBindingMessage({
      privateJwk: key1.privateJwk,
      ekm: exportTokenBindingKeyingMaterial(a.client),
    });
    const [binding] = parseTokenBindingMessage(decodeSecTokenBindingHeader(header)).tokenBindings;
    const swapped = encodeTokenBindingMessage({
      tokenBindings: [{ ...binding!, tokenBindingId: tokenBindingIdFromJwk(key2.publicJwk) }],
    });
    expect(verifyOn(a.server.ekm, encodeSecTokenBindingHeader(swapped))).toEqual({
      ok: false,
      code: 'ERR_TB_SIGNATURE_INVALID',
    });
  });

  it('rejects tampered bytes anywhere in the message', async () => {
    const a = await connect();
    const { message } = createTokenBindingMessage({
      privateJwk: generateKeyPair('ES256').privateJwk,
      ekm: exportTokenBindingKeyingMaterial(a.client),
    });
    for (let index = 0; index < message.length; index++) {
      const tampered = message.slice();
      tampered[index] = tampered[index]! ^ 0x01;
      expect(verifyOn(a.server.ekm, encodeSecTokenBindingHeader(tampered)).ok).toBe(false);
    }
  });

  it('carries the message in the Sec-Token-Binding header of an HTTPS request, checked against the EKM of the connection it arrived on', async () => {
    const { key, cert } = makeSelfSignedCertificate();
    const https = createHttpsServer({ key, cert, minVersion: 'TLSv1.3' }, (incoming, response) => {
      const result = verifyOn(
        exportTokenBindingKeyingMaterial(incoming.socket as TLSSocket),
        String(incoming.headers['sec-token-binding']),
      );
      response.end(JSON.stringify(result.ok ? { ok: true, keyId: result.provided.keyId } : result));
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    try {
      const { privateJwk } = generateKeyPair('ES256');
      const body = await new Promise<string>((resolve, reject) => {
        const outgoing = request({
          host: '127.0.0.1',
          port: (https.address() as AddressInfo).port,
          servername: 'localhost',
          ca: cert,
          method: 'GET',
          path: '/',
          agent: false,
        });
        outgoing.on('socket', (socket) => {
          // The header needs the EKM, which exists once the handshake is done; headers go out on end().
          (socket as TLSSocket).once('secureConnect', () => {
            outgoing.setHeader(
              'Sec-Token-Binding',
              createTokenBindingMessage({
                privateJwk,
                ekm: exportTokenBindingKeyingMaterial(socket as TLSSocket),
              }).header,
            );
            outgoing.end();
          });
        });
        outgoing.on('response', (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          response.on('end', () => resolve(text));
        });
        outgoing.on('error', reject);
      });
      expect(JSON.parse(body)).toEqual({ ok: true, keyId: expect.any(String) });
    } finally {
      await new Promise<void>((resolve) => https.close(() => resolve()));
    }
  });
});

describe('the TLS exporter as Node exposes it', () => {
  it('refuses a socket whose handshake has not finished', async () => {
    const server = await startTlsTestServer();
    const { connect: tlsConnect } = await import('node:tls');
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: server.port,
      servername: 'localhost',
      ca: server.cert,
    });
    socket.on('error', () => undefined);
    try {
      expect(() => exportTokenBindingKeyingMaterial(socket)).toThrow(
        expect.objectContaining({ code: 'ERR_TB_TLS_STATE_INVALID' }),
      );
    } finally {
      socket.destroy();
      await server.close();
    }
  });

  it('refuses TLS 1.2, where "no context" and "empty context" differ (RFC 5705) and the extended master secret cannot be checked', async () => {
    const server = await startTlsTestServer({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    const { client } = await connectTlsClient(server, { maxVersion: 'TLSv1.2' });
    try {
      expect(client.getProtocol()).toBe('TLSv1.2');
      let error: unknown;
      try {
        exportTokenBindingKeyingMaterial(client);
      } catch (caught) {
        error = caught;
      }
      expect(isTokenBindingError(error, 'ERR_TB_TLS_STATE_INVALID')).toBe(true);
      const noContext = (
        client.exportKeyingMaterial as (length: number, label: string) => Buffer
      ).call(client, 32, 'EXPORTER-Token-Binding');
      const emptyContext = client.exportKeyingMaterial(
        32,
        'EXPORTER-Token-Binding',
        Buffer.alloc(0),
      );
      expect(noContext).not.toEqual(emptyContext);
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('in TLS 1.3 the two coincide (RFC 8446 §7.5), and the library passes no context', async () => {
    const server = await startTlsTestServer();
    const { client, server: side } = await connectTlsClient(server);
    try {
      const emptyContext = client.exportKeyingMaterial(
        32,
        'EXPORTER-Token-Binding',
        Buffer.alloc(0),
      );
      expect(Buffer.from(exportTokenBindingKeyingMaterial(client))).toEqual(emptyContext);
      expect(Buffer.from(side.ekm)).toEqual(emptyContext);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('interoperability: the EKM computed by openssl s_client', () => {
  it('equals the server-side EKM of the same connection', async () => {
    const server = await startTlsTestServer();
    try {
      const accepted = server.nextConnection();
      const output = await new Promise<string>((resolve, reject) => {
        const child = spawn(
          'openssl',
          [
            's_client',
            '-connect',
            `127.0.0.1:${server.port}`,
            '-servername',
            'localhost',
            '-tls1_3',
            '-keymatexport',
            'EXPORTER-Token-Binding',
            '-keymatexportlen',
            '32',
          ],
          { stdio: ['pipe', 'pipe', 'pipe'] },
        );
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
        child.on('error', reject);
        child.on('close', () => resolve(stdout));
        child.stdin.end('Q\n');
      });
      const match = /Keying material: ([0-9A-Fa-f]{64})/.exec(output);
      expect(match).not.toBeNull();
      const { ekm } = await accepted;
      expect(Buffer.from(ekm).toString('hex')).toBe(match![1]!.toLowerCase());
    } finally {
      await server.close();
    }
  });
});
