// The attestation policy of each device class, from configuration (docs/verifier.md): the production
// policies below, with members overridden by SETTLE_VERIFIER_ATTESTATION_POLICY (JSON) or the JSON file
// named by SETTLE_VERIFIER_ATTESTATION_POLICY_FILE. Every policy goes through checkAttestationPolicy at
// start-up, so a misspelt member or an unknown allow-list entry stops the service.
import { readFileSync } from 'node:fs';
import {
  type AndroidAttestationPolicy,
  type AttestationFormat,
  type AttestationPolicy,
  AttestationError,
  checkAttestationPolicy,
  type DeviceClass,
  deviceClasses,
  emptyAndroidRevocationStatusList,
  type IosAttestationPolicy,
  parseAndroidRevocationStatusList,
  trustAnchorFromCertificate,
  type WebAttestationPolicy,
} from '@settle/attestation';
import { ConfigValueError } from '@settle/platform';
import { appleAppAttestationRootCaPem, googleHardwareAttestationRootPem, googleKeyAttestationCa1Pem } from './trust-roots';

/** One checked policy per device class. */
export type AttestationPolicies = { readonly [deviceClass in DeviceClass]: AttestationPolicy };

/** Production policy for Android: hardware keys only, both Google roots pinned by key, verified boot. */
export function productionAndroidPolicy(): AndroidAttestationPolicy {
  return {
    deviceClass: 'android',
    formats: ['android-key'],
    acceptedLevels: ['strongbox', 'tee'],
    keyAlgorithms: ['ES256'],
    trustAnchors: [
      trustAnchorFromCertificate('Google Hardware Attestation Root (RSA 4096)', googleHardwareAttestationRootPem),
      trustAnchorFromCertificate('Google Key Attestation CA1 (ECDSA P-384)', googleKeyAttestationCa1Pem),
    ],
    // A placeholder: a deployment names its wallet app and signing certificate digests.
    applications: [{ packageName: 'com.example.wallet', signingCertificateSha256: ['0'.repeat(64)] }],
    verifiedBootStates: ['verified'],
    deviceLockedRequired: true,
    paymentKeyAuthenticationValidityMaxSeconds: 0,
    revocationStatusList: emptyAndroidRevocationStatusList,
  };
}

/** Production policy for iPhones: App Attest, Secure Enclave, Apple's root pinned by key. */
export function productionIosPolicy(): IosAttestationPolicy {
  return {
    deviceClass: 'ios',
    formats: ['apple-app-attest'],
    acceptedLevels: ['secure-enclave'],
    keyAlgorithms: ['ES256'],
    trustAnchors: [trustAnchorFromCertificate('Apple App Attestation Root CA', appleAppAttestationRootCaPem)],
    // A placeholder: a deployment names its app ids (<team id>.<bundle id>).
    appIds: ['ABCDE12345.com.example.wallet'],
    environment: 'production',
  };
}

/** Production policy for web wallets: WebAuthn `packed` (web wallets are software wallets). */
export function productionWebPolicy(): WebAttestationPolicy {
  return {
    deviceClass: 'web',
    formats: ['webauthn-packed'],
    acceptedLevels: ['strongbox', 'tee', 'secure-enclave', 'software'],
    keyAlgorithms: ['ES256'],
    trustAnchors: [],
    rpId: 'wallet.example.com',
    origins: ['https://wallet.example.com'],
  };
}

/** The default: the production policy of every class. None of them accepts format `none`. */
export function productionAttestationPolicies(): AttestationPolicies {
  return { android: productionAndroidPolicy(), ios: productionIosPolicy(), web: productionWebPolicy() };
}

type Members = Record<string, unknown>;

