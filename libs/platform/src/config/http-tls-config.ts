import { readFileSync } from 'node:fs';
import { type ServerOptions as HttpsServerOptions } from 'node:https';
import { type ConfigValues, ConfigurationError, defineConfig } from './config-definition';

/**
 * TLS ending in the service's own HTTP server, for a service whose resource guard runs in
 * token-binding mode (the RFC 8471 binding is checked against each connection's TLS exporter, so TLS
 * must end in the process, DESIGN §7). Neither file: plain HTTP (DPoP mode behind an ingress).
 *
 * @example
 * export const registryConfig = defineServiceConfig('registry', messagingConfig, resourceGuardConfig, httpTlsConfig, registrySettings);
 */
export const httpTlsConfig = defineConfig({
  SETTLE_HTTP_TLS_CERT_FILE: {
    type: 'string',
    default: '',
    description:
      'PEM certificate chain of the HTTPS server (TLS 1.3 only, ending in the process). Empty together with the key file: plain HTTP.',
  },
  SETTLE_HTTP_TLS_KEY_FILE: {
    type: 'string',
    default: '',
    description: 'PEM private key of SETTLE_HTTP_TLS_CERT_FILE; set both or neither.',
  },
});

/** The values of {@link httpTlsConfig}. */
export type HttpTlsConfigValues = ConfigValues<typeof httpTlsConfig>;

/**
 * The HTTPS server's options from {@link httpTlsConfig}: TLS 1.3 only (RFC 8471's exporter is used
 * without a context, as TLS 1.3 defines it), the files read now; `undefined` when neither is set.
 * Throws `ConfigurationError` when only one is set or a file cannot be read.
 *
 * @example
 * export const serviceDefinition = { name: 'registry', …, httpsOptions: httpTlsServerOptions };
 */
export function httpTlsServerOptions(config: HttpTlsConfigValues): HttpsServerOptions | undefined {
  return tlsServerOptionsFromFiles(
    { variable: 'SETTLE_HTTP_TLS_CERT_FILE', file: config.SETTLE_HTTP_TLS_CERT_FILE },
    { variable: 'SETTLE_HTTP_TLS_KEY_FILE', file: config.SETTLE_HTTP_TLS_KEY_FILE },
  );
}

/**
 * TLS 1.3 server options from a PEM certificate file and its key file, read now; `undefined` when
 * neither is named. Throws `ConfigurationError` naming the variables when only one is named or a file
 * cannot be read. Used for the main listener (above) and the admin listener (SETTLE_ADMIN_TLS_*).
 */
export function tlsServerOptionsFromFiles(
  certificate: { variable: string; file: string },
  key: { variable: string; file: string },
): HttpsServerOptions | undefined {
  if (certificate.file === '' && key.file === '') return undefined;
  if (certificate.file === '' || key.file === '')
    throw new ConfigurationError([
      `${certificate.variable} and ${key.variable} must be set together`,
    ]);
  const problems: string[] = [];
  const read = ({ variable, file }: { variable: string; file: string }): Buffer | undefined => {
    try {
      return readFileSync(file);
    } catch (error) {
      problems.push(
        `${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
      return undefined;
    }
  };
  const cert = read(certificate);
  const privateKey = read(key);
  if (cert === undefined || privateKey === undefined) throw new ConfigurationError(problems);
  return { cert, key: privateKey, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' };
}
