// iOS binding keys (issue 13 §1): a Secure Enclave key the App Attest key vouches for by an assertion.
// Synthetic evidence is made under a TEST App Attest root (testing/apple-evidence.ts: the attestation
// object as Apple makes it, the assertion as the Secure Enclave signs it), so that each check can be
// failed alone; the real 2024 attestation and assertion of srinivas1729/appattest-checker-node
// (Apache-2.0, libs/attestation/vectors/apple-app-attest) are verified at the time they were made.
import { createPublicKey } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  type Es256PublicJwk,
  type PublicJwk,
  base64UrlEncode,
  bytesToHex,
  calculateJwkThumbprint,
  encodeCborDeterministic,
  importPublicJwk,
} from '@settle/crypto';
import {
  type AppAttestKeyVouchOptions,
  appAttestFixture,
  buildAppAttestAssertion,
  buildAppAttestKeyVouch,
  buildAppAttestObject,
  iosTestPolicy,
  testAppId,
} from '../testing/apple-evidence';
import { type TestKeyPair, generateTestKeyPair, testNow } from '../testing/test-pki';
import {
  appleAppAttestationRootAnchor,
  readAppleAppAttestAssertionSample,
  readAppleAppAttestSample,
} from '../testing/vectors';
import { type VerifyAttestationInput, verifyAttestation } from '../verify-attestation';
import {
  appAttestKeyVouchClientData,
  appAttestKeyVouchClientDataHash,
  encodeAppAttestKeyVouchEvidence,
} from './app-attest-key-vouch';
import { verifyAppAttestAssertion } from './verify-app-attest-assertion';

const challenge = new TextEncoder().encode('enrolment-challenge-0123456789ab');

