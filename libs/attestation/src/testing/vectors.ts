// Test support only: loads the third-party vectors copied into libs/attestation/vectors (see its
// README for sources and licences). Not exported from the package entry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { type PublicJwk, importPublicJwk } from '@settle/crypto';
import { type TrustAnchor, trustAnchorFromCertificate } from '../policy/trust-anchor';

const vectorsDirectory = join(__dirname, '..', '..', 'vectors');

/** Reads a file under libs/attestation/vectors as text. */
export function readVectorText(relativePath: string): string {
  return readFileSync(join(vectorsDirectory, relativePath), 'utf8');
}

/** Parses a JSON file under libs/attestation/vectors. */
export function readVectorJson<T>(relativePath: string): T {
  return JSON.parse(readVectorText(relativePath)) as T;
}

/** google/android-key-attestation `src/test/resources` (Apache-2.0). */
export const androidVectorsDirectory = 'android-key-attestation/google-android-key-attestation';

/** The four real Android chains, named as their folders. */
export const androidSampleNames = [
  'algorithm_EC_SecurityLevel_TEE',
  'algorithm_RSA_SecurityLevel_TEE',
  'algorithm_EC_SecurityLevel_StrongBox',
  'algorithm_RSA_SecurityLevel_StrongBox',
] as const;

/** One of {@link androidSampleNames}. */
export type AndroidSampleName = (typeof androidSampleNames)[number];

/** The PEM certificates of a real Android chain, leaf (cert0) first. */
export function readAndroidSamplePems(sample: AndroidSampleName): string[] {
  return [0, 1, 2, 3].map((index) =>
    readVectorText(`${androidVectorsDirectory}/pem/${sample}/cert${index}.pem`),
  );
}

/** DER of a PEM certificate, decoded with node:crypto (independent of the code under test). */
export function pemToDer(pem: string): Uint8Array {
  return new Uint8Array(new NodeX509Certificate(pem).raw);
}

/** The public key of a PEM certificate as a JWK, read with node:crypto; `undefined` for RSA. */
export function publicJwkOfPem(pem: string): PublicJwk | undefined {
  const jwk = new NodeX509Certificate(pem).publicKey.export({ format: 'jwk' });
  return jwk.kty === 'EC' && jwk.crv === 'P-256'
    ? importPublicJwk({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y })
    : undefined;
}

/** What `expected-summary.json` says of one chain. */
export interface AndroidExpectedSummary {
  readonly certs: readonly {
    readonly serialHex: string;
    readonly notBefore: string;
    readonly notAfter: string;
  }[];
  readonly signaturesValid: readonly boolean[];
  readonly rootIsGoogleHardwareAttestationRoot: boolean;
  readonly leafSpkiSha256: string;
  readonly keyDescription: {
    readonly attestationVersion: number;
    readonly attestationSecurityLevel: string;
    readonly keymasterOrKeyMintVersion: number;
    readonly keymasterOrKeyMintSecurityLevel: string;
    readonly attestationChallengeUtf8: string;
  };
}

/** `expected-summary.json` of the Android chains. */
export function readAndroidExpectedSummary(): {
  readonly [sample in AndroidSampleName]: AndroidExpectedSummary;
} {
  return readVectorJson(`${androidVectorsDirectory}/expected-summary.json`);
}

/** Google's current attestation roots (android/keyattestation `roots.json`), as pinned keys. */
export function googleRootAnchors(): TrustAnchor[] {
  const pems = readVectorJson<string[]>('roots/google-key-attestation-roots.json');
  return pems.map((pem, index) =>
    trustAnchorFromCertificate(
      index === 0
        ? 'Google Hardware Attestation Root (RSA 4096)'
        : 'Google Key Attestation CA1 (ECDSA P-384)',
      pem,
    ),
  );
}

/** Apple's App Attestation Root CA, as a pinned key. */
export function appleAppAttestationRootAnchor(): TrustAnchor {
  return trustAnchorFromCertificate(
    'Apple App Attestation Root CA',
    readVectorText('roots/Apple_App_Attestation_Root_CA.pem'),
  );
}

/** The App Attest sample of srinivas1729/appattest-checker-node (Apache-2.0). */
export interface AppleAppAttestSample {
  readonly attestationBase64: string;
  readonly keyIdBase64: string;
  readonly challenge: { readonly bytesHex: string };
  readonly appId: string;
  readonly environment: 'development' | 'production';
  readonly verifyAt: string;
  readonly leafValidity: readonly [string, string];
  readonly expected: { readonly verified: boolean; readonly publicKeySpkiBase64: string };
}

/** Reads the App Attest sample. */
export function readAppleAppAttestSample(): AppleAppAttestSample {
  return readVectorJson(
    'apple-app-attest/srinivas1729-appattest-checker-node/attestation-2024.json',
  );
}

/** A real App Attest assertion of the same key as {@link readAppleAppAttestSample}'s (srinivas1729/appattest-checker-node, Apache-2.0). */
export interface AppleAppAttestAssertionSample {
  readonly assertionBase64: string;
  /** The client data whose SHA-256 the app passed to `generateAssertion`. */
  readonly clientDataUtf8: string;
  readonly appId: string;
  readonly publicKeySpkiBase64: string;
  readonly expected: { readonly verified: boolean; readonly counter: number };
}

/** Reads the App Attest assertion sample. */
export function readAppleAppAttestAssertionSample(): AppleAppAttestAssertionSample {
  return readVectorJson('apple-app-attest/srinivas1729-appattest-checker-node/assertion-2024.json');
}

/** A real Android chain copied from another project's test suite (leaf first, DER in base64). */
export interface AndroidChainVector {
  readonly source: string;
  readonly what: string;
  readonly attestationChallengeHex?: string;
  readonly attestationChallengeUtf8?: string;
  readonly packageName?: string;
  readonly signingCertificateSha256?: string;
  /** A time at which every certificate above the leaf is valid. */
  readonly validAt: string;
  readonly certificatesBase64: readonly string[];
}

/** Reads one of the chains under `vectors/android-key-attestation/<project>/`. */
export function readAndroidChainVector(
  relativePath: string,
): AndroidChainVector & { readonly certificates: readonly Uint8Array[] } {
  const vector = readVectorJson<AndroidChainVector>(`android-key-attestation/${relativePath}`);
  return {
    ...vector,
    certificates: vector.certificatesBase64.map(
      (base64) => new Uint8Array(Buffer.from(base64, 'base64')),
    ),
  };
}

/** A real WebAuthn registration copied from another project's test suite. */
export interface WebAuthnRegistrationVector {
  readonly source: string;
  readonly what: string;
  readonly rpId: string;
  readonly origin: string;
  readonly challengeBase64Url: string;
  readonly validAt: string;
  readonly clientDataJsonBase64Url: string;
  readonly attestationObjectBase64Url: string;
}

/** Reads one of the registrations under `vectors/webauthn/<project>/`. */
export function readWebAuthnRegistrationVector(relativePath: string): WebAuthnRegistrationVector {
  return readVectorJson<WebAuthnRegistrationVector>(`webauthn/${relativePath}`);
}
