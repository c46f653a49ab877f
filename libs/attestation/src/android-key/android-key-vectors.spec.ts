// The real Android Key Attestation chains of google/android-key-attestation (Apache-2.0, copied to
// libs/attestation/vectors/android-key-attestation with their licence), verified at the time each
// key was made (its creationDateTime), with Google's current roots pinned by public key.
import { createHash } from 'node:crypto';
import { exportSpki } from '@settle/crypto';
import { type VerifyAttestationInput, verifyAttestation } from '../verify-attestation';
import { type AndroidAttestationPolicy } from '../policy/attestation-policy';
import { parseAndroidRevocationStatusList } from '../policy/android-revocation-status-list';
import { trustAnchorFromCertificate } from '../policy/trust-anchor';
import { androidEvidence } from '../testing/android-evidence';
import {
  type AndroidSampleName,
  androidVectorsDirectory,
  googleRootAnchors,
  pemToDer,
  publicJwkOfPem,
  readAndroidExpectedSummary,
  readAndroidSamplePems,
  readVectorJson,
} from '../testing/vectors';

/** The creationDateTime of each sample's key (softwareEnforced, milliseconds since 1970). */
const madeAt: { readonly [sample in AndroidSampleName]: Date } = {
  algorithm_EC_SecurityLevel_TEE: new Date(1532868257791),
  algorithm_RSA_SecurityLevel_TEE: new Date(1532867514759),
  algorithm_EC_SecurityLevel_StrongBox: new Date(1562602372883),
  algorithm_RSA_SecurityLevel_StrongBox: new Date(1563202592972),
};

const summary = readAndroidExpectedSummary();
const challenge = new TextEncoder().encode('abc');
// The samples' keys belong to Android system packages sharing one user id (com.android.keychain,
// com.android.settings, …), all signed with this platform certificate.
const sampleApplication = {
  packageName: 'com.android.keychain',
  signingCertificateSha256: ['301aa3cb081134501c45f1422abc66c24224fd5ded5fdc8f17e697176fd866aa'],
};
const ecTeeKey = publicJwkOfPem(readAndroidSamplePems('algorithm_EC_SecurityLevel_TEE')[0]!)!;

const production: AndroidAttestationPolicy = {
  deviceClass: 'android',
  formats: ['android-key'],
  acceptedLevels: ['strongbox', 'tee'],
  keyAlgorithms: ['ES256'],
  trustAnchors: googleRootAnchors(),
  applications: [sampleApplication],
  verifiedBootStates: ['verified'],
  deviceLockedRequired: true,
  paymentKeyAuthenticationValidityMaxSeconds: 0,
  revocationStatusList: parseAndroidRevocationStatusList(
    readVectorJson(`${androidVectorsDirectory}/status.json`),
  ),
};
/** The samples come from development devices (unlocked bootloader, unverified boot). */
const development: AndroidAttestationPolicy = {
  ...production,
  verifiedBootStates: ['verified', 'self-signed', 'unverified'],
  deviceLockedRequired: false,
};

function input(
  sample: AndroidSampleName,
  overrides: Partial<VerifyAttestationInput> = {},
): VerifyAttestationInput {
  const pems = readAndroidSamplePems(sample);
  return {
    format: 'android-key',
    evidence: androidEvidence(pems.map(pemToDer)),
    expectedChallenge: challenge,
    keyToRegister: publicJwkOfPem(pems[0]!) ?? ecTeeKey,
    purpose: 'binding',
    policy: production,
    now: madeAt[sample],
    ...overrides,
  };
}

async function reasonOf(
  sample: AndroidSampleName,
  overrides: Partial<VerifyAttestationInput> = {},
): Promise<string> {
  const result = await verifyAttestation(input(sample, overrides));
  return result.ok ? `accepted:${result.verdict.level}` : result.reasonCode;
}

