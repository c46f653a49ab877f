// The demo's attestation: a TEST certificate authority standing in for a device vendor's attestation
// root, and Android key attestation chains from it for every key the demo's phones and terminals
// register. The verifier of the demo stack runs with a policy trusting this CA (and only for the demo):
// no real device vendor is involved, and it is labelled so wherever it appears.
import { webcrypto } from 'node:crypto';
import { id_ce_keyDescription } from '@peculiar/asn1-android';
import {
  androidEvidence,
  buildKeyDescription,
  createTestRoot,
  type CryptoKeyPair,
  issueTestCertificate,
  type TestCertificate,
  testExtension,
  testPackageName,
  testSigningCertificateSha256,
} from '@settle/attestation/testing';
import { type KeyAttestor } from '../world/parties';

/** The label of the demo's CA, wherever it appears (console, report, the verifier's policy). */
export const demoTestCaLabel = 'DEMO TEST CA — not a real device vendor';
/** How long the demo's intermediate and leaf certificates are valid from their issue (a run, with margin). */
export const demoCertificateValidityMs = 30 * 24 * 3_600_000;
/** How far back the certificates' validity starts (clock differences between the demo and the verifier). */
export const demoCertificateBackdateMs = 24 * 3_600_000;

/** The demo CA: a root, an intermediate and an attestation-key CA below it, as Android's chains have. */
export interface DemoTestCa {
  readonly label: string;
  readonly root: TestCertificate;
  readonly rootPem: string;
  readonly attestationKey: TestCertificate;
  /** DER, intermediate CAs of every chain: attestation key first, then intermediate, then root. */
  readonly chainAbove: readonly Uint8Array[];
}

export function pemOf(der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

/** Makes a new demo CA (P-256, in memory: its keys live as long as the demo process). */
export async function createDemoTestCa(now: Date = new Date()): Promise<DemoTestCa> {
  const validity = {
    notBefore: new Date(now.getTime() - demoCertificateBackdateMs),
    notAfter: new Date(now.getTime() + demoCertificateValidityMs),
  };
  const root = await createTestRoot(`CN=${demoTestCaLabel}, O=settle demo`);
  const intermediate = await issueTestCertificate({
    issuer: root,
    subject: 'CN=DEMO TEST CA intermediate, O=settle demo',
    ca: true,
    serialNumber: '0d',
    ...validity,
  });
  const attestationKey = await issueTestCertificate({
    issuer: intermediate,
    subject: 'CN=DEMO TEST attestation key, O=settle demo',
    ca: true,
    serialNumber: '0e',
    ...validity,
  });
  return {
    label: demoTestCaLabel,
    root,
    rootPem: pemOf(root.der),
    attestationKey,
    chainAbove: [attestationKey.der, intermediate.der, root.der],
  };
}

/**
 * The verifier's attestation policy for the demo (SETTLE_VERIFIER_ATTESTATION_POLICY_FILE): the
 * production Android policy with the demo CA as its only trust anchor and the test app's identity.
 * Format `none` stays refused: every key the demo registers is attested.
 */
export function demoAttestationPolicy(ca: DemoTestCa): {
  android: Record<string, unknown>;
  terminal: Record<string, unknown>;
} {
  // Terminals are a class of their own (the policy follows the registered class, never the evidence);
  // the demo's terminals attest like its phones, through the demo CA.
  const trusted = {
    trustAnchors: [{ name: ca.label, certificate: ca.rootPem }],
    applications: [
      { packageName: testPackageName, signingCertificateSha256: [testSigningCertificateSha256] },
    ],
  };
  return { android: trusted, terminal: trusted };
}

async function publicKeyOf(publicJwk: object): Promise<webcrypto.CryptoKey> {
  const { kty, crv, x, y } = publicJwk as Record<string, string>;
  return webcrypto.subtle.importKey(
    'jwk',
    { kty, crv, x, y, key_ops: ['verify'] } as webcrypto.JsonWebKey,
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['verify'],
  );
}

let leafSerial = 0x100;

/**
 * Android key attestation evidence for `publicJwk` over `challenge`, as a StrongBox device of the test
 * app writes it (SIGN only, generated, per-use user authentication, verified boot, locked), chained to
 * the demo CA. Only the demo CA trusts it.
 */
export async function demoAndroidEvidence(
  ca: DemoTestCa,
  publicJwk: object,
  challenge: Uint8Array,
  now: Date = new Date(),
): Promise<Uint8Array> {
  // The certificate carries only the public key; the private one stays in the device's keystore.
  const publicKey = await publicKeyOf(publicJwk);
  const leaf = await issueTestCertificate({
    issuer: ca.attestationKey,
    subject: 'CN=Android Keystore Key',
    serialNumber: (leafSerial++).toString(16),
    keys: { publicKey, privateKey: publicKey } as CryptoKeyPair,
    notBefore: new Date(now.getTime() - demoCertificateBackdateMs),
    notAfter: new Date(now.getTime() + demoCertificateValidityMs),
    extensions: [keyDescriptionExtension(challenge)],
  });
  return androidEvidence([leaf.der, ...ca.chainAbove]);
}

/** The attestor the demo's devices use: android-key evidence from the demo CA. */
export function demoAttestor(ca: DemoTestCa): KeyAttestor {
  return async (key, challenge) => ({
    format: 'android-key',
    evidence: Buffer.from(await demoAndroidEvidence(ca, key.publicJwk, challenge)).toString(
      'base64url',
    ),
  });
}

/** The KeyDescription extension (Android's attestation record) carrying the registry's challenge. */
function keyDescriptionExtension(challenge: Uint8Array) {
  return testExtension(id_ce_keyDescription, buildKeyDescription(challenge));
}
