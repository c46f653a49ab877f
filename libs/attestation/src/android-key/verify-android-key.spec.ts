// Android Key Attestation with synthetic chains made here with test roots: one case per failure
// mode, each with its reason code. The real chains are in android-key-vectors.spec.ts.
import {
  AuthorizationList,
  IntegerSet,
  type KeyDescription,
  NonStandardAuthorization,
  NonStandardAuthorizationList,
  NonStandardKeyDescription,
  RootOfTrust,
  SecurityLevel,
  VerifiedBootState,
  id_ce_keyDescription,
} from '@peculiar/asn1-android';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Integer, OctetString as Asn1OctetString, Sequence } from 'asn1js';
import { calculateJwkThumbprint } from '@settle/crypto';
import { type VerifyAttestationInput, verifyAttestation } from '../verify-attestation';
import {
  androidRevocationStatusListFetched,
  parseAndroidRevocationStatusList,
} from '../policy/android-revocation-status-list';
import {
  type AndroidTestChain,
  androidEvidence,
  androidTestPolicy,
  buildAndroidChain,
  buildKeyDescription,
  keyMintPurpose,
  testAttestationApplicationId,
  testChallenge,
  withExtraAuthorization,
} from '../testing/android-evidence';
import {
  type TestKeyPair,
  createTestRoot,
  generateP384KeyPair,
  generateTestKeyPair,
  issueTestCertificate,
  testExtension,
  testNow,
  withBrokenSignature,
} from '../testing/test-pki';

type Root = Awaited<ReturnType<typeof createTestRoot>>;

let root: Root;
let key: TestKeyPair;
let genuine: AndroidTestChain;

beforeAll(async () => {
  root = await createTestRoot();
  key = await generateTestKeyPair();
  genuine = await buildAndroidChain({ root, leafKeys: key.keys });
});

function input(overrides: Partial<VerifyAttestationInput> = {}): VerifyAttestationInput {
  return {
    format: 'android-key',
    evidence: genuine.evidence,
    expectedChallenge: testChallenge,
    keyToRegister: key.publicJwk,
    purpose: 'payment',
    policy: androidTestPolicy(root.anchor),
    now: testNow,
    ...overrides,
  };
}

/** A chain from the shared root for the shared key, with a KeyDescription changed by `mutate`. */
async function chainWith(mutate: (description: KeyDescription) => void): Promise<AndroidTestChain> {
  return buildAndroidChain({
    root,
    leafKeys: key.keys,
    keyDescription: buildKeyDescription(testChallenge, mutate),
  });
}

async function reasonOf(overrides: Partial<VerifyAttestationInput>): Promise<string> {
  const result = await verifyAttestation(input(overrides));
  return result.ok ? 'accepted' : result.reasonCode;
}

