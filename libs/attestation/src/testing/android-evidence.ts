// Test support only: synthetic Android Key Attestation evidence. The KeyDescription extension is
// built with @peculiar/asn1-android's schema classes and AsnConvert.serialize, the chain with
// test-pki.ts, the evidence with the project's deterministic CBOR encoder.
import {
  AttestationApplicationId,
  AttestationPackageInfo,
  AuthorizationList,
  IntegerSet,
  KeyDescription,
  RootOfTrust,
  SecurityLevel,
  VerifiedBootState,
  id_ce_keyDescription,
} from '@peculiar/asn1-android';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Constructed, type Integer as Asn1Integer, Sequence, fromBER } from 'asn1js';
import { encodeCborDeterministic, hexToBytes } from '@settle/crypto';
import { emptyAndroidRevocationStatusList } from '../policy/android-revocation-status-list';
import { type AndroidAttestationPolicy } from '../policy/attestation-policy';
import { type TrustAnchor } from '../policy/trust-anchor';
import {
  type CryptoKeyPair,
  type TestCertificate,
  createTestRoot,
  issueTestCertificate,
  testExtension,
} from './test-pki';

export const testPackageName = 'com.example.wallet';
export const testSigningCertificateSha256 =
  '3f1c5e2a9b7d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6';
export const testChallenge = new TextEncoder().encode('challenge-0123456789abcdef');

/** KeyMint purposes and other values used below. */
export const keyMintPurpose = { encrypt: 0, decrypt: 1, sign: 2, verify: 3, agreeKey: 6 } as const;

/** The attestation application id of the test app. */
export function testAttestationApplicationId(
  packageNames: readonly string[] = [testPackageName],
  digests: readonly string[] = [testSigningCertificateSha256],
): OctetString {
  const id = new AttestationApplicationId({
    packageInfos: packageNames.map(
      (name) =>
        new AttestationPackageInfo({
          packageName: new OctetString(new TextEncoder().encode(name)),
          version: 1,
        }),
    ),
    signatureDigests: digests.map((digest) => new OctetString(hexToBytes(digest))),
  });
  return new OctetString(AsnConvert.serialize(id));
}

/**
 * A KeyDescription as a StrongBox KeyMint 2 device writes it for a payment key of the test app:
 * SIGN only, generated, per-use user authentication, verified boot, locked. `mutate` changes it
 * before it is encoded.
 */
export function buildKeyDescription(
  challenge: Uint8Array = testChallenge,
  mutate?: (description: KeyDescription) => void,
): Uint8Array {
  const description = new KeyDescription({
    attestationVersion: 200,
    attestationSecurityLevel: SecurityLevel.strongBox,
    keymasterVersion: 200,
    keymasterSecurityLevel: SecurityLevel.strongBox,
    attestationChallenge: new OctetString(challenge),
    uniqueId: new OctetString(0),
    softwareEnforced: new AuthorizationList({
      creationDateTime: 1748779200000,
      attestationApplicationId: testAttestationApplicationId(),
    }),
    teeEnforced: new AuthorizationList({
      purpose: new IntegerSet([keyMintPurpose.sign]),
      algorithm: 3,
      keySize: 256,
      digest: new IntegerSet([4]),
      ecCurve: 1,
      userAuthType: 2,
      origin: 0,
      rootOfTrust: new RootOfTrust({
        verifiedBootKey: new OctetString(new Uint8Array(32).fill(7)),
        deviceLocked: true,
        verifiedBootState: VerifiedBootState.verified,
        verifiedBootHash: new OctetString(new Uint8Array(32).fill(9)),
      }),
      osVersion: 150000,
      osPatchLevel: 202505,
    }),
  });
  mutate?.(description);
  return new Uint8Array(AsnConvert.serialize(description));
}

/**
 * The DER of a KeyDescription with one more authorization, `[tagNumber] EXPLICIT value`, appended to
 * its software-enforced or hardware-enforced list: how a KeyMint newer than asn1-android's schema
 * writes a tag the schema does not know (asn1-android's classes cannot express one).
 */
