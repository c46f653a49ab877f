// Real Android chains from other projects' test suites (sources and licences in
// libs/attestation/vectors/README.md), for what issue 13 §4 found the verifier refusing:
// factory-provisioned chains after their intermediates expired, remotely provisioned (RKP) chains
// (a 2025 Pixel StrongBox key enrols under the production policy), and software-attested chains
// under a policy that accepts the `software` level.
import { X509Certificate } from 'node:crypto';
import { hexToBytes, importPublicJwk } from '@settle/crypto';
import { type VerifyAttestationInput, verifyAttestation } from '../verify-attestation';
import { type AndroidAttestationPolicy } from '../policy/attestation-policy';
import { emptyAndroidRevocationStatusList } from '../policy/android-revocation-status-list';
import { trustAnchorFromCertificate } from '../policy/trust-anchor';
import { androidEvidence } from '../testing/android-evidence';
import { googleRootAnchors, readAndroidChainVector } from '../testing/vectors';

/** Acurast/acurast-substrate `test_validate_pixel_devices` (MIT): two Pixel chains of 2022–2023. */
const factoryPixel = readAndroidChainVector('acurast-substrate/pixel-factory-tee-2022.json');
const rkpPixel = readAndroidChainVector('acurast-substrate/pixel-rkp-tee-2023.json');
/** keiji/android-device-integrity (Apache-2.0): a Pixel StrongBox key of July 2025, remotely provisioned. */
const rkpStrongBoxPixel = readAndroidChainVector(
  'keiji-android-device-integrity/pixel-rkp-strongbox-2025.json',
);
/** a-sit-plus/signum BasicParsingTests, "bq Aquaris X with LineageOS" (Apache-2.0): software attestation. */
const softwareBq = readAndroidChainVector('a-sit-plus-signum/bq-aquaris-x-software.json');

const acurastApplication = {
  packageName: 'com.acurast.attested.executor.testnet',
  signingCertificateSha256: ['ec70c2a4e072a0f586552a68357b23697c9d45f1e1257a8c4d29a25ac4982433'],
};

const production: AndroidAttestationPolicy = {
  deviceClass: 'android',
  formats: ['android-key'],
  acceptedLevels: ['strongbox', 'tee'],
  keyAlgorithms: ['ES256'],
  trustAnchors: googleRootAnchors(),
  applications: [acurastApplication],
  verifiedBootStates: ['verified'],
  deviceLockedRequired: true,
  paymentKeyAuthenticationValidityMaxSeconds: 0,
  revocationStatusList: emptyAndroidRevocationStatusList,
};

function input(
  vector: ReturnType<typeof readAndroidChainVector>,
  overrides: Partial<VerifyAttestationInput> = {},
): VerifyAttestationInput {
  const jwk = new X509Certificate(vector.certificates[0]!).publicKey.export({ format: 'jwk' });
  const challenge =
    vector.attestationChallengeHex === undefined
      ? new TextEncoder().encode(vector.attestationChallengeUtf8!)
      : hexToBytes(vector.attestationChallengeHex);
  return {
    format: 'android-key',
    evidence: androidEvidence(vector.certificates),
    expectedChallenge: challenge,
    keyToRegister: importPublicJwk({ kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! }),
    purpose: 'binding',
    policy: production,
    now: new Date(vector.validAt),
    ...overrides,
  };
}

async function reasonOf(
  vector: ReturnType<typeof readAndroidChainVector>,
  overrides: Partial<VerifyAttestationInput> = {},
): Promise<string> {
  const result = await verifyAttestation(input(vector, overrides));
  return result.ok ? `accepted:${result.verdict.level}` : `${result.reasonCode}: ${result.detail}`;
}

