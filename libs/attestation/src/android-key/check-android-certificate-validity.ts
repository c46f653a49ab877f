import { type AttestationRejection, reject } from '../checks/rejection';
import { type X509Certificate } from '../x509/x509';

const serialNumberAttribute = '2.5.4.5';
const titleAttribute = '2.5.4.12';
/** The titles Google gives the intermediates it provisions into devices at the factory. */
const factoryIntermediateTitles: readonly string[] = ['TEE', 'StrongBox'];

/**
 * Whether the chain's top intermediate (the one the root signed) is a factory-provisioned one:
 * its subject carries a serial number and the title `TEE` or `StrongBox`. Google's verifier
 * (android/keyattestation, `KeyAttestationCertPath.isFactoryProvisioned`) tells the two kinds of
 * chain apart the same way; remotely provisioned (RKP) chains have `Droid CA2` there.
 */
export function isFactoryProvisionedChain(certificates: readonly X509Certificate[]): boolean {
  const top = certificates[certificates.length - 1];
  if (top === undefined || certificates.length < 2) return false;
  const titles = top.subjectName.getField(titleAttribute);
  return (
    top.subjectName.getField(serialNumberAttribute).length > 0 &&
    titles.some((title) => factoryIntermediateTitles.includes(title))
  );
}

/**
 * The validity rule of Google's verifier (android/keyattestation `KeyAttestationCertPathValidator`):
 * - the leaf's dates are not checked: the device writes them (from its own clock, or copied from
 *   its batch certificate), so they say nothing the attestation key vouches for, and a skewed
 *   phone clock must not refuse a genuine key;
 * - on a factory-provisioned chain an **expired** intermediate is accepted: those keys are burnt
 *   into the device and cannot be rotated, so Google keeps trusting them after their certificates
 *   expire ("regardless of certificate validity period"); leaked ones go on the revocation list,
 *   which is then what retires them. A certificate not yet valid is still refused;
 * - on a remotely provisioned (RKP) chain every intermediate must be valid at `now`: RKP keys live
 *   for weeks and are rotated, so an expired one is a stale or stolen one.
 * `certificates` are leaf first, below the pinned root (`CERTIFICATE_NOT_VALID_AT_TIME` otherwise).
 */
export function checkAndroidCertificateValidity(
  certificates: readonly X509Certificate[],
  now: Date,
): AttestationRejection | undefined {
  const time = now.getTime();
  const expiryForgiven = isFactoryProvisionedChain(certificates);
  for (const [index, certificate] of certificates.entries()) {
    if (index === 0) continue;
    const notYetValid = time < certificate.notBefore.getTime();
    const expired = time > certificate.notAfter.getTime();
    if (notYetValid || (expired && !expiryForgiven)) {
      return reject(
        'CERTIFICATE_NOT_VALID_AT_TIME',
        `certificate ${index} ("${certificate.subject}") is valid from ${certificate.notBefore.toISOString()} to ${certificate.notAfter.toISOString()}, not at ${now.toISOString()}`,
      );
    }
  }
  return undefined;
}
