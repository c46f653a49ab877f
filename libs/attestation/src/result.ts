import { type PublicJwk } from '@settle/crypto';
import { type AttestationRejection } from './checks/rejection';
import { type AttestationFormat, type AttestationLevel } from './formats';
import { type AndroidVerifiedBootState } from './policy/attestation-policy';

export { type AttestationRejection } from './checks/rejection';

/**
 * Which pinned key the chain ended at.
 *
 * @example
 * ```ts
 * const root: VerifiedTrustAnchor = { name: 'Google Hardware Attestation Root (RSA 4096)', spkiSha256: 'feb2ea75…' };
 * ```
 */
export interface VerifiedTrustAnchor {
  readonly name: string;
  readonly spkiSha256: string;
}

/**
 * What Android Key Attestation established, beyond the level and the key.
 *
 * @example
 * ```ts
 * if (verdict.properties.format === 'android-key') log(verdict.properties.osPatchLevel);
 * ```
 */
export interface AndroidKeyAttestationProperties {
  readonly format: 'android-key';
  readonly trustAnchor: VerifiedTrustAnchor;
  /** KeyDescription version (3 = Keymaster 4, 100+ = KeyMint). */
  readonly attestationVersion: number;
  readonly attestationSecurityLevel: 'strongbox' | 'tee' | 'software';
  readonly keymasterVersion: number;
  readonly keymasterSecurityLevel: 'strongbox' | 'tee' | 'software';
  /** The configured package the attestation application id matched. */
  readonly packageName: string;
  /** Every package of the attested application id (apps sharing a user id are listed together). */
  readonly attestedPackageNames: readonly string[];
  /** SHA-256 digests (lowercase hex) of the signing certificates, as attested. */
  readonly signingCertificateSha256: readonly string[];
  /** `not-attested` for a software key: a software attestation cannot vouch for the boot. */
  readonly verifiedBootState: AndroidVerifiedBootState | 'not-attested';
  readonly deviceLocked: boolean | 'not-attested';
  /** Whether use of the key requires the user's authentication (hardware-enforced; software's claim for a software key). */
  readonly userAuthenticationRequired: boolean;
  /** YYYYMM, when attested. */
  readonly osPatchLevel: number | null;
  /** Tag numbers of KeyDescription authorizations this library's schema does not know (a newer KeyMint), skipped. */
  readonly skippedAuthorizationTags: readonly number[];
}

/**
 * What Apple App Attest established.
 *
 * @example
 * ```ts
 * if (verdict.properties.format === 'apple-app-attest') storeReceipt(verdict.properties.receipt);
 * ```
 */
export interface AppleAppAttestProperties {
  readonly format: 'apple-app-attest';
  readonly trustAnchor: VerifiedTrustAnchor;
  readonly appId: string;
  readonly environment: 'production' | 'development';
  /** Apple's key id: SHA-256 of the raw public point, base64 (as `DCAppAttestService` returns it). Not the protocol's key id. */
  readonly appleKeyId: string;
  /** App Attest cannot attest that use of the key requires the user's authentication. */
  readonly userAuthenticationRequired: 'not-attested';
  /** Apple's receipt (PKCS#7), kept for the fraud-metric service; not verified here. */
  readonly receipt: Uint8Array;
  /**
   * For a key the App Attest key vouches for by an assertion (binding keys: a Secure Enclave key, since
   * an App Attest key cannot sign TLS or DPoP): the App Attest key and the assertion's counter. Then
   * `appleKeyId`, `trustAnchor` and `receipt` are the App Attest key's. `null` when the registered key is
   * the App Attest key itself.
   */
  readonly vouchedBy: AppAttestVoucher | null;
}

/**
 * The App Attest key that vouched for a registered key at enrolment (docs/attestation.md, "iOS").
 *
 * @example
 * ```ts
 * if (verdict.properties.format === 'apple-app-attest' && verdict.properties.vouchedBy) store(verdict.properties.vouchedBy.keyId);
 * ```
 */
export interface AppAttestVoucher {
  /** RFC 7638 thumbprint of the App Attest key. */
  readonly keyId: string;
  /** The App Attest key (P-256): later assertions (e.g. fresh evidence at session start) verify with it. */
  readonly publicKeyJwk: PublicJwk;
  /** The vouching assertion's counter: later assertions of this App Attest key must have greater ones. */
  readonly assertionCounter: number;
}

/**
 * What WebAuthn `packed` established.
 *
 * @example
 * ```ts
 * if (verdict.properties.format === 'webauthn-packed' && verdict.properties.attestationType === 'self') { … }
 * ```
 */
export interface WebAuthnPackedProperties {
  readonly format: 'webauthn-packed';
  /** `x5c`: a vendor certificate vouches for the authenticator; `self`: the key signed its own creation. */
  readonly attestationType: 'x5c' | 'self';
  /** For `x5c` only. */
  readonly trustAnchor: VerifiedTrustAnchor | null;
  /** The authenticator model's AAGUID, lowercase hex. */
  readonly aaguid: string;
  readonly origin: string;
  /** The UV flag: the user was verified (PIN, biometric) when the key was created. */
  readonly userVerified: boolean;
  readonly signCount: number;
}

/**
 * Format `none`: nothing was attested.
 *
 * @example
 * ```ts
 * const properties: NoAttestationProperties = { format: 'none' };
 * ```
 */
export interface NoAttestationProperties {
  readonly format: 'none';
}

/**
 * Format-specific properties of an accepted attestation, discriminated by `format`.
 *
 * @example
 * ```ts
 * switch (verdict.properties.format) { case 'android-key': …; case 'apple-app-attest': …; case 'webauthn-packed': …; case 'none': … }
 * ```
 */
export type AttestationProperties =
  | AndroidKeyAttestationProperties
  | AppleAppAttestProperties
  | WebAuthnPackedProperties
  | NoAttestationProperties;

/**
 * An accepted attestation: the level, the attested key (which is the key being registered), its key
 * id (RFC 7638 thumbprint) and what else the evidence showed.
 *
 * @example
 * ```ts
 * const { level, keyId } = verdict; // 'tee', 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
 * ```
 */
export interface AttestationVerdict {
  readonly format: AttestationFormat;
  readonly level: AttestationLevel;
  readonly publicKeyJwk: PublicJwk;
  readonly keyId: string;
  readonly properties: AttestationProperties;
}

/**
 * The outcome of `verifyAttestation`: a verdict, or a stable reason code with a detail for logs.
 *
 * @example
 * ```ts
 * const result: AttestationResult = await verifyAttestation(input);
 * if (!result.ok) return publishRejected(result.reasonCode);
 * ```
 */
export type AttestationResult =
  { readonly ok: true; readonly verdict: AttestationVerdict } | AttestationRejection;
