// Interoperability: OpenSSL's own client computes the connection's TLS exporter value (EKM) with
// `s_client -keymatexport EXPORTER-Token-Binding -keymatexportlen 32` against the running issuer. It
// must equal the EKM the issuer's server saw for that connection, and a binding signed over the
// OpenSSL-computed EKM, sent over that same OpenSSL connection, must start a session.
import { spawn } from 'node:child_process';
import { type TLSSocket } from 'node:tls';
import { type Server } from 'node:https';
import { exportTokenBindingKeyingMaterial, createTokenBindingMessage } from '@settle/token-binding';
import { startTokenIssuer, type TokenIssuerTestKit } from '../testing/token-issuer-test-kit';

const opensslWaitMs = 15_000;

describe('interoperability with openssl s_client', () => {
  let kit: TokenIssuerTestKit;

  beforeAll(async () => {
    kit = await startTokenIssuer();
  });
  afterAll(async () => {
    await kit?.stop();
  });

  it('computes the same EKM as the issuer, and a binding over it starts a session on that connection', async () => {
    const device = await kit.enrol();
    const serverEkms: string[] = [];
    const server = kit.test.service.app.getHttpServer() as Server;
    const record = (socket: TLSSocket) =>
      serverEkms.push(Buffer.from(exportTokenBindingKeyingMaterial(socket)).toString('hex'));
    server.on('secureConnection', record);

    const child = spawn(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${kit.endpoint.port}`,
        '-servername',
        'localhost',
        '-tls1_3',
        '-CAfile',
        kit.pki.caCert,
        '-verify_return_error',
        '-ign_eof',
        '-keymatexport',
        'EXPORTER-Token-Binding',
        '-keymatexportlen',
        '32',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    const seen = (pattern: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`openssl output never matched ${pattern}: ${stdout}`)),
          opensslWaitMs,
        );
        const check = () => {
          const match = pattern.exec(stdout);
          if (match === null) return;
          clearTimeout(timer);
          child.stdout.off('data', check);
          resolve(match);
        };
        child.stdout.on('data', check);
        check();
      });
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    try {
      const opensslEkm = (await seen(/Keying material: ([0-9A-Fa-f]{64})/))[1]!.toLowerCase();
      expect(serverEkms).toContain(opensslEkm);

      const { header } = createTokenBindingMessage({
        privateJwk: device.privateJwk,
        ekm: Buffer.from(opensslEkm, 'hex'),
      });
      const body = JSON.stringify({ bindingKeyId: device.keyId });
      child.stdin.write(
        `POST /v1/sessions HTTP/1.1\r\nHost: localhost:${kit.endpoint.port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nSec-Token-Binding: ${header}\r\nConnection: close\r\n\r\n${body}`,
      );
      await seen(/HTTP\/1\.1 (\d{3})[\s\S]*"sessionId"/);
      expect(/HTTP\/1\.1 (\d{3})/.exec(stdout)![1]).toBe('201');
    } finally {
      server.off('secureConnection', record);
      child.kill();
    }
  });
});