describe('android-key: the genuine synthetic chain', () => {
  it('is accepted as a StrongBox payment key, with the key id of the registered key', async () => {
    const result = await verifyAttestation(input());
    if (!result.ok) throw new Error(`${result.reasonCode}: ${result.detail}`);
    expect(result.verdict).toMatchObject({
      format: 'android-key',
      level: 'strongbox',
      keyId: calculateJwkThumbprint(key.publicJwk),
      publicKeyJwk: key.publicJwk,
    });
    expect(result.verdict.properties).toMatchObject({
      format: 'android-key',
      trustAnchor: { name: root.anchor.name, spkiSha256: root.anchor.spkiSha256 },
      attestationVersion: 200,
      packageName: 'com.example.wallet',
      verifiedBootState: 'verified',
      deviceLocked: true,
      userAuthenticationRequired: true,
      osPatchLevel: 202505,
    });
  });

  it('is accepted at level tee when the key is in the TEE and the policy accepts it', async () => {
    const tee = await chainWith((description) => {
      description.attestationSecurityLevel = SecurityLevel.trustedEnvironment;
      description.keymasterSecurityLevel = SecurityLevel.trustedEnvironment;
    });
    const result = await verifyAttestation(input({ evidence: tee.evidence }));
    expect(result.ok && result.verdict.level).toBe('tee');
  });

  it('accepts authorization lists whose tags are out of order (some devices emit them so)', async () => {
    const description = AsnConvert.parse(buildKeyDescription(), NonStandardKeyDescription);
    description.teeEnforced = new NonStandardAuthorizationList(
      [...description.teeEnforced].reverse(),
    );
    const chain = await buildAndroidChain({
      root,
      leafKeys: key.keys,
      keyDescription: new Uint8Array(AsnConvert.serialize(description)),
    });
    expect(await reasonOf({ evidence: chain.evidence })).toBe('accepted');
  });

  // Issue 13 §4: these were EVIDENCE_MALFORMED, because asn1-android's schema cannot parse a tag it
  // does not know. Tag 1000 is the unknown tag of Google's own test (android/keyattestation
  // testing/Certs.kt, CertLists.unknownTag); BLOCK_MODE (4) is a real KeyMint tag the schema lacks.
  it('skips authorization tags the schema does not know (a newer KeyMint), in either list, and names them in the verdict', async () => {
    const withUnknown = withExtraAuthorization(
      withExtraAuthorization(
        buildKeyDescription(),
        'hardwareEnforced',
        1000,
        new Integer({ value: 2048 }),
      ),
      'softwareEnforced',
      4,
      new Sequence({ value: [new Integer({ value: 1 })] }),
    );
    const chain = await buildAndroidChain({
      root,
      leafKeys: key.keys,
      keyDescription: withUnknown,
    });
    const result = await verifyAttestation(input({ evidence: chain.evidence }));
    if (!result.ok) throw new Error(`${result.reasonCode}: ${result.detail}`);
    expect(result.verdict.properties).toMatchObject({
      format: 'android-key',
      skippedAuthorizationTags: [4, 1000],
      userAuthenticationRequired: true,
    });
  });

  it('an unknown tag on a key of another algorithm → KEY_ALGORITHM_NOT_ALLOWED, never EVIDENCE_MALFORMED', async () => {
    const otherCurve = await generateP384KeyPair();
    const chain = await buildAndroidChain({
      root,
      leafKeys: otherCurve,
      keyDescription: withExtraAuthorization(
        buildKeyDescription(),
        'hardwareEnforced',
        1000,
        new Integer({ value: 1 }),
      ),
    });
    expect(await reasonOf({ evidence: chain.evidence })).toBe('KEY_ALGORITHM_NOT_ALLOWED');
  });

  it('a known tag that does not decode is still EVIDENCE_MALFORMED (origin as an OCTET STRING)', async () => {
    const chain = await buildAndroidChain({
      root,
      leafKeys: key.keys,
      keyDescription: withExtraAuthorization(
        buildKeyDescription(),
        'softwareEnforced',
        702,
        new Asn1OctetString({ valueHex: new Uint8Array([0]).buffer }),
      ),
    });
    expect(await reasonOf({ evidence: chain.evidence })).toBe('EVIDENCE_MALFORMED');
  });

  it('does not read the leaf’s dates, which the device writes (Google’s rule): a phone clock ahead of ours is no reason to refuse', async () => {
    const clockAhead = await buildAndroidChain({
      root,
      leafKeys: key.keys,
      leafValidity: {
        notBefore: new Date('2025-06-01T12:05:00Z'),
        notAfter: new Date('2048-01-01T00:00:00Z'),
      },
    });
    expect(await reasonOf({ evidence: clockAhead.evidence })).toBe('accepted');
    const leafExpired = await buildAndroidChain({
      root,
      leafKeys: key.keys,
      leafValidity: {
        notBefore: new Date('1970-01-01T00:00:00Z'),
        notAfter: new Date('2025-01-01T00:00:00Z'),
      },
    });
    expect(await reasonOf({ evidence: leafExpired.evidence })).toBe('accepted');
  });
});

