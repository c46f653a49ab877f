// The entry point: argument checks (thrown), the size and format gates, and format `none`.
import { generateKeyPair } from '@settle/crypto';
import { AttestationError } from './errors';
import { type VerifyAttestationInput, verifyAttestation } from './verify-attestation';
import { androidTestPolicy, testChallenge } from './testing/android-evidence';
import { webTestPolicy } from './testing/webauthn-evidence';
import { type TestKeyPair, createTestRoot, generateTestKeyPair, testNow } from './testing/test-pki';

let key: TestKeyPair;
let root: Awaited<ReturnType<typeof createTestRoot>>;

beforeAll(async () => {
  key = await generateTestKeyPair();
  root = await createTestRoot();
});

function noneInput(overrides: Partial<VerifyAttestationInput> = {}): VerifyAttestationInput {
  return {
    format: 'none',
    evidence: new Uint8Array(),
    expectedChallenge: testChallenge,
    keyToRegister: key.publicJwk,
    purpose: 'payment',
    policy: androidTestPolicy(root.anchor, {
      formats: ['android-key', 'none'],
      acceptedLevels: ['strongbox', 'tee', 'software'],
    }),
    now: testNow,
    ...overrides,
  };
}

async function reasonOf(input: VerifyAttestationInput): Promise<string> {
  const result = await verifyAttestation(input);
  return result.ok ? `accepted:${result.verdict.level}` : result.reasonCode;
}

describe('format none', () => {
  it('is accepted as a software key only where the policy lists it and accepts software', async () => {
    const result = await verifyAttestation(noneInput());
    expect(result).toMatchObject({
      ok: true,
      verdict: {
        format: 'none',
        level: 'software',
        publicKeyJwk: key.publicJwk,
        properties: { format: 'none' },
      },
    });
  });

  it('is refused by default → FORMAT_NOT_ALLOWED', async () => {
    expect(await reasonOf(noneInput({ policy: androidTestPolicy(root.anchor) }))).toBe(
      'FORMAT_NOT_ALLOWED',
    );
  });

  it('listed, but software not accepted → SECURITY_LEVEL_INSUFFICIENT', async () => {
    expect(
      await reasonOf(
        noneInput({ policy: androidTestPolicy(root.anchor, { formats: ['android-key', 'none'] }) }),
      ),
    ).toBe('SECURITY_LEVEL_INSUFFICIENT');
  });

  it('with evidence → EVIDENCE_MALFORMED; with a key of an algorithm not allowed → KEY_ALGORITHM_NOT_ALLOWED', async () => {
    expect(await reasonOf(noneInput({ evidence: new Uint8Array([0]) }))).toBe('EVIDENCE_MALFORMED');
    const ed25519 = generateKeyPair('EdDSA').publicJwk;
    expect(await reasonOf(noneInput({ keyToRegister: ed25519 }))).toBe('KEY_ALGORITHM_NOT_ALLOWED');
    const softwareWallets = webTestPolicy([], {
      formats: ['none'],
      acceptedLevels: ['software'],
      keyAlgorithms: ['ES256', 'EdDSA'],
    });
    expect(await reasonOf(noneInput({ keyToRegister: ed25519, policy: softwareWallets }))).toBe(
      'accepted:software',
    );
  });
});

describe('verifyAttestation gates and arguments', () => {
  it('refuses evidence over 64 KiB before anything else → EVIDENCE_TOO_LARGE', async () => {
    expect(
      await reasonOf(noneInput({ format: 'android-key', evidence: new Uint8Array(64 * 1024 + 1) })),
    ).toBe('EVIDENCE_TOO_LARGE');
  });

  it('throws ERR_INVALID_ARGUMENT for arguments that are the caller’s bug', async () => {
    const cases: Partial<VerifyAttestationInput>[] = [
      { keyToRegister: { ...key.publicJwk, d: 'AAAA' } },
      { keyToRegister: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' } },
      { expectedChallenge: new Uint8Array() },
      { expectedChallenge: new Uint8Array(129) },
      { now: new Date(Number.NaN) },
      { format: 'tpm' as never },
      { purpose: 'both' as never },
      { evidence: 'AAAA' as never },
    ];
    for (const overrides of cases) {
      await expect(verifyAttestation(noneInput(overrides))).rejects.toMatchObject({
        name: 'AttestationError',
        code: 'ERR_INVALID_ARGUMENT',
      });
    }
  });

  it('throws ERR_POLICY_INVALID for a policy with a mistake', async () => {
    const policy = { ...androidTestPolicy(root.anchor), formats: ['apple-app-attest'] } as never;
    await expect(verifyAttestation(noneInput({ policy }))).rejects.toBeInstanceOf(AttestationError);
    await expect(verifyAttestation(noneInput({ policy }))).rejects.toMatchObject({
      code: 'ERR_POLICY_INVALID',
    });
  });
});