describe('real Android chains (google/android-key-attestation), at the time each was made', () => {
  it('pins Google’s RSA root by its key: the roots.json certificate (2022–2042) and the chains’ certificate (2016–2026) share it', () => {
    const [rsaRoot, ecRoot] = googleRootAnchors();
    expect(rsaRoot!.spkiSha256).toBe(
      'feb2ea7551ee316ed4bb443c8293b884dbfdea40b603ee3e4f4a897e4580fbae',
    );
    expect(ecRoot!.spkiSha256).toBe(
      '3ee44512a1af2beb39c889490c60ea3f82e43f5d5a5532f5ab9419f676cd07ec',
    );
    const chainRoot = trustAnchorFromCertificate(
      'root in the TEE sample',
      readAndroidSamplePems('algorithm_EC_SecurityLevel_TEE')[3]!,
    );
    expect(chainRoot.spkiSha256).toBe(rsaRoot!.spkiSha256);
    expect(summary.algorithm_EC_SecurityLevel_TEE.rootIsGoogleHardwareAttestationRoot).toBe(true);
  });

  it('EC TEE: accepted at level tee under a development policy, as expected-summary.json describes it', async () => {
    const result = await verifyAttestation(
      input('algorithm_EC_SecurityLevel_TEE', { policy: development }),
    );
    if (!result.ok) throw new Error(`${result.reasonCode}: ${result.detail}`);
    const expected = summary.algorithm_EC_SecurityLevel_TEE;
    expect(expected.signaturesValid).toEqual([true, true, true, true]);
    // The attested key is the leaf's key as node:crypto reads it. (The summary's `leafSpkiSha256` is not
    // SHA-256 of the leaf's SubjectPublicKeyInfo, nor of any part of the leaf: it is not used.)
    expect(result.verdict.publicKeyJwk).toEqual(ecTeeKey);
    expect(createHash('sha256').update(exportSpki(result.verdict.publicKeyJwk)).digest('hex')).toBe(
      'b5abcd47c0d0f0f8bce979c94506d55c1a19fae0aa478c6fa07d80a59ee1606d',
    );
    expect(result.verdict.level).toBe('tee');
    expect(result.verdict.properties).toMatchObject({
      format: 'android-key',
      trustAnchor: { name: 'Google Hardware Attestation Root (RSA 4096)' },
      attestationVersion: expected.keyDescription.attestationVersion,
      attestationSecurityLevel: 'tee',
      keymasterVersion: expected.keyDescription.keymasterOrKeyMintVersion,
      keymasterSecurityLevel: 'tee',
      packageName: 'com.android.keychain',
      verifiedBootState: 'unverified',
      deviceLocked: false,
      userAuthenticationRequired: false,
      osPatchLevel: 201907,
    });
  });

  it('EC TEE: rejected under the production policy, because the device is unlocked → ROOT_OF_TRUST_UNVERIFIED', async () => {
    expect(await reasonOf('algorithm_EC_SecurityLevel_TEE')).toBe('ROOT_OF_TRUST_UNVERIFIED');
  });

  it('EC TEE as a payment key: the key needs no user authentication → USER_AUTHENTICATION_NOT_REQUIRED', async () => {
    expect(
      await reasonOf('algorithm_EC_SecurityLevel_TEE', { policy: development, purpose: 'payment' }),
    ).toBe('USER_AUTHENTICATION_NOT_REQUIRED');
  });

  it('RSA TEE: the chain is Google’s but the key is RSA → KEY_ALGORITHM_NOT_ALLOWED', async () => {
    expect(summary.algorithm_RSA_SecurityLevel_TEE.rootIsGoogleHardwareAttestationRoot).toBe(true);
    expect(await reasonOf('algorithm_RSA_SecurityLevel_TEE')).toBe('KEY_ALGORITHM_NOT_ALLOWED');
  });

  it.each([
    'algorithm_EC_SecurityLevel_StrongBox',
    'algorithm_RSA_SecurityLevel_StrongBox',
  ] as const)(
    '%s: rejected under Google-root pinning (its root is not Google’s) → ROOT_NOT_TRUSTED',
    async (sample) => {
      expect(summary[sample].rootIsGoogleHardwareAttestationRoot).toBe(false);
      expect(await reasonOf(sample)).toBe('ROOT_NOT_TRUSTED');
      expect(await reasonOf(sample, { policy: development })).toBe('ROOT_NOT_TRUSTED');
    },
  );

  it('EC StrongBox: with its own (non-Google) root pinned, a test-only policy, the rest verifies at level strongbox', async () => {
    const ownRoot = trustAnchorFromCertificate(
      'StrongBox sample root (not Google)',
      readAndroidSamplePems('algorithm_EC_SecurityLevel_StrongBox')[3]!,
    );
    const policy = { ...development, trustAnchors: [ownRoot] };
    expect(await reasonOf('algorithm_EC_SecurityLevel_StrongBox', { policy })).toBe(
      'accepted:strongbox',
    );
    expect(await reasonOf('algorithm_RSA_SecurityLevel_StrongBox', { policy })).toBe(
      'KEY_ALGORITHM_NOT_ALLOWED',
    );
  });

  it('EC TEE at other times: valid after the root certificate expired (the key is pinned) and, a factory-provisioned chain, after its intermediates expired (Google’s rule); not before they were issued', async () => {
    const policy = development;
    expect(
      await reasonOf('algorithm_EC_SecurityLevel_TEE', {
        policy,
        now: new Date('2026-06-01T00:00:00Z'),
      }),
    ).toBe('accepted:tee');
    // Its intermediates (title=TEE, serialNumber=…, directly under Google's root) expired on
    // 2028-03-18: android/keyattestation ignores expiry on factory-provisioned chains, since those
    // keys cannot be rotated. This was CERTIFICATE_NOT_VALID_AT_TIME before (issue 13 §4).
    expect(
      await reasonOf('algorithm_EC_SecurityLevel_TEE', {
        policy,
        now: new Date('2028-03-19T00:00:00Z'),
      }),
    ).toBe('accepted:tee');
    expect(
      await reasonOf('algorithm_EC_SecurityLevel_TEE', {
        policy,
        now: new Date('2018-03-21T00:00:00Z'),
      }),
    ).toBe('CERTIFICATE_NOT_VALID_AT_TIME');
  });

  it('EC TEE: another challenge than "abc" → CHALLENGE_MISMATCH; another app → APPLICATION_ID_MISMATCH', async () => {
    const policy = development;
    expect(
      await reasonOf('algorithm_EC_SecurityLevel_TEE', {
        policy,
        expectedChallenge: new TextEncoder().encode('abd'),
      }),
    ).toBe('CHALLENGE_MISMATCH');
    const otherApp = {
      ...policy,
      applications: [{ ...sampleApplication, packageName: 'com.example.wallet' }],
    };
    expect(await reasonOf('algorithm_EC_SecurityLevel_TEE', { policy: otherApp })).toBe(
      'APPLICATION_ID_MISMATCH',
    );
  });

  it('EC TEE: its intermediate on the status list (serial 0388…7d, listed as Google writes it) → CERTIFICATE_REVOKED', async () => {
    expect(summary.algorithm_EC_SecurityLevel_TEE.certs[2]!.serialHex).toBe('0388266760658996857d');
    const revocationStatusList = parseAndroidRevocationStatusList({
      entries: { '388266760658996857d': { status: 'REVOKED', reason: 'KEY_COMPROMISE' } },
    });
    expect(
      await reasonOf('algorithm_EC_SecurityLevel_TEE', {
        policy: { ...development, revocationStatusList },
      }),
    ).toBe('CERTIFICATE_REVOKED');
  });
});
