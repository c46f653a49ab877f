import { isBytes } from '@settle/crypto/encoding/bytes';
import { type Checked, passed, reject } from '../checks/rejection';
import { certificateChainLengthMax } from '../limits';
import { parseCertificate } from './parse-certificate';
import { type X509Certificate } from './x509';

/**
 * Decodes a list of DER certificates (leaf first), as the evidence formats carry them: a CBOR array
 * of byte strings. Not an array, empty, an item that is not a DER certificate: `EVIDENCE_MALFORMED`;
 * more than `certificateChainLengthMax` items: `EVIDENCE_TOO_LARGE` (before any is decoded).
 */
export function parseCertificateChain(
  items: unknown,
  what: string,
): Checked<readonly X509Certificate[]> {
  if (!Array.isArray(items) || items.length === 0)
    return reject('EVIDENCE_MALFORMED', `${what} is not a non-empty array of certificates`);
  if (items.length > certificateChainLengthMax) {
    return reject(
      'EVIDENCE_TOO_LARGE',
      `${what} has ${items.length} certificates, more than ${certificateChainLengthMax}`,
    );
  }
  const certificates: X509Certificate[] = [];
  for (const [index, item] of (items as unknown[]).entries()) {
    const certificate = isBytes(item) ? parseCertificate(item) : undefined;
    if (certificate === undefined)
      return reject('EVIDENCE_MALFORMED', `${what}[${index}] is not a DER X.509 certificate`);
    certificates.push(certificate);
  }
  return passed(certificates);
}
