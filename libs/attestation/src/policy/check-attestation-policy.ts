import { signatureAlgorithms } from '@settle/crypto';
import { isBytes } from '@settle/crypto/encoding/bytes';
import { AttestationError } from '../errors';
import {
  type AttestationLevel,
  attestationLevels,
  deviceClasses,
  formatsOfDeviceClass,
} from '../formats';
import { type AttestationPolicy, androidVerifiedBootStates } from './attestation-policy';
import { spkiSha256Hex } from './trust-anchor';

type Members = { readonly [member: string]: unknown };

/** The members each device class's policy has: no more (a misspelt member must not be ignored), no less. */
const membersOfDeviceClass = {
  android: [
    'deviceClass',
    'formats',
    'acceptedLevels',
    'keyAlgorithms',
    'trustAnchors',
    'applications',
    'verifiedBootStates',
    'deviceLockedRequired',
    'paymentKeyAuthenticationValidityMaxSeconds',
    'revocationStatusList',
  ],
  ios: [
    'deviceClass',
    'formats',
    'acceptedLevels',
    'keyAlgorithms',
    'trustAnchors',
    'appIds',
    'environment',
  ],
  web: [
    'deviceClass',
    'formats',
    'acceptedLevels',
    'keyAlgorithms',
    'trustAnchors',
    'rpId',
    'origins',
  ],
} as const;

/** Levels a device class can establish at all; listing another would be a configuration mistake. */
const levelsOfDeviceClass: {
  readonly [deviceClass in keyof typeof membersOfDeviceClass]: readonly AttestationLevel[];
} = {
  android: ['strongbox', 'tee', 'software'],
  ios: ['secure-enclave', 'software'],
  web: attestationLevels,
};

function invalid(message: string): AttestationError {
  return new AttestationError('ERR_POLICY_INVALID', `attestation policy: ${message}`);
}

