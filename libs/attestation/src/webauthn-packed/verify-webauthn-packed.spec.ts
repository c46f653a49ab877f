// WebAuthn `packed` with synthetic registrations: self attestation and x5c under a test vendor
// root, one case per failure mode with its reason code.
import { calculateJwkThumbprint } from '@settle/crypto';
import { type VerifyAttestationInput, verifyAttestation } from '../verify-attestation';
import { type WebTrustAnchor } from '../policy/trust-anchor';
import {
  type PackedOptions,
  buildPackedEvidence,
  testAaguid,
  webTestPolicy,
} from '../testing/webauthn-evidence';
import {
  type TestKeyPair,
  createTestRoot,
  generateTestKeyPair,
  testNow,
} from '../testing/test-pki';

const challenge = new TextEncoder().encode('webauthn-challenge-000001');
let key: TestKeyPair;
let vendorRoot: Awaited<ReturnType<typeof createTestRoot>>;
let vendorAnchor: WebTrustAnchor;

beforeAll(async () => {
  key = await generateTestKeyPair();
  vendorRoot = await createTestRoot('CN=Test Authenticator Vendor Root');
  vendorAnchor = { ...vendorRoot.anchor, level: 'tee' };
});

async function input(
  options: Partial<PackedOptions> = {},
  overrides: Partial<VerifyAttestationInput> = {},
): Promise<VerifyAttestationInput> {
  return {
    format: 'webauthn-packed',
    evidence: await buildPackedEvidence({ key, challenge, ...options }),
    expectedChallenge: challenge,
    keyToRegister: key.publicJwk,
    purpose: 'payment',
    policy: webTestPolicy([vendorAnchor]),
    now: testNow,
    ...overrides,
  };
}

async function reasonOf(
  options: Partial<PackedOptions> = {},
  overrides: Partial<VerifyAttestationInput> = {},
): Promise<string> {
  const result = await verifyAttestation(await input(options, overrides));
  return result.ok ? `accepted:${result.verdict.level}` : result.reasonCode;
}

describe('webauthn-packed', () => {
  it('self attestation is accepted at level software, where the policy accepts software keys', async () => {
    const result = await verifyAttestation(await input());
    if (!result.ok) throw new Error(`${result.reasonCode}: ${result.detail}`);
    expect(result.verdict).toMatchObject({
      format: 'webauthn-packed',
      level: 'software',
      keyId: calculateJwkThumbprint(key.publicJwk),
    });
    expect(result.verdict.properties).toMatchObject({
      attestationType: 'self',
      trustAnchor: null,
      origin: 'https://wallet.example.com',
      userVerified: true,
      signCount: 0,
    });
  });

  it('self attestation where the policy wants hardware → SECURITY_LEVEL_INSUFFICIENT', async () => {
    expect(
      await reasonOf(
        {},
        { policy: webTestPolicy([vendorAnchor], { acceptedLevels: ['tee', 'strongbox'] }) },
      ),
    ).toBe('SECURITY_LEVEL_INSUFFICIENT');
  });

  it('x5c attestation under a configured vendor root is accepted at that root’s level, and its AAGUID must match', async () => {
    expect(await reasonOf({ vendorRoot, certificateAaguid: testAaguid })).toBe('accepted:tee');
    expect(await reasonOf({ vendorRoot, certificateAaguid: new Uint8Array(16) })).toBe(
      'AAGUID_MISMATCH',
    );
  });

  it('x5c attestation under an unknown root → ROOT_NOT_TRUSTED', async () => {
    const unknownRoot = await createTestRoot('CN=Unknown Vendor Root');
    expect(await reasonOf({ vendorRoot: unknownRoot })).toBe('ROOT_NOT_TRUSTED');
    expect(await reasonOf({ vendorRoot }, { policy: webTestPolicy([]) })).toBe('ROOT_NOT_TRUSTED');
  });

  it('an attestation certificate not meant for authenticator attestation (OU) → CERTIFICATE_CHAIN_INVALID', async () => {
    expect(await reasonOf({ vendorRoot, certificateOu: 'Code Signing' })).toBe(
      'CERTIFICATE_CHAIN_INVALID',
    );
  });

  it('a broken attestation signature, self or x5c, or an algorithm other than ES256 → SIGNATURE_INVALID', async () => {
    expect(await reasonOf({ breakSignature: true })).toBe('SIGNATURE_INVALID');
    expect(await reasonOf({ vendorRoot, breakSignature: true })).toBe('SIGNATURE_INVALID');
    expect(await reasonOf({ alg: -257 })).toBe('SIGNATURE_INVALID');
  });

  it('wrong challenge → CHALLENGE_MISMATCH', async () => {
    expect(
      await reasonOf({}, { expectedChallenge: new TextEncoder().encode('another challenge') }),
    ).toBe('CHALLENGE_MISMATCH');
  });

  it('another origin, or a cross-origin frame → ORIGIN_MISMATCH', async () => {
    expect(await reasonOf({ origin: 'https://wallet.example.com.evil.test' })).toBe(
      'ORIGIN_MISMATCH',
    );
    expect(await reasonOf({ crossOrigin: true })).toBe('ORIGIN_MISMATCH');
  });

  it('a key scoped to another relying party → RP_ID_MISMATCH', async () => {
    expect(await reasonOf({ rpId: 'evil.test' })).toBe('RP_ID_MISMATCH');
  });

  it('payment key created without user verification → USER_AUTHENTICATION_NOT_REQUIRED; a binding key is fine', async () => {
    expect(await reasonOf({ flags: 0x41 })).toBe('USER_AUTHENTICATION_NOT_REQUIRED');
    expect(await reasonOf({ flags: 0x41 }, { purpose: 'binding' })).toBe('accepted:software');
  });

  it('the registered key is not the attested one → PUBLIC_KEY_MISMATCH', async () => {
    expect(await reasonOf({}, { keyToRegister: (await generateTestKeyPair()).publicJwk })).toBe(
      'PUBLIC_KEY_MISMATCH',
    );
  });

  it('authenticator extensions, or no user presence → EVIDENCE_MALFORMED', async () => {
    expect(await reasonOf({ flags: 0xc5 })).toBe('EVIDENCE_MALFORMED');
    expect(await reasonOf({ flags: 0x44 })).toBe('EVIDENCE_MALFORMED');
  });
});
