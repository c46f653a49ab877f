// The attestation policy of each registered class (android, ios, web devices; terminals), from
// configuration (docs/attestation.md, "Policy by registered class"): the production policies below, with
// members overridden by SETTLE_VERIFIER_ATTESTATION_POLICY (JSON) or the JSON file named by
// SETTLE_VERIFIER_ATTESTATION_POLICY_FILE. Every policy goes through checkAttestationPolicy at start-up,
// so a misspelt member or an unknown allow-list entry stops the service.
import { readFileSync } from 'node:fs';
import {
  type AndroidAttestationPolicy,
  type AndroidRevocationStatusList,
  type AttestationPolicy,
  AttestationError,
  checkAttestationPolicy,
  type DeviceClass,
  emptyAndroidRevocationStatusList,
  type IosAttestationPolicy,
  parseAndroidRevocationStatusList,
  trustAnchorFromCertificate,
  type WebAttestationPolicy,
} from '@settle/attestation';
import { type RegisteredKeyClass, registeredKeyClasses } from '@settle/contracts';
import { ConfigValueError } from '@settle/platform';
import {
  appleAppAttestationRootCaPem,
  googleHardwareAttestationRootPem,
  googleKeyAttestationCa1Pem,
} from './trust-roots';

/**
 * One checked policy per registered class. A terminal's policy is an Android one of its own (POS
 * terminals run Android; their app, roots and levels differ from the wallet's).
 */
export type AttestationPolicies = {
  readonly [registeredClass in Exclude<RegisteredKeyClass, 'terminal'>]: Extract<
    AttestationPolicy,
    { deviceClass: registeredClass }
  >;
} & { readonly terminal: AndroidAttestationPolicy };

/**
 * Classes whose keys must be in secure hardware: format `none` (no evidence at all) is refused at
 * start-up for them unless the configuration says `"development": true` (issue 13 §1). `webauthn-packed`
 * the library already refuses for an Android or iOS policy.
 */
const hardwareClasses = [
  'android',
  'ios',
  'terminal',
] as const satisfies readonly RegisteredKeyClass[];