function isMembers(value: unknown): value is Members {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty array of distinct values, each from `allowed`. */
function checkAllowList(policy: Members, member: string, allowed: readonly unknown[]): void {
  const value = policy[member];
  if (!Array.isArray(value) || value.length === 0)
    throw invalid(`${member} must be a non-empty array`);
  for (const item of value)
    if (!allowed.includes(item))
      throw invalid(`${member}: ${JSON.stringify(item)} is not one of ${allowed.join(', ')}`);
  if (new Set(value).size !== value.length) throw invalid(`${member} lists a value twice`);
}

function checkStrings(policy: Members, member: string, pattern: RegExp): void {
  const value = policy[member];
  if (!Array.isArray(value) || value.length === 0)
    throw invalid(`${member} must be a non-empty array`);
  for (const item of value)
    if (typeof item !== 'string' || !pattern.test(item))
      throw invalid(`${member}: ${JSON.stringify(item)} does not match ${pattern}`);
}

function checkTrustAnchors(policy: Members, withLevel: boolean): void {
  const anchors = policy['trustAnchors'];
  if (!Array.isArray(anchors)) throw invalid('trustAnchors must be an array');
  // Web wallets may rely on self attestation alone (no vendor roots); the phone formats always chain.
  const needsAnchors =
    !withLevel && (policy['formats'] as readonly string[]).some((format) => format !== 'none');
  if (needsAnchors && anchors.length === 0)
    throw invalid('trustAnchors is empty but a format needing them is allowed');
  for (const anchor of anchors as unknown[]) {
    if (!isMembers(anchor) || typeof anchor['name'] !== 'string' || anchor['name'].length === 0)
      throw invalid('a trust anchor needs a name');
    const { name, spkiSha256, subjectPublicKeyInfo } = anchor;
    if (!isBytes(subjectPublicKeyInfo) || subjectPublicKeyInfo.length === 0)
      throw invalid(`trust anchor ${name}: subjectPublicKeyInfo must be DER bytes`);
    if (typeof spkiSha256 !== 'string' || spkiSha256 !== spkiSha256Hex(subjectPublicKeyInfo)) {
      throw invalid(
        `trust anchor ${name}: spkiSha256 is not the SHA-256 of its subjectPublicKeyInfo`,
      );
    }
    if (withLevel)
      checkAllowList({ level: [anchor['level']] }, 'level', ['strongbox', 'tee', 'secure-enclave']);
  }
}

function checkAndroid(policy: Members): void {
  const applications = policy['applications'];
  if (!Array.isArray(applications) || applications.length === 0)
    throw invalid('applications must be a non-empty array');
  for (const application of applications as unknown[]) {
    if (
      !isMembers(application) ||
      typeof application['packageName'] !== 'string' ||
      !/^[A-Za-z0-9_.]+$/.test(application['packageName'])
    ) {
      throw invalid('an application needs a packageName');
    }
    checkStrings(application, 'signingCertificateSha256', /^[0-9a-f]{64}$/);
  }
  checkAllowList(policy, 'verifiedBootStates', androidVerifiedBootStates);
  if (typeof policy['deviceLockedRequired'] !== 'boolean')
    throw invalid('deviceLockedRequired must be a boolean');
  const validity = policy['paymentKeyAuthenticationValidityMaxSeconds'];
  if (typeof validity !== 'number' || !Number.isSafeInteger(validity) || validity < 0)
    throw invalid('paymentKeyAuthenticationValidityMaxSeconds must be an integer ≥ 0');
  const list = policy['revocationStatusList'];
  if (!isMembers(list) || !(list['entries'] instanceof Map))
    throw invalid('revocationStatusList must come from parseAndroidRevocationStatusList');
  const staleAfter = list['staleAfter'];
  if (
    staleAfter !== undefined &&
    (!(staleAfter instanceof Date) || Number.isNaN(staleAfter.getTime()))
  )
    throw invalid('revocationStatusList.staleAfter must be a valid Date');
}

/**
 * Checks a policy from configuration and returns it, or throws `ERR_POLICY_INVALID` saying what is
 * wrong: an unknown or missing member, an empty or unknown allow-list entry, a format or level the
 * device class cannot have, a trust anchor whose key does not hash to its `spkiSha256`, an empty
 * list of anchors where a format needs them. Call it at start-up; `verifyAttestation` calls it too.
 *
 * @example
 * ```ts
 * import { checkAttestationPolicy } from '@settle/attestation';
 * const policy = checkAttestationPolicy(loadedFromConfiguration); // throws on a mistake
 * ```
 */
export function checkAttestationPolicy(policy: AttestationPolicy): AttestationPolicy {
  if (!isMembers(policy)) throw invalid('expected an object');
  const deviceClass = policy['deviceClass'];
  if (!deviceClasses.includes(deviceClass as never))
    throw invalid(`deviceClass must be one of ${deviceClasses.join(', ')}`);
  const members: readonly string[] = membersOfDeviceClass[policy.deviceClass];
  const unknown = Object.keys(policy).filter((member) => !members.includes(member));
  if (unknown.length > 0)
    throw invalid(`unknown member(s) ${unknown.join(', ')} for device class ${policy.deviceClass}`);
  const missing = members.filter((member) => (policy as unknown as Members)[member] === undefined);
  if (missing.length > 0) throw invalid(`missing member(s) ${missing.join(', ')}`);
  const record = policy as unknown as Members;
  checkAllowList(record, 'formats', formatsOfDeviceClass[policy.deviceClass]);
  checkAllowList(record, 'acceptedLevels', levelsOfDeviceClass[policy.deviceClass]);
  checkAllowList(record, 'keyAlgorithms', signatureAlgorithms);
  checkTrustAnchors(record, policy.deviceClass === 'web');
  if (policy.deviceClass === 'android') checkAndroid(record);
  if (policy.deviceClass === 'ios') {
    // App id: a 10-character team id, a dot, a bundle id.
    checkStrings(record, 'appIds', /^[A-Z0-9]{10}\.[A-Za-z0-9.-]+$/);
    checkAllowList({ environment: [record['environment']] }, 'environment', [
      'production',
      'development',
    ]);
  }
  if (policy.deviceClass === 'web') {
    if (typeof record['rpId'] !== 'string' || !/^[a-z0-9.-]+$/.test(record['rpId']))
      throw invalid('rpId must be a lowercase host name');
    checkStrings(record, 'origins', /^(https:\/\/[a-z0-9.-]+(:\d+)?|http:\/\/localhost(:\d+)?)$/);
  }
  return policy;
}