describe('android-key: each failure mode has its reason code', () => {
  it('wrong challenge → CHALLENGE_MISMATCH', async () => {
    expect(
      await reasonOf({ expectedChallenge: new TextEncoder().encode('another challenge') }),
    ).toBe('CHALLENGE_MISMATCH');
  });

  it('untrusted root (a chain from another test root) → ROOT_NOT_TRUSTED', async () => {
    const foreign = await buildAndroidChain({ leafKeys: key.keys });
    expect(await reasonOf({ evidence: foreign.evidence })).toBe('ROOT_NOT_TRUSTED');
  });

  it('broken chain signature (one bit of the intermediate signature flipped) → CERTIFICATE_CHAIN_INVALID', async () => {
    const [leaf, attestationKey, intermediate, rootDer] = genuine.certificates;
    const evidence = androidEvidence([
      leaf!,
      attestationKey!,
      withBrokenSignature(intermediate!),
      rootDer!,
    ]);
    expect(await reasonOf({ evidence })).toBe('CERTIFICATE_CHAIN_INVALID');
  });

  it('a missing link (the attestation-key certificate left out) → CERTIFICATE_CHAIN_INVALID', async () => {
    const [leaf, , intermediate, rootDer] = genuine.certificates;
    expect(await reasonOf({ evidence: androidEvidence([leaf!, intermediate!, rootDer!]) })).toBe(
      'CERTIFICATE_CHAIN_INVALID',
    );
  });

  it('an attested key used as a CA for a forged leaf with made-up attestation data → CERTIFICATE_CHAIN_INVALID', async () => {
    const attacker = await buildAndroidChain({ root, leafKeys: key.keys });
    const forgedKey = await generateTestKeyPair();
    const forged = await issueTestCertificate({
      issuer: attacker.leaf,
      subject: 'CN=Android Keystore Key',
      keys: forgedKey.keys,
      extensions: [testExtension(id_ce_keyDescription, buildKeyDescription())],
    });
    const evidence = androidEvidence([forged.der, ...attacker.certificates]);
    expect(await reasonOf({ evidence, keyToRegister: forgedKey.publicJwk })).toBe(
      'CERTIFICATE_CHAIN_INVALID',
    );
  });

  it('an intermediate not valid at the time (this chain is not factory-provisioned): after it expired, and before it was valid → CERTIFICATE_NOT_VALID_AT_TIME', async () => {
    expect(await reasonOf({ now: new Date('2027-01-01T00:00:01Z') })).toBe(
      'CERTIFICATE_NOT_VALID_AT_TIME',
    );
    expect(await reasonOf({ now: new Date('2024-12-31T23:59:59Z') })).toBe(
      'CERTIFICATE_NOT_VALID_AT_TIME',
    );
  });

  it('software key where hardware is required → SECURITY_LEVEL_INSUFFICIENT', async () => {
    const software = await chainWith((description) => {
      description.attestationSecurityLevel = SecurityLevel.software;
      description.keymasterSecurityLevel = SecurityLevel.software;
    });
    expect(await reasonOf({ evidence: software.evidence })).toBe('SECURITY_LEVEL_INSUFFICIENT');
  });

  it('TEE key where the policy requires StrongBox, or StrongBox key attested by the TEE → SECURITY_LEVEL_INSUFFICIENT', async () => {
    const attestedByTee = await chainWith((description) => {
      description.attestationSecurityLevel = SecurityLevel.trustedEnvironment;
    });
    const strongBoxOnly = androidTestPolicy(root.anchor, { acceptedLevels: ['strongbox'] });
    expect(await reasonOf({ evidence: attestedByTee.evidence, policy: strongBoxOnly })).toBe(
      'SECURITY_LEVEL_INSUFFICIENT',
    );
  });

  it('attested key differs from the key being registered → PUBLIC_KEY_MISMATCH', async () => {
    const other = await generateTestKeyPair();
    expect(await reasonOf({ keyToRegister: other.publicJwk })).toBe('PUBLIC_KEY_MISMATCH');
  });

  it('attested key on a curve the protocol does not use (P-384) → KEY_ALGORITHM_NOT_ALLOWED', async () => {
    const p384 = await buildAndroidChain({ root, leafKeys: await generateP384KeyPair() });
    expect(await reasonOf({ evidence: p384.evidence })).toBe('KEY_ALGORITHM_NOT_ALLOWED');
  });

  it('wrong application id: another package, or our package signed with another certificate → APPLICATION_ID_MISMATCH', async () => {
    const otherPackage = await chainWith((description) => {
      description.softwareEnforced.attestationApplicationId = testAttestationApplicationId([
        'com.evil.wallet',
      ]);
    });
    const otherSigner = await chainWith((description) => {
      description.softwareEnforced.attestationApplicationId = testAttestationApplicationId(
        undefined,
        ['00'.repeat(32)],
      );
    });
    const noApplicationId = await chainWith((description) => {
      description.softwareEnforced.attestationApplicationId = undefined;
    });
    expect(await reasonOf({ evidence: otherPackage.evidence })).toBe('APPLICATION_ID_MISMATCH');
    expect(await reasonOf({ evidence: otherSigner.evidence })).toBe('APPLICATION_ID_MISMATCH');
    expect(await reasonOf({ evidence: noApplicationId.evidence })).toBe('APPLICATION_ID_MISMATCH');
  });

  it('unlocked device, or unverified boot → ROOT_OF_TRUST_UNVERIFIED', async () => {
    const unlocked = await chainWith((description) => {
      description.teeEnforced.rootOfTrust!.deviceLocked = false;
    });
    const unverified = await chainWith((description) => {
      description.teeEnforced.rootOfTrust!.verifiedBootState = VerifiedBootState.unverified;
    });
    expect(await reasonOf({ evidence: unlocked.evidence })).toBe('ROOT_OF_TRUST_UNVERIFIED');
    expect(await reasonOf({ evidence: unverified.evidence })).toBe('ROOT_OF_TRUST_UNVERIFIED');
  });

  it('a root of trust claimed only by the OS (software-enforced list) → ROOT_OF_TRUST_UNVERIFIED', async () => {
    const claimedBySoftware = await chainWith((description) => {
      description.softwareEnforced.rootOfTrust = description.teeEnforced.rootOfTrust;
      description.teeEnforced.rootOfTrust = undefined;
    });
    expect(await reasonOf({ evidence: claimedBySoftware.evidence })).toBe(
      'ROOT_OF_TRUST_UNVERIFIED',
    );
  });

  it('a self-signed boot image is refused by default and accepted where the policy lists it', async () => {
    const selfSigned = await chainWith((description) => {
      description.teeEnforced.rootOfTrust = new RootOfTrust({
        ...description.teeEnforced.rootOfTrust!,
        verifiedBootState: VerifiedBootState.selfSigned,
      });
    });
    expect(await reasonOf({ evidence: selfSigned.evidence })).toBe('ROOT_OF_TRUST_UNVERIFIED');
    const policy = androidTestPolicy(root.anchor, {
      verifiedBootStates: ['verified', 'self-signed'],
    });
    expect(await reasonOf({ evidence: selfSigned.evidence, policy })).toBe('accepted');
  });

  it('payment key without user authentication → USER_AUTHENTICATION_NOT_REQUIRED; a binding key is fine', async () => {
    const noAuthentication = await chainWith((description) => {
      description.teeEnforced.userAuthType = undefined;
      description.teeEnforced.noAuthRequired = null;
    });
    expect(await reasonOf({ evidence: noAuthentication.evidence })).toBe(
      'USER_AUTHENTICATION_NOT_REQUIRED',
    );
    expect(await reasonOf({ evidence: noAuthentication.evidence, purpose: 'binding' })).toBe(
      'accepted',
    );
  });

  it('payment key unlocked for five minutes by one authentication → USER_AUTHENTICATION_NOT_REQUIRED unless the policy allows it', async () => {
    const timeBound = await chainWith((description) => {
      description.teeEnforced.authTimeout = 300;
    });
    expect(await reasonOf({ evidence: timeBound.evidence })).toBe(
      'USER_AUTHENTICATION_NOT_REQUIRED',
    );
    const policy = androidTestPolicy(root.anchor, {
      paymentKeyAuthenticationValidityMaxSeconds: 300,
    });
    expect(await reasonOf({ evidence: timeBound.evidence, policy })).toBe('accepted');
  });

  it('user authentication claimed only by the OS (software-enforced list) → USER_AUTHENTICATION_NOT_REQUIRED', async () => {
    const claimedBySoftware = await chainWith((description) => {
      description.softwareEnforced.userAuthType = 2;
      description.teeEnforced.userAuthType = undefined;
    });
    expect(await reasonOf({ evidence: claimedBySoftware.evidence })).toBe(
      'USER_AUTHENTICATION_NOT_REQUIRED',
    );
  });

  it('revoked serial (the intermediate, listed with its leading zero dropped) → CERTIFICATE_REVOKED', async () => {
    const chain = await buildAndroidChain({
      root,
      leafKeys: key.keys,
      intermediateSerialNumber: '0c0ffee1',
    });
    const revocationStatusList = parseAndroidRevocationStatusList({
      entries: { c0ffee1: { status: 'REVOKED', reason: 'KEY_COMPROMISE' } },
    });
    const policy = androidTestPolicy(root.anchor, { revocationStatusList });
    const result = await verifyAttestation(input({ evidence: chain.evidence, policy }));
    expect(result).toMatchObject({ ok: false, reasonCode: 'CERTIFICATE_REVOKED' });
    const suspended = parseAndroidRevocationStatusList({
      entries: { C0FFEE1: { status: 'SUSPENDED' } },
    });
    expect(
      await reasonOf({
        evidence: chain.evidence,
        policy: androidTestPolicy(root.anchor, { revocationStatusList: suspended }),
      }),
    ).toBe('CERTIFICATE_REVOKED');
  });

  it('a fetched status list past its age → REVOCATION_STATUS_LIST_STALE, even for an unlisted chain; within its age → accepted', async () => {
    const chain = await buildAndroidChain({ root, leafKeys: key.keys });
    const at = input({ evidence: chain.evidence }).now;
    const fetched = (ageMs: number) =>
      androidRevocationStatusListFetched({ entries: {} }, new Date(at.getTime() - ageMs), 3_600);
    const stale = await verifyAttestation(
      input({
        evidence: chain.evidence,
        policy: androidTestPolicy(root.anchor, { revocationStatusList: fetched(3_600_001) }),
      }),
    );
    expect(stale).toMatchObject({ ok: false, reasonCode: 'REVOCATION_STATUS_LIST_STALE' });
    expect(
      await verifyAttestation(
        input({
          evidence: chain.evidence,
          policy: androidTestPolicy(root.anchor, { revocationStatusList: fetched(3_600_000) }),
        }),
      ),
    ).toMatchObject({ ok: true });
  });

  it('a key usable for more than signing, or not for signing → KEY_PURPOSE_INVALID', async () => {
    const agreeToo = await chainWith((description) => {
      description.teeEnforced.purpose = new IntegerSet([
        keyMintPurpose.sign,
        keyMintPurpose.agreeKey,
      ]);
    });
    const decryptOnly = await chainWith((description) => {
      description.teeEnforced.purpose = new IntegerSet([keyMintPurpose.decrypt]);
    });
    const signVerify = await chainWith((description) => {
      description.teeEnforced.purpose = new IntegerSet([
        keyMintPurpose.sign,
        keyMintPurpose.verify,
      ]);
    });
    const purposeClaimedBySoftware = await chainWith((description) => {
      description.softwareEnforced.purpose = description.teeEnforced.purpose;
      description.teeEnforced.purpose = undefined;
    });
    expect(await reasonOf({ evidence: agreeToo.evidence })).toBe('KEY_PURPOSE_INVALID');
    expect(await reasonOf({ evidence: decryptOnly.evidence })).toBe('KEY_PURPOSE_INVALID');
    expect(await reasonOf({ evidence: purposeClaimedBySoftware.evidence })).toBe(
      'KEY_PURPOSE_INVALID',
    );
    expect(await reasonOf({ evidence: signVerify.evidence })).toBe('accepted');
  });

  it('an imported key → KEY_ORIGIN_NOT_GENERATED', async () => {
    const imported = await chainWith((description) => {
      description.teeEnforced.origin = 2;
    });
    expect(await reasonOf({ evidence: imported.evidence })).toBe('KEY_ORIGIN_NOT_GENERATED');
  });

  it('malformed CBOR → EVIDENCE_MALFORMED', async () => {
    const truncated = genuine.evidence.subarray(0, genuine.evidence.length - 1);
    const notAnArray = new Uint8Array([0xa0]);
    expect(await reasonOf({ evidence: truncated })).toBe('EVIDENCE_MALFORMED');
    expect(await reasonOf({ evidence: notAnArray })).toBe('EVIDENCE_MALFORMED');
    expect(await reasonOf({ evidence: new Uint8Array() })).toBe('EVIDENCE_MALFORMED');
  });

  it('malformed DER: a truncated certificate, text instead of DER, a KeyDescription that does not decode → EVIDENCE_MALFORMED', async () => {
    const [leaf, ...rest] = genuine.certificates;
    expect(await reasonOf({ evidence: androidEvidence([leaf!.subarray(0, 200), ...rest]) })).toBe(
      'EVIDENCE_MALFORMED',
    );
    expect(
      await reasonOf({ evidence: androidEvidence([new TextEncoder().encode('MIIB'), ...rest]) }),
    ).toBe('EVIDENCE_MALFORMED');
    const garbage = await buildAndroidChain({
      root,
      leafKeys: key.keys,
      keyDescription: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]),
    });
    expect(await reasonOf({ evidence: garbage.evidence })).toBe('EVIDENCE_MALFORMED');
    const missing = await buildAndroidChain({ root, leafKeys: key.keys, keyDescription: null });
    expect(await reasonOf({ evidence: missing.evidence })).toBe('EVIDENCE_MALFORMED');
  });

  it('a tag twice in an authorization list (ambiguous) → EVIDENCE_MALFORMED', async () => {
    const description = AsnConvert.parse(buildKeyDescription(), NonStandardKeyDescription);
    const duplicate = new NonStandardAuthorization(new AuthorizationList({ origin: 2 }));
    description.teeEnforced = new NonStandardAuthorizationList([
      ...description.teeEnforced,
      duplicate,
    ]);
    const chain = await buildAndroidChain({
      root,
      leafKeys: key.keys,
      keyDescription: new Uint8Array(AsnConvert.serialize(description)),
    });
    expect(await reasonOf({ evidence: chain.evidence })).toBe('EVIDENCE_MALFORMED');
  });

  it('oversized input: evidence over 64 KiB, or more than eight certificates → EVIDENCE_TOO_LARGE', async () => {
    const padded = androidEvidence([...genuine.certificates, new Uint8Array(64 * 1024)]);
    expect(await reasonOf({ evidence: padded })).toBe('EVIDENCE_TOO_LARGE');
    const long = androidEvidence(Array.from({ length: 9 }, () => genuine.certificates[3]!));
    expect(await reasonOf({ evidence: long })).toBe('EVIDENCE_TOO_LARGE');
  });

  it('format of another device class → FORMAT_NOT_ALLOWED', async () => {
    expect(await reasonOf({ format: 'apple-app-attest' })).toBe('FORMAT_NOT_ALLOWED');
    expect(await reasonOf({ format: 'none', evidence: new Uint8Array() })).toBe(
      'FORMAT_NOT_ALLOWED',
    );
  });

  it('checks in the documented order: a chain fault is reported before a wrong challenge', async () => {
    const foreign = await buildAndroidChain({ leafKeys: key.keys });
    expect(
      await reasonOf({ evidence: foreign.evidence, expectedChallenge: new Uint8Array([1]) }),
    ).toBe('ROOT_NOT_TRUSTED');
  });
});