/** Production policy for Android: hardware keys only, both Google roots pinned by key, verified boot. */
export function productionAndroidPolicy(): AndroidAttestationPolicy {
  return {
    deviceClass: 'android',
    formats: ['android-key'],
    acceptedLevels: ['strongbox', 'tee'],
    keyAlgorithms: ['ES256'],
    trustAnchors: [
      trustAnchorFromCertificate(
        'Google Hardware Attestation Root (RSA 4096)',
        googleHardwareAttestationRootPem,
      ),
      trustAnchorFromCertificate(
        'Google Key Attestation CA1 (ECDSA P-384)',
        googleKeyAttestationCa1Pem,
      ),
    ],
    // A placeholder: a deployment names its wallet app and signing certificate digests.
    applications: [
      { packageName: 'com.example.wallet', signingCertificateSha256: ['0'.repeat(64)] },
    ],
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
    trustAnchors: [
      trustAnchorFromCertificate('Apple App Attestation Root CA', appleAppAttestationRootCaPem),
    ],
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

/** Production policy for terminals: the Android one with the terminal app's identity (a placeholder). */
export function productionTerminalPolicy(): AndroidAttestationPolicy {
  return {
    ...productionAndroidPolicy(),
    applications: [
      { packageName: 'com.example.terminal', signingCertificateSha256: ['0'.repeat(64)] },
    ],
  };
}

/** The default: the production policy of every class. None of them accepts format `none`. */
export function productionAttestationPolicies(): AttestationPolicies {
  return {
    android: productionAndroidPolicy(),
    ios: productionIosPolicy(),
    web: productionWebPolicy(),
    terminal: productionTerminalPolicy(),
  };
}

/** The library's policy shape of each registered class. */
const deviceClassOfRegisteredClass: {
  readonly [registeredClass in RegisteredKeyClass]: DeviceClass;
} = { android: 'android', ios: 'ios', web: 'web', terminal: 'android' };

type Members = Record<string, unknown>;

function isMembers(value: unknown): value is Members {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ name, certificate: PEM }` (plus `level` for web vendor roots) → a pinned key. */
function trustAnchorsOf(registeredClass: RegisteredKeyClass, value: unknown): unknown[] {
  if (!Array.isArray(value))
    throw new ConfigValueError(
      `${registeredClass}.trustAnchors must be an array of { name, certificate }`,
    );
  return value.map((entry: unknown, index) => {
    if (
      !isMembers(entry) ||
      typeof entry['name'] !== 'string' ||
      typeof entry['certificate'] !== 'string'
    ) {
      throw new ConfigValueError(
        `${registeredClass}.trustAnchors[${index}] must be { "name": string, "certificate": PEM string }`,
      );
    }
    const anchor = trustAnchorFromCertificate(entry['name'], entry['certificate']);
    return registeredClass === 'web' ? { ...anchor, level: entry['level'] } : anchor;
  });
}

function policyOf(registeredClass: RegisteredKeyClass, overrides: unknown): AttestationPolicy {
  if (!isMembers(overrides))
    throw new ConfigValueError(`${registeredClass} must be an object of policy members`);
  const deviceClass = deviceClassOfRegisteredClass[registeredClass];
  const base = productionAttestationPolicies()[registeredClass] as unknown as Members;
  const merged: Members = { ...base };
  for (const [member, value] of Object.entries(overrides)) {
    if (member === 'trustAnchors') merged[member] = trustAnchorsOf(registeredClass, value);
    else if (member === 'revocationStatusList' && deviceClass === 'android')
      merged[member] = parseAndroidRevocationStatusList(value);
    else merged[member] = value;
  }
  if (merged['deviceClass'] !== deviceClass)
    throw new ConfigValueError(`${registeredClass}.deviceClass must be ${deviceClass}`);
  return checkAttestationPolicy(merged as unknown as AttestationPolicy);
}

/** Without `"development": true`, a hardware class listing format `none` stops the service. */
function checkHardwareClasses(policies: AttestationPolicies, development: boolean): void {
  if (development) return;
  for (const registeredClass of hardwareClasses) {
    if ((policies[registeredClass].formats as readonly string[]).includes('none')) {
      throw new ConfigValueError(
        `${registeredClass}.formats lists none: ${registeredClass} keys must be attested by their hardware; only a configuration with "development": true may accept none`,
      );
    }
  }
}

/**
 * Parses the policy configuration: `{ "development"?: true, "android"?: {…}, "ios"?: {…}, "web"?: {…},
 * "terminal"?: {…} }`, each class a set of members replacing those of its production policy. Throws
 * ConfigValueError on any problem, and on format `none` for android, ios or terminal without
 * `"development": true`.
 */
export function parseAttestationPolicies(value: unknown): AttestationPolicies {
  if (!isMembers(value))
    throw new ConfigValueError(
      `expected an object with optional "development" and ${registeredKeyClasses.map((name) => `"${name}"`).join(', ')} members`,
    );
  const unknown = Object.keys(value).filter(
    (member) =>
      member !== 'development' && !registeredKeyClasses.includes(member as RegisteredKeyClass),
  );
  if (unknown.length > 0)
    throw new ConfigValueError(
      `unknown member(s) ${unknown.join(', ')}; expected development, ${registeredKeyClasses.join(', ')}`,
    );
  const development = value['development'] ?? false;
  if (typeof development !== 'boolean')
    throw new ConfigValueError('development must be true or false');
  try {
    const production = productionAttestationPolicies();
    const policyFor = <TClass extends RegisteredKeyClass>(registeredClass: TClass) =>
      (value[registeredClass] === undefined
        ? production[registeredClass]
        : policyOf(registeredClass, value[registeredClass])) as AttestationPolicies[TClass];
    const policies: AttestationPolicies = {
      android: policyFor('android'),
      ios: policyFor('ios'),
      web: policyFor('web'),
      terminal: policyFor('terminal'),
    };
    checkHardwareClasses(policies, development);
    return policies;
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
  if (inline && file)
    throw new ConfigValueError(
      'set SETTLE_VERIFIER_ATTESTATION_POLICY or SETTLE_VERIFIER_ATTESTATION_POLICY_FILE, not both',
    );
  if (inline) return inline;
  if (file) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigValueError(
        `SETTLE_VERIFIER_ATTESTATION_POLICY_FILE: cannot read JSON from ${file} (${(error as Error).message})`,
      );
    }
    return parseAttestationPolicies(json);
  }
  return productionAttestationPolicies();
}

/**
 * The policy that judges a request: the one of the owner's **registered** class, never one chosen by
 * the format the device declares (issue 13 §1: an Android phone sending `webauthn-packed` is judged,
 * and refused, by the Android policy). Android-shaped policies (android, terminal) get the current
 * revocation status list when the service fetches one.
 */
export function policyForRegisteredClass(
  policies: AttestationPolicies,
  registeredClass: RegisteredKeyClass,
  revocationStatusList: AndroidRevocationStatusList | undefined,
): AttestationPolicy {
  const policy = policies[registeredClass];
  if (policy.deviceClass !== 'android' || revocationStatusList === undefined) return policy;
  return { ...policy, revocationStatusList };
}
