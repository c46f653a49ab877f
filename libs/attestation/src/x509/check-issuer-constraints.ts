import { type AttestationRejection, reject } from '../checks/rejection';
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  type X509Certificate,
} from './x509';

const basicConstraintsOid = '2.5.29.19';
const keyUsageOid = '2.5.29.15';
/** The critical extensions this library processes; RFC 5280 §4.2 says to reject any other. */
const processedCriticalExtensions: readonly string[] = [basicConstraintsOid, keyUsageOid];

/**
 * RFC 5280 constraints that stop a certificate from acting as an issuer it was not meant to be.
 * Without them, the holder of any genuine attested key (a leaf) could sign a certificate of its
 * own, with made-up attestation data, and chain it under the genuine leaf.
 *
 * `certificates` are leaf first and end just below the anchor.
 */
export function checkIssuerConstraints(
  certificates: readonly X509Certificate[],
): AttestationRejection | undefined {
  for (const [index, certificate] of certificates.entries()) {
    const unprocessed = certificate.extensions.find(
      (extension) => extension.critical && !processedCriticalExtensions.includes(extension.type),
    );
    if (unprocessed !== undefined)
      return reject(
        'CERTIFICATE_CHAIN_INVALID',
        `certificate ${index} has an unknown critical extension ${unprocessed.type}`,
      );
    const basicConstraints = certificate.getExtension(BasicConstraintsExtension);
    if (index === 0) {
      if (basicConstraints?.ca === true)
        return reject('CERTIFICATE_CHAIN_INVALID', 'the leaf certificate is a CA');
      continue;
    }
    if (basicConstraints?.ca !== true)
      return reject(
        'CERTIFICATE_CHAIN_INVALID',
        `certificate ${index} issues a certificate but is not a CA`,
      );
    // Certificates below this issuer, other than the leaf, are intermediate CAs it vouches for.
    const intermediatesBelow = index - 1;
    if (
      basicConstraints.pathLength !== undefined &&
      intermediatesBelow > basicConstraints.pathLength
    ) {
      return reject(
        'CERTIFICATE_CHAIN_INVALID',
        `certificate ${index} allows ${basicConstraints.pathLength} intermediate CAs below it, the chain has ${intermediatesBelow}`,
      );
    }
    const keyUsage = certificate.getExtension(KeyUsagesExtension);
    if (keyUsage !== null && (keyUsage.usages & KeyUsageFlags.keyCertSign) === 0) {
      return reject(
        'CERTIFICATE_CHAIN_INVALID',
        `certificate ${index} issues a certificate but its key usage excludes keyCertSign`,
      );
    }
  }
  return undefined;
}