export function withExtraAuthorization(
  keyDescription: Uint8Array,
  list: 'softwareEnforced' | 'hardwareEnforced',
  tagNumber: number,
  value: Asn1Integer | Constructed,
): Uint8Array {
  const decoded = fromBER(keyDescription.slice().buffer);
  if (!(decoded.result instanceof Sequence)) throw new Error('not a KeyDescription');
  const authorizations = decoded.result.valueBlock.value[list === 'softwareEnforced' ? 6 : 7];
  if (!(authorizations instanceof Sequence)) throw new Error('not an authorization list');
  authorizations.valueBlock.value.push(
    new Constructed({ idBlock: { tagClass: 3, tagNumber }, value: [value] }),
  );
  return new Uint8Array(decoded.result.toBER(false));
}

/** The evidence format of `android-key`: a deterministic-CBOR array of DER certificates, leaf first. */
export function androidEvidence(certificates: readonly Uint8Array[]): Uint8Array {
  return encodeCborDeterministic(certificates);
}

/** A synthetic chain: test root → intermediate CA → attestation-key CA → leaf. */
export interface AndroidTestChain {
  readonly root: TestCertificate & { readonly anchor: TrustAnchor };
  readonly intermediate: TestCertificate;
  readonly attestationKey: TestCertificate;
  readonly leaf: TestCertificate;
  /** DER certificates, leaf first, root last. */
  readonly certificates: readonly Uint8Array[];
  readonly evidence: Uint8Array;
}

/** What {@link buildAndroidChain} may vary. */
export interface AndroidChainOptions {
  readonly keyDescription?: Uint8Array | null;
  readonly leafKeys?: CryptoKeyPair;
  readonly root?: TestCertificate & { readonly anchor: TrustAnchor };
  readonly intermediateSerialNumber?: string;
  readonly leafValidity?: { readonly notBefore: Date; readonly notAfter: Date };
}

/** Builds a synthetic Android attestation chain (one root per call unless `root` is given). */
export async function buildAndroidChain(
  options: AndroidChainOptions = {},
): Promise<AndroidTestChain> {
  const root = options.root ?? (await createTestRoot());
  const intermediate = await issueTestCertificate({
    issuer: root,
    subject: 'CN=Test Attestation Intermediate, O=Test',
    ca: true,
    serialNumber: options.intermediateSerialNumber ?? '0a1b2c3d',
  });
  const attestationKey = await issueTestCertificate({
    issuer: intermediate,
    subject: 'CN=Test StrongBox Attestation Key, O=Test',
    ca: true,
    serialNumber: '0b',
  });
  const keyDescription =
    options.keyDescription === undefined ? buildKeyDescription() : options.keyDescription;
  const leaf = await issueTestCertificate({
    issuer: attestationKey,
    subject: 'CN=Android Keystore Key',
    serialNumber: '01',
    ...(options.leafKeys === undefined ? {} : { keys: options.leafKeys }),
    ...(options.leafValidity ?? {}),
    extensions:
      keyDescription === null ? [] : [testExtension(id_ce_keyDescription, keyDescription)],
  });
  const certificates = [leaf.der, attestationKey.der, intermediate.der, root.der];
  return {
    root,
    intermediate,
    attestationKey,
    leaf,
    certificates,
    evidence: androidEvidence(certificates),
  };
}

/** The production-shaped Android policy of the tests, trusting `anchor`. */
export function androidTestPolicy(
  anchor: TrustAnchor,
  overrides: Partial<AndroidAttestationPolicy> = {},
): AndroidAttestationPolicy {
  return {
    deviceClass: 'android',
    formats: ['android-key'],
    acceptedLevels: ['strongbox', 'tee'],
    keyAlgorithms: ['ES256'],
    trustAnchors: [anchor],
    applications: [
      { packageName: testPackageName, signingCertificateSha256: [testSigningCertificateSha256] },
    ],
    verifiedBootStates: ['verified'],
    deviceLockedRequired: true,
    paymentKeyAuthenticationValidityMaxSeconds: 0,
    revocationStatusList: emptyAndroidRevocationStatusList,
    ...overrides,
  };
}
