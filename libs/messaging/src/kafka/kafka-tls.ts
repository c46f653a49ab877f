import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { MessagingError } from '../errors';

export interface KafkaTlsFiles {
  readonly SETTLE_KAFKA_TLS_CA_FILE: string;
  readonly SETTLE_KAFKA_TLS_CERT_FILE: string;
  readonly SETTLE_KAFKA_TLS_KEY_FILE: string;
}

/**
 * The TLS options of the Kafka client from mounted PEM files: none set → plaintext (loopback
 * development); a CA → TLS with the brokers verified; a certificate and key too → mutual TLS (each
 * service its own Strimzi KafkaUser and ACLs). A half-configured client certificate is refused.
 */
export function kafkaTlsOptions(
  files: KafkaTlsFiles,
  read: (path: string) => Buffer = readFileSync,
): ConnectionOptions | undefined {
  const {
    SETTLE_KAFKA_TLS_CA_FILE: caFile,
    SETTLE_KAFKA_TLS_CERT_FILE: certFile,
    SETTLE_KAFKA_TLS_KEY_FILE: keyFile,
  } = files;
  if (!caFile && !certFile && !keyFile) return undefined;
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new MessagingError(
      'KAFKA_UNAVAILABLE',
      'SETTLE_KAFKA_TLS_CERT_FILE and SETTLE_KAFKA_TLS_KEY_FILE go together',
      false,
    );
  }
  const load = (path: string, what: string) => {
    try {
      return read(path);
    } catch (error) {
      throw new MessagingError(
        'KAFKA_UNAVAILABLE',
        `cannot read the Kafka ${what} file ${path}`,
        false,
        { cause: error },
      );
    }
  };
  return {
    rejectUnauthorized: true,
    ...(caFile ? { ca: [load(caFile, 'CA')] } : {}),
    ...(certFile
      ? { cert: load(certFile, 'client certificate'), key: load(keyFile, 'client key') }
      : {}),
  };
}
