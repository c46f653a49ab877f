import { AttestationApplicationId } from '@peculiar/asn1-android';
import { AsnParser } from '@peculiar/asn1-schema';
import { bytesToHex } from '@settle/crypto';
import { type Checked, passed, reject } from '../checks/rejection';
import { type AndroidApplication } from '../policy/attestation-policy';
import { asn1ParseOptions } from '../x509/parse-certificate';
import { type KeyDescriptionView } from './key-description';
import { octets } from './parse-key-description';

/** What the attestation application id names, decoded. */
export interface AttestedApplication {
  readonly packageName: string;
  readonly attestedPackageNames: readonly string[];
  readonly signingCertificateSha256: readonly string[];
}

/**
 * The key must belong to our app: the attestation application id (written by Android's keystore,
 * which knows the calling app) must list a configured package name, and every signing-certificate
 * digest it lists must be one configured for that package. Otherwise any app on the phone, a
 * repackaged copy of ours included, could register keys. Apps sharing a Linux user id are listed
 * together; they must be signed with the same certificate, which is what the digest check pins.
 */
export function checkApplicationId(
  description: KeyDescriptionView,
  applications: readonly AndroidApplication[],
): Checked<AttestedApplication> {
  const encoded =
    description.hardwareEnforced.attestationApplicationId ??
    description.softwareEnforced.attestationApplicationId;
  if (encoded === undefined)
    return reject('APPLICATION_ID_MISMATCH', 'the attestation application id is missing');
  let attested: AttestationApplicationId;
  try {
    attested = AsnParser.parse(encoded, AttestationApplicationId, asn1ParseOptions);
  } catch (error) {
    return reject(
      'EVIDENCE_MALFORMED',
      `the attestation application id does not decode: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const attestedPackageNames = attested.packageInfos.map((info) =>
    decoder.decode(octets(info.packageName)),
  );
  const signingCertificateSha256 = attested.signatureDigests.map((digest) =>
    bytesToHex(octets(digest)),
  );
  const application = applications.find((candidate) =>
    attestedPackageNames.includes(candidate.packageName),
  );
  if (application === undefined) {
    return reject(
      'APPLICATION_ID_MISMATCH',
      `the key belongs to ${attestedPackageNames.slice(0, 4).join(', ')}, not a configured app`,
    );
  }
  const unknownDigests = signingCertificateSha256.filter(
    (digest) => !application.signingCertificateSha256.includes(digest),
  );
  if (signingCertificateSha256.length === 0 || unknownDigests.length > 0) {
    return reject(
      'APPLICATION_ID_MISMATCH',
      `${application.packageName} is signed with ${signingCertificateSha256.join(', ') || 'no certificate'}, not a configured certificate`,
    );
  }
  return passed({
    packageName: application.packageName,
    attestedPackageNames,
    signingCertificateSha256,
  });
}
