import { type AttestationRejection, reject } from '../checks/rejection';
import {
  type AndroidRevocationStatusList,
  normalizeCertificateSerialNumber,
} from '../policy/android-revocation-status-list';
import { type X509Certificate } from '../x509/x509';

/**
 * No certificate of the chain may be on Google's status list (revoked or suspended): Google lists
 * attestation keys that leaked from a device model's secure hardware, whose chains are otherwise
 * perfectly valid. Serial numbers are compared in the list's normalised form. A fetched copy past its
 * `staleAfter` vouches for nothing (a key revoked since would pass): refused, failing closed.
 */
export function checkRevocationStatus(
  certificates: readonly X509Certificate[],
  list: AndroidRevocationStatusList,
  now: Date,
): AttestationRejection | undefined {
  if (list.staleAfter !== undefined && now.getTime() > list.staleAfter.getTime()) {
    return reject(
      'REVOCATION_STATUS_LIST_STALE',
      `the revocation status list was stale after ${list.staleAfter.toISOString()}`,
    );
  }
  for (const [index, certificate] of certificates.entries()) {
    const serialNumber = normalizeCertificateSerialNumber(certificate.serialNumber);
    const entry = list.entries.get(serialNumber);
    if (entry !== undefined) {
      return reject(
        'CERTIFICATE_REVOKED',
        `certificate ${index} (serial ${serialNumber}) is ${entry.status}${entry.reason === undefined ? '' : ` (${entry.reason})`}`,
      );
    }
  }
  return undefined;
}
