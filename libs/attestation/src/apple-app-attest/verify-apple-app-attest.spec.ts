// Apple App Attest: the real 2024 sample of srinivas1729/appattest-checker-node (Apache-2.0, copied
// to libs/attestation/vectors/apple-app-attest with its licence) verified at the time it was made,
// and synthetic attestation objects under a test root for the checks the sample cannot fail.
import { createPublicKey } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { type PublicJwk, importPublicJwk } from '@settle/crypto';
import { type VerifyAttestationInput, verifyAttestation } from '../verify-attestation';
import {
  appAttestFixture,
  buildAppAttestObject,
  iosTestPolicy,
  type AppAttestOptions,
} from '../testing/apple-evidence';
import { type TestKeyPair, generateTestKeyPair, testNow } from '../testing/test-pki';
import {
  appleAppAttestationRootAnchor,
  googleRootAnchors,
  readAppleAppAttestSample,
} from '../testing/vectors';

const sample = readAppleAppAttestSample();
const sampleKey: PublicJwk = (() => {
  const jwk = createPublicKey({
    key: Buffer.from(sample.expected.publicKeySpkiBase64, 'base64'),
    format: 'der',
    type: 'spki',
  }).export({ format: 'jwk' });
  return importPublicJwk({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });
})();
const sampleChallenge = new Uint8Array(Buffer.from(sample.challenge.bytesHex, 'hex'));
const applePolicy = iosTestPolicy(appleAppAttestationRootAnchor(), { appIds: [sample.appId] });

function sampleInput(overrides: Partial<VerifyAttestationInput> = {}): VerifyAttestationInput {
  return {
    format: 'apple-app-attest',
    evidence: new Uint8Array(Buffer.from(sample.attestationBase64, 'base64')),
    expectedChallenge: sampleChallenge,
    keyToRegister: sampleKey,
    // The sample attests the App Attest key itself: a payment key's evidence (a binding key is a Secure
    // Enclave key the App Attest key vouches for, verify-app-attest-vouched-key.spec.ts).
    purpose: 'payment',
    policy: applePolicy,
    now: new Date(sample.verifyAt),
    ...overrides,
  };
}

async function reasonOf(input: VerifyAttestationInput): Promise<string> {
  const result = await verifyAttestation(input);
  return result.ok ? `accepted:${result.verdict.level}` : result.reasonCode;
}

describe('the real App Attest sample (2024), at the time it was made', () => {
  it('is accepted: level secure-enclave, the expected key, Apple’s key id, the app id', async () => {
    expect(sample.expected.verified).toBe(true);
    const result = await verifyAttestation(sampleInput());
    if (!result.ok) throw new Error(`${result.reasonCode}: ${result.detail}`);
    expect(result.verdict).toMatchObject({
      format: 'apple-app-attest',
      level: 'secure-enclave',
      publicKeyJwk: sampleKey,
    });
    expect(result.verdict.properties).toMatchObject({
      format: 'apple-app-attest',
      trustAnchor: {
        name: 'Apple App Attestation Root CA',
        spkiSha256: '1ae751fd29896d0f1f13fe226c063f445d40d8938acc6245c251ecc0679330bd',
      },
      appId: sample.appId,
      environment: 'development',
      appleKeyId: sample.keyIdBase64,
      userAuthenticationRequired: 'not-attested',
      vouchedBy: null,
    });
  });

  it('another challenge → NONCE_MISMATCH', async () => {
    expect(await reasonOf(sampleInput({ expectedChallenge: new Uint8Array(16) }))).toBe(
      'NONCE_MISMATCH',
    );
  });

  it('after the credential certificate expired (2025-01-13), or before it was issued → CERTIFICATE_NOT_VALID_AT_TIME', async () => {
    expect(await reasonOf(sampleInput({ now: new Date('2025-01-14T00:00:00Z') }))).toBe(
      'CERTIFICATE_NOT_VALID_AT_TIME',
    );
    expect(await reasonOf(sampleInput({ now: new Date('2024-01-26T16:15:32Z') }))).toBe(
      'CERTIFICATE_NOT_VALID_AT_TIME',
    );
  });

  it('the production environment → AAGUID_MISMATCH (the sample is a development key)', async () => {
    expect(
      await reasonOf(sampleInput({ policy: { ...applePolicy, environment: 'production' } })),
    ).toBe('AAGUID_MISMATCH');
  });

  it('another app id → RP_ID_MISMATCH; another key → PUBLIC_KEY_MISMATCH; other roots → ROOT_NOT_TRUSTED', async () => {
    expect(
      await reasonOf(
        sampleInput({ policy: { ...applePolicy, appIds: ['979F6L8R8M.org.example.other'] } }),
      ),
    ).toBe('RP_ID_MISMATCH');
    expect(
      await reasonOf(sampleInput({ keyToRegister: (await generateTestKeyPair()).publicJwk })),
    ).toBe('PUBLIC_KEY_MISMATCH');
    expect(
      await reasonOf(
        sampleInput({ policy: { ...applePolicy, trustAnchors: googleRootAnchors() } }),
      ),
    ).toBe('ROOT_NOT_TRUSTED');
  });

  it('a policy that does not accept secure-enclave keys → SECURITY_LEVEL_INSUFFICIENT', async () => {
    expect(
      await reasonOf(sampleInput({ policy: { ...applePolicy, acceptedLevels: ['software'] } })),
    ).toBe('SECURITY_LEVEL_INSUFFICIENT');
  });

  it('malformed CBOR (one byte cut, or an extra byte) → EVIDENCE_MALFORMED', async () => {
    const evidence = sampleInput().evidence;
    expect(
      await reasonOf(sampleInput({ evidence: evidence.subarray(0, evidence.length - 1) })),
    ).toBe('EVIDENCE_MALFORMED');
    expect(await reasonOf(sampleInput({ evidence: new Uint8Array([...evidence, 0]) }))).toBe(
      'EVIDENCE_MALFORMED',
    );
  });
});