describe('real Pixel chains (Acurast): factory-provisioned and remotely provisioned', () => {
  // Acurast's keys may sign and agree keys (ECDH, purpose 6), which this protocol refuses: reaching
  // KEY_PURPOSE_INVALID means the chain, its dates, the KeyDescription, the challenge and the key passed.
  const chainPassed = 'KEY_PURPOSE_INVALID: the key may also be used for purpose(s) 6';

  it('both verify to Google’s RSA root when made', async () => {
    expect(await reasonOf(factoryPixel)).toBe(chainPassed);
    expect(await reasonOf(rkpPixel)).toBe(chainPassed);
  });

  it('factory-provisioned: still accepted after its title=TEE intermediates expired (2032), as Google’s verifier does; not before they were issued', async () => {
    expect(await reasonOf(factoryPixel, { now: new Date('2033-01-01T00:00:00Z') })).toBe(
      chainPassed,
    );
    expect(await reasonOf(factoryPixel, { now: new Date('2022-03-20T19:00:00Z') })).toMatch(
      /^CERTIFICATE_NOT_VALID_AT_TIME/,
    );
  });

  it('remotely provisioned: its weeks-long Droid CA3 and attestation certificates must be valid now (Google: RKP validity is checked)', async () => {
    expect(await reasonOf(rkpPixel, { now: new Date('2023-04-01T00:00:00Z') })).toMatch(
      /^CERTIFICATE_NOT_VALID_AT_TIME: certificate 1 \("O=TEE/,
    );
  });
});

describe('a real Pixel StrongBox key of 2025 (RKP, with the ProvisioningInfo extension), under the production policy', () => {
  const application = {
    packageName: rkpStrongBoxPixel.packageName!,
    signingCertificateSha256: [rkpStrongBoxPixel.signingCertificateSha256!],
  };

  it('enrols: accepted at level strongbox as a binding key, verified boot and a locked bootloader', async () => {
    const result = await verifyAttestation(
      input(rkpStrongBoxPixel, { policy: { ...production, applications: [application] } }),
    );
    if (!result.ok) throw new Error(`${result.reasonCode}: ${result.detail}`);
    expect(result.verdict.level).toBe('strongbox');
    expect(result.verdict.properties).toMatchObject({
      attestationVersion: 300,
      verifiedBootState: 'verified',
      deviceLocked: true,
      skippedAuthorizationTags: [],
    });
  });

  it('is refused once its RKP certificates expired (31 July 2025) → CERTIFICATE_NOT_VALID_AT_TIME', async () => {
    expect(
      await reasonOf(rkpStrongBoxPixel, {
        policy: { ...production, applications: [application] },
        now: new Date('2025-08-01T00:00:00Z'),
      }),
    ).toMatch(/^CERTIFICATE_NOT_VALID_AT_TIME/);
  });
});

describe('a real software-attested chain (bq Aquaris X, LineageOS: Keymaster 1 in the TEE, attestation in software)', () => {
  const softwareRoot = trustAnchorFromCertificate(
    'Android Keystore Software Attestation Root (EC)',
    softwareBq.certificates[2]!,
  );
  const application = {
    packageName: softwareBq.packageName!,
    signingCertificateSha256: [softwareBq.signingCertificateSha256!],
  };
  const softwareAllowed: AndroidAttestationPolicy = {
    ...production,
    acceptedLevels: ['strongbox', 'tee', 'software'],
    trustAnchors: [...googleRootAnchors(), softwareRoot],
    applications: [application],
  };

  it('is accepted at level software where the policy accepts it: purpose and origin are read from teeEnforced, where this version puts them, and no root of trust is claimed', async () => {
    // Before issue 13 §4 this was KEY_PURPOSE_INVALID: only softwareEnforced was read for a software key.
    const result = await verifyAttestation(input(softwareBq, { policy: softwareAllowed }));
    if (!result.ok) throw new Error(`${result.reasonCode}: ${result.detail}`);
    expect(result.verdict.level).toBe('software');
    expect(result.verdict.properties).toMatchObject({
      attestationVersion: 2,
      attestationSecurityLevel: 'software',
      keymasterSecurityLevel: 'tee',
      packageName: 'com.example.trustedapplication',
      verifiedBootState: 'not-attested',
      deviceLocked: 'not-attested',
      userAuthenticationRequired: false,
    });
  });

  it('is refused where the policy wants hardware (SECURITY_LEVEL_INSUFFICIENT), or its root is not pinned (ROOT_NOT_TRUSTED)', async () => {
    expect(
      await reasonOf(softwareBq, {
        policy: { ...softwareAllowed, acceptedLevels: ['strongbox', 'tee'] },
      }),
    ).toMatch(/^SECURITY_LEVEL_INSUFFICIENT/);
    expect(
      await reasonOf(softwareBq, {
        policy: { ...softwareAllowed, trustAnchors: googleRootAnchors() },
      }),
    ).toMatch(/^ROOT_NOT_TRUSTED/);
  });

  it('as a payment key: it needs no user authentication (noAuthRequired) → USER_AUTHENTICATION_NOT_REQUIRED', async () => {
    expect(await reasonOf(softwareBq, { policy: softwareAllowed, purpose: 'payment' })).toMatch(
      /^USER_AUTHENTICATION_NOT_REQUIRED/,
    );
  });
});