describe('an iOS binding key: a Secure Enclave key vouched for by an App Attest assertion', () => {
  let fixture: Awaited<ReturnType<typeof appAttestFixture>>;
  let bindingKey: TestKeyPair;

  beforeAll(async () => {
    fixture = await appAttestFixture();
    bindingKey = await generateTestKeyPair();
  });

  function input(
    evidence: Uint8Array,
    overrides: Partial<VerifyAttestationInput> = {},
  ): VerifyAttestationInput {
    return {
      format: 'apple-app-attest',
      evidence,
      expectedChallenge: challenge,
      keyToRegister: bindingKey.publicJwk,
      purpose: 'binding',
      policy: iosTestPolicy(fixture.root.anchor),
      now: testNow,
      ...overrides,
    };
  }

  async function vouch(options: Partial<AppAttestKeyVouchOptions> = {}): Promise<Uint8Array> {
    return buildAppAttestKeyVouch({
      root: fixture.root,
      appAttestKey: fixture.key,
      vouchedKey: bindingKey.publicJwk,
      challenge,
      ...options,
    });
  }

  async function reasonOf(
    evidence: Uint8Array | Promise<Uint8Array>,
    overrides: Partial<VerifyAttestationInput> = {},
  ): Promise<string> {
    const result = await verifyAttestation(input(await evidence, overrides));
    return result.ok ? `accepted:${result.verdict.level}` : result.reasonCode;
  }

  it('accepts a good vouch: the binding key at secure-enclave, with the App Attest key and counter in vouchedBy', async () => {
    const result = await verifyAttestation(input(await vouch({ assertion: { counter: 2 } })));
    if (!result.ok) throw new Error(`${result.reasonCode}: ${result.detail}`);
    expect(result.verdict).toMatchObject({
      format: 'apple-app-attest',
      level: 'secure-enclave',
      keyId: calculateJwkThumbprint(bindingKey.publicJwk),
      publicKeyJwk: bindingKey.publicJwk,
    });
    expect(result.verdict.properties).toMatchObject({
      format: 'apple-app-attest',
      appId: testAppId,
      environment: 'development',
      userAuthenticationRequired: 'not-attested',
      vouchedBy: {
        keyId: calculateJwkThumbprint(fixture.key.publicJwk),
        publicKeyJwk: fixture.key.publicJwk,
        assertionCounter: 2,
      },
    });
  });

  it('an assertion by another key than the attested App Attest key → SIGNATURE_INVALID', async () => {
    expect(await reasonOf(vouch({ assertion: { key: await generateTestKeyPair() } }))).toBe(
      'SIGNATURE_INVALID',
    );
  });

  it('an assertion whose rpIdHash is not the app’s → RP_ID_MISMATCH (the signature verified first)', async () => {
    expect(await reasonOf(vouch({ assertion: { appId: 'ZZZZZ99999.com.evil.wallet' } }))).toBe(
      'RP_ID_MISMATCH',
    );
  });

  it('an assertion counter not above the attestation’s (0) → COUNTER_NOT_INCREASING', async () => {
    expect(await reasonOf(vouch({ assertion: { counter: 0 } }))).toBe('COUNTER_NOT_INCREASING');
    expect(await reasonOf(vouch({ assertion: { counter: 1 } }))).toBe('accepted:secure-enclave');
  });

  it('client data that does not commit to this key, purpose and challenge → SIGNATURE_INVALID', async () => {
    // A vouch for another key presented with this one (the key an attacker would like registered).
    expect(await reasonOf(vouch({ vouchedKey: (await generateTestKeyPair()).publicJwk }))).toBe(
      'SIGNATURE_INVALID',
    );
    // The same key vouched for as a payment key.
    expect(await reasonOf(vouch({ purpose: 'payment' }))).toBe('SIGNATURE_INVALID');
    // Over another challenge (the attestation's nonce is still over this one).
    const otherChallenge = appAttestKeyVouchClientData({
      purpose: 'binding',
      keyId: calculateJwkThumbprint(bindingKey.publicJwk),
      challenge: new Uint8Array(32),
    });
    expect(await reasonOf(vouch({ assertion: { clientDataHash: sha256(otherChallenge) } }))).toBe(
      'SIGNATURE_INVALID',
    );
    // Over the bare thumbprint, without the defined encoding.
    expect(
      await reasonOf(
        vouch({
          assertion: {
            clientDataHash: sha256(
              new TextEncoder().encode(calculateJwkThumbprint(bindingKey.publicJwk)),
            ),
          },
        }),
      ),
    ).toBe('SIGNATURE_INVALID');
  });

  it('a tampered signature or authenticator data → SIGNATURE_INVALID', async () => {
    const flipped = (signature: Uint8Array) =>
      Object.assign(signature.slice(), { [12]: signature[12]! ^ 0x01 });
    expect(await reasonOf(vouch({ assertion: { alterSignature: flipped } }))).toBe(
      'SIGNATURE_INVALID',
    );
    expect(await reasonOf(vouch({ assertion: { alterSignature: () => new Uint8Array(8) } }))).toBe(
      'SIGNATURE_INVALID',
    );
    expect(
      await reasonOf(
        vouch({
          assertion: { alterAfterSigning: (data) => Object.assign(data.slice(), { [36]: 9 }) },
        }),
      ),
    ).toBe('SIGNATURE_INVALID');
  });

  it('the attestation object is verified as for any App Attest key first', async () => {
    expect(await reasonOf(vouch({ attestation: { challenge: new Uint8Array(16) } }))).toBe(
      'NONCE_MISMATCH',
    );
    expect(
      await reasonOf(vouch(), {
        policy: iosTestPolicy(fixture.root.anchor, { environment: 'production' }),
      }),
    ).toBe('AAGUID_MISMATCH');
    const otherRoot = await appAttestFixture();
    expect(await reasonOf(vouch(), { policy: iosTestPolicy(otherRoot.root.anchor) })).toBe(
      'ROOT_NOT_TRUSTED',
    );
    expect(await reasonOf(vouch({ attestation: { counter: 3 } }))).toBe('COUNTER_NOT_ZERO');
  });

  it('the App Attest key itself as the binding key → PUBLIC_KEY_MISMATCH (it signs only assertions)', async () => {
    expect(
      await reasonOf(vouch({ vouchedKey: fixture.key.publicJwk }), {
        keyToRegister: fixture.key.publicJwk,
      }),
    ).toBe('PUBLIC_KEY_MISMATCH');
  });

  it('evidence that is not the envelope → EVIDENCE_MALFORMED: a bare attestation object, an extra member, another key order', async () => {
    const attestationObject = await buildAppAttestObject({
      root: fixture.root,
      key: fixture.key,
      challenge,
    });
    const clientDataHash = appAttestKeyVouchClientDataHash({
      purpose: 'binding',
      keyId: calculateJwkThumbprint(bindingKey.publicJwk),
      challenge,
    });
    const assertion = await buildAppAttestAssertion({ key: fixture.key, clientDataHash });
    expect(await reasonOf(encodeAppAttestKeyVouchEvidence({ attestationObject, assertion }))).toBe(
      'accepted:secure-enclave',
    );

    expect(await reasonOf(attestationObject)).toBe('EVIDENCE_MALFORMED');
    const extra = encodeCborDeterministic(
      new Map<string, unknown>([
        ['assertion', assertion],
        ['attestationObject', attestationObject],
        ['receipt', new Uint8Array(1)],
      ]),
    );
    expect(await reasonOf(extra)).toBe('EVIDENCE_MALFORMED');
    // The same two members, attestationObject first: not deterministic CBOR, which the project's own structures must be.
    const text = (value: string) => [0x60 + value.length, ...Buffer.from(value)];
    const bytes = (value: Uint8Array) =>
      value.length < 256
        ? [0x58, value.length, ...value]
        : [0x59, value.length >> 8, value.length & 0xff, ...value];
    const reordered = new Uint8Array([
      0xa2,
      ...text('attestationObject'),
      ...bytes(attestationObject),
      ...text('assertion'),
      ...bytes(assertion),
    ]);
    expect(await reasonOf(reordered)).toBe('EVIDENCE_MALFORMED');
    expect(
      await reasonOf(
        encodeAppAttestKeyVouchEvidence({ attestationObject, assertion: new Uint8Array([0xff]) }),
      ),
    ).toBe('EVIDENCE_MALFORMED');
  });

  it('the client data layout is pinned: label ‖ 0x00 ‖ purpose ‖ 0x00 ‖ thumbprint (32 bytes) ‖ challenge', () => {
    const keyId = base64UrlEncode(new Uint8Array(32).fill(0xab));
    const clientData = appAttestKeyVouchClientData({
      purpose: 'binding',
      keyId,
      challenge: new Uint8Array([1, 2, 3]),
    });
    expect(bytesToHex(clientData)).toBe(
      Buffer.from('settle/app-attest-key-vouch/v1').toString('hex') +
        '00' +
        Buffer.from('binding').toString('hex') +
        '00' +
        'ab'.repeat(32) +
        '010203',
    );
    expect(() =>
      appAttestKeyVouchClientData({ purpose: 'binding', keyId: 'short', challenge }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('the real App Attest attestation and assertion (2024, one device), at the time they were made', () => {
  const attestation = readAppleAppAttestSample();
  const sample = readAppleAppAttestAssertionSample();
  const appAttestKey: PublicJwk = (() => {
    const jwk = createPublicKey({
      key: Buffer.from(sample.publicKeySpkiBase64, 'base64'),
      format: 'der',
      type: 'spki',
    }).export({ format: 'jwk' });
    return importPublicJwk({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });
  })();
  const assertion = new Uint8Array(Buffer.from(sample.assertionBase64, 'base64'));

  it('the assertion verifies with the attested key over its client data: counter 1', () => {
    expect(attestation.expected.publicKeySpkiBase64).toBe(sample.publicKeySpkiBase64);
    const clientDataHash = sha256(new TextEncoder().encode(sample.clientDataUtf8));
    expect(
      verifyAppAttestAssertion({
        assertion,
        clientDataHash,
        publicKeyJwk: appAttestKey,
        appId: sample.appId,
        previousCounter: 0,
      }),
    ).toEqual({
      ok: true,
      verdict: { counter: sample.expected.counter, keyId: calculateJwkThumbprint(appAttestKey) },
    });
    expect(
      verifyAppAttestAssertion({
        assertion,
        clientDataHash,
        publicKeyJwk: appAttestKey,
        appId: sample.appId,
        previousCounter: 1,
      }),
    ).toMatchObject({ ok: false, reasonCode: 'COUNTER_NOT_INCREASING' });
    expect(
      verifyAppAttestAssertion({
        assertion,
        clientDataHash: sha256(new Uint8Array(1)),
        publicKeyJwk: appAttestKey,
        appId: sample.appId,
        previousCounter: 0,
      }),
    ).toMatchObject({ ok: false, reasonCode: 'SIGNATURE_INVALID' });
  });

  it('as the vouch of a binding key: the real attestation passes, and the assertion (over other client data) is refused', async () => {
    const evidence = encodeAppAttestKeyVouchEvidence({
      attestationObject: new Uint8Array(Buffer.from(attestation.attestationBase64, 'base64')),
      assertion,
    });
    const bindingKey: Es256PublicJwk = (await generateTestKeyPair()).publicJwk;
    const result = await verifyAttestation({
      format: 'apple-app-attest',
      evidence,
      expectedChallenge: new Uint8Array(Buffer.from(attestation.challenge.bytesHex, 'hex')),
      keyToRegister: bindingKey,
      purpose: 'binding',
      policy: iosTestPolicy(appleAppAttestationRootAnchor(), { appIds: [attestation.appId] }),
      now: new Date(attestation.verifyAt),
    });
    expect(result).toMatchObject({
      ok: false,
      reasonCode: 'SIGNATURE_INVALID',
      detail: expect.stringMatching(/^the vouching assertion/),
    });
  });
});