function isMembers(value: unknown): value is Members {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ name, certificate: PEM }` (plus `level` for web vendor roots) → a pinned key. */
function trustAnchorsOf(deviceClass: DeviceClass, value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new ConfigValueError(`${deviceClass}.trustAnchors must be an array of { name, certificate }`);
  return value.map((entry: unknown, index) => {
    if (!isMembers(entry) || typeof entry['name'] !== 'string' || typeof entry['certificate'] !== 'string') {
      throw new ConfigValueError(`${deviceClass}.trustAnchors[${index}] must be { "name": string, "certificate": PEM string }`);
    }
    const anchor = trustAnchorFromCertificate(entry['name'], entry['certificate']);
    return deviceClass === 'web' ? { ...anchor, level: entry['level'] } : anchor;
  });
}

function policyOf(deviceClass: DeviceClass, overrides: unknown): AttestationPolicy {
  if (!isMembers(overrides)) throw new ConfigValueError(`${deviceClass} must be an object of policy members`);
  const base = productionAttestationPolicies()[deviceClass] as unknown as Members;
  const merged: Members = { ...base };
  for (const [member, value] of Object.entries(overrides)) {
    if (member === 'trustAnchors') merged[member] = trustAnchorsOf(deviceClass, value);
    else if (member === 'revocationStatusList' && deviceClass === 'android') merged[member] = parseAndroidRevocationStatusList(value);
    else merged[member] = value;
  }
  if (merged['deviceClass'] !== deviceClass) throw new ConfigValueError(`${deviceClass}.deviceClass must be ${deviceClass}`);
  return checkAttestationPolicy(merged as unknown as AttestationPolicy);
}

/**
 * Parses the policy configuration: `{ "android"?: {…}, "ios"?: {…}, "web"?: {…} }`, each a set of
 * members replacing those of the class's production policy. Throws ConfigValueError on any problem.
 */
export function parseAttestationPolicies(value: unknown): AttestationPolicies {
  if (!isMembers(value)) throw new ConfigValueError('expected an object with optional "android", "ios" and "web" members');
  const unknown = Object.keys(value).filter((member) => !deviceClasses.includes(member as DeviceClass));
  if (unknown.length > 0) throw new ConfigValueError(`unknown device class(es) ${unknown.join(', ')}; expected ${deviceClasses.join(', ')}`);
  try {
    const policies = productionAttestationPolicies();
    return {
      android: value['android'] === undefined ? policies.android : policyOf('android', value['android']),
      ios: value['ios'] === undefined ? policies.ios : policyOf('ios', value['ios']),
      web: value['web'] === undefined ? policies.web : policyOf('web', value['web']),
    };
  } catch (error) {
    if (error instanceof AttestationError) throw new ConfigValueError(error.message);
    throw error;
  }
}

/** The policies in force: the JSON variable, else the file, else the production policies. */
export function loadAttestationPolicies(settings: {
  readonly SETTLE_VERIFIER_ATTESTATION_POLICY?: AttestationPolicies | undefined;
  readonly SETTLE_VERIFIER_ATTESTATION_POLICY_FILE?: string | undefined;
}): AttestationPolicies {
  const inline = settings.SETTLE_VERIFIER_ATTESTATION_POLICY;
  const file = settings.SETTLE_VERIFIER_ATTESTATION_POLICY_FILE;
  if (inline && file) throw new ConfigValueError('set SETTLE_VERIFIER_ATTESTATION_POLICY or SETTLE_VERIFIER_ATTESTATION_POLICY_FILE, not both');
  if (inline) return inline;
  if (file) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigValueError(`SETTLE_VERIFIER_ATTESTATION_POLICY_FILE: cannot read JSON from ${file} (${(error as Error).message})`);
    }
    return parseAttestationPolicies(json);
  }
  return productionAttestationPolicies();
}

const deviceClassOfFormat: { readonly [format in Exclude<AttestationFormat, 'none'>]: DeviceClass } = {
  'android-key': 'android',
  'apple-app-attest': 'ios',
  'webauthn-packed': 'web',
};

/**
 * The policy that judges a request. The format names the device class; `none` carries no device, so
 * it is judged by the first class (android, ios, web) whose policy lists `none`, else by Android's
 * (which then rejects it as FORMAT_NOT_ALLOWED).
 */
export function policyForFormat(policies: AttestationPolicies, format: AttestationFormat): AttestationPolicy {
  if (format !== 'none') return policies[deviceClassOfFormat[format]];
  const accepting = deviceClasses.find((deviceClass) => (policies[deviceClass].formats as readonly string[]).includes('none'));
  return policies[accepting ?? 'android'];
}
