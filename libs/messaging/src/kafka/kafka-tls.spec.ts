import { MessagingError } from '../errors';
import { kafkaTlsOptions } from './kafka-tls';

const files = (ca = '', cert = '', key = '') => ({
  SETTLE_KAFKA_TLS_CA_FILE: ca,
  SETTLE_KAFKA_TLS_CERT_FILE: cert,
  SETTLE_KAFKA_TLS_KEY_FILE: key,
});
const read = (path: string) => Buffer.from(`contents of ${path}`);

describe('kafkaTlsOptions', () => {
  it('is plaintext when nothing is set', () => {
    expect(kafkaTlsOptions(files(), read)).toBeUndefined();
  });

  it('verifies the brokers against the CA, and presents the client certificate when given', () => {
    const options = kafkaTlsOptions(files('/ca.crt', '/user.crt', '/user.key'), read);
    expect(options).toEqual({
      rejectUnauthorized: true,
      ca: [Buffer.from('contents of /ca.crt')],
      cert: Buffer.from('contents of /user.crt'),
      key: Buffer.from('contents of /user.key'),
    });
  });

  it('refuses a certificate without its key', () => {
    expect(() => kafkaTlsOptions(files('/ca.crt', '/user.crt'), read)).toThrow(MessagingError);
  });

  it('names the file it cannot read', () => {
    const failing = () => {
      throw new Error('ENOENT');
    };
    expect(() => kafkaTlsOptions(files('/missing.crt'), failing)).toThrow('/missing.crt');
  });
});
