import { type AttestationRejection, reject } from '../checks/rejection';
import { type X509Certificate } from './x509';

/**
 * Every certificate must be valid at `now` (both bounds inclusive, RFC 5280 §4.1.2.5). `now` is
 * passed in so that a sample is verified at the time it was made, and so that no clock is read.
 */
export function checkCertificateValidity(
  certificates: readonly X509Certificate[],
  now: Date,
): AttestationRejection | undefined {
  const time = now.getTime();
  for (const [index, certificate] of certificates.entries()) {
    if (time < certificate.notBefore.getTime() || time > certificate.notAfter.getTime()) {
      return reject(
        'CERTIFICATE_NOT_VALID_AT_TIME',
        `certificate ${index} ("${certificate.subject}") is valid from ${certificate.notBefore.toISOString()} to ${certificate.notAfter.toISOString()}, not at ${now.toISOString()}`,
      );
    }
  }
  return undefined;
}