describe('synthetic App Attest objects: each failure mode has its reason code', () => {
  let fixture: Awaited<ReturnType<typeof appAttestFixture>>;
  const challenge = new TextEncoder().encode('app-attest-challenge-0001');

  beforeAll(async () => {
    fixture = await appAttestFixture();
  });

  async function reasonOfObject(
    options: Partial<AppAttestOptions> = {},
    key: TestKeyPair = fixture.key,
  ): Promise<string> {
    const evidence = await buildAppAttestObject({ root: fixture.root, key, challenge, ...options });
    return reasonOf({
      format: 'apple-app-attest',
      evidence,
      expectedChallenge: challenge,
      keyToRegister: key.publicJwk,
      purpose: 'payment',
      policy: iosTestPolicy(fixture.root.anchor),
      now: testNow,
    });
  }

  it('the genuine object is accepted', async () => {
    expect(await reasonOfObject()).toBe('accepted:secure-enclave');
  });

  it('a counter that is not 0 → COUNTER_NOT_ZERO', async () => {
    expect(await reasonOfObject({ counter: 1 })).toBe('COUNTER_NOT_ZERO');
  });

  it('a credential id that is not SHA-256 of the key → CREDENTIAL_ID_MISMATCH', async () => {
    expect(await reasonOfObject({ credentialId: sha256(new Uint8Array([1])) })).toBe(
      'CREDENTIAL_ID_MISMATCH',
    );
  });

  it('authenticator data altered after Apple certified its nonce → NONCE_MISMATCH', async () => {
    const raiseCounter = (data: Uint8Array) => Object.assign(data.slice(), { [36]: 1 });
    expect(await reasonOfObject({ alterAfterCertifying: raiseCounter })).toBe('NONCE_MISMATCH');
  });

  it('another key in the authenticator data than in the certificate → PUBLIC_KEY_MISMATCH', async () => {
    const other = await generateTestKeyPair();
    expect(await reasonOfObject({ authenticatorDataKey: other.publicJwk })).toBe(
      'PUBLIC_KEY_MISMATCH',
    );
  });

  it('the production AAGUID where development is configured → AAGUID_MISMATCH; another app → RP_ID_MISMATCH', async () => {
    const production = new Uint8Array([
      ...new TextEncoder().encode('appattest'),
      0,
      0,
      0,
      0,
      0,
      0,
      0,
    ]);
    expect(await reasonOfObject({ aaguid: production })).toBe('AAGUID_MISMATCH');
    expect(await reasonOfObject({ appId: 'ABCDE12345.com.evil.wallet' })).toBe('RP_ID_MISMATCH');
  });
});
