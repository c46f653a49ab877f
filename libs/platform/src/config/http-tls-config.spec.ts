import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { ConfigurationError } from './config-definition';
import { httpTlsConfig, httpTlsServerOptions } from './http-tls-config';
import { loadConfig } from './load-config';

describe('httpTlsServerOptions', () => {
  let directory: string;
  let certFile: string;
  let keyFile: string;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'settle-http-tls-'));
    certFile = join(directory, 'cert.pem');
    keyFile = join(directory, 'key.pem');
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
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'pipe' },
    );
  });

  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('defaults to plain HTTP (both empty)', () => {
    const config = loadConfig(httpTlsConfig, {});
    expect(config).toEqual({ SETTLE_HTTP_TLS_CERT_FILE: '', SETTLE_HTTP_TLS_KEY_FILE: '' });
    expect(httpTlsServerOptions(config)).toBeUndefined();
  });

  it('reads both files and allows TLS 1.3 only', () => {
    const options = httpTlsServerOptions({
      SETTLE_HTTP_TLS_CERT_FILE: certFile,
      SETTLE_HTTP_TLS_KEY_FILE: keyFile,
    });
    expect(options).toEqual({
      cert: readFileSync(certFile),
      key: readFileSync(keyFile),
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
    });
  });

  it.each([
    [
      'only the certificate',
      () => ({ SETTLE_HTTP_TLS_CERT_FILE: certFile, SETTLE_HTTP_TLS_KEY_FILE: '' }),
      /must be set together/,
    ],
    [
      'only the key',
      () => ({ SETTLE_HTTP_TLS_CERT_FILE: '', SETTLE_HTTP_TLS_KEY_FILE: keyFile }),
      /must be set together/,
    ],
    [
      'a missing file',
      () => ({
        SETTLE_HTTP_TLS_CERT_FILE: join(directory, 'absent.pem'),
        SETTLE_HTTP_TLS_KEY_FILE: keyFile,
      }),
      /SETTLE_HTTP_TLS_CERT_FILE: cannot read .*absent\.pem \(ENOENT\)/,
    ],
  ])('refuses %s', (_case, config, message) => {
    expect(() => httpTlsServerOptions(config())).toThrow(ConfigurationError);
    expect(() => httpTlsServerOptions(config())).toThrow(message);
  });

  it('serves TLS 1.3 and refuses a TLS 1.2 client', async () => {
    const server = createServer(
      httpTlsServerOptions({
        SETTLE_HTTP_TLS_CERT_FILE: certFile,
        SETTLE_HTTP_TLS_KEY_FILE: keyFile,
      })!,
      (_request, response) => response.end('ok'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const handshake = (maxVersion: 'TLSv1.2' | 'TLSv1.3') =>
      new Promise<string | null>((resolve, reject) => {
        const socket = connect(
          {
            host: '127.0.0.1',
            port,
            servername: 'localhost',
            ca: readFileSync(certFile),
            maxVersion,
          },
          () => {
            const protocol = socket.getProtocol();
            socket.end();
            resolve(protocol);
          },
        );
        socket.once('error', reject);
      });
    try {
      await expect(handshake('TLSv1.3')).resolves.toBe('TLSv1.3');
      await expect(handshake('TLSv1.2')).rejects.toThrow();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
