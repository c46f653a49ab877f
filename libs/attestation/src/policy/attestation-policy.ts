import { type SignatureAlgorithm } from '@settle/crypto';
import { type AttestationLevel } from '../formats';
import { type AndroidRevocationStatusList } from './android-revocation-status-list';
import { type TrustAnchor, type WebTrustAnchor } from './trust-anchor';

/**
 * Android's verified boot states (KeyDescription `RootOfTrust.verifiedBootState`): `verified` (a
 * locked bootloader booted the manufacturer's image), `self-signed` (a locked bootloader booted an
 * image signed by a user-installed key, e.g. GrapheneOS), `unverified` (unlocked bootloader), `failed`.
 *
 * @example
 * ```ts
 * import { androidVerifiedBootStates } from '@settle/attestation';
 * androidVerifiedBootStates[0]; // 'verified'
 * ```
 */
export const androidVerifiedBootStates = [
  'verified',
  'self-signed',
  'unverified',
  'failed',
] as const;

/**
 * One of {@link androidVerifiedBootStates}.
 *
 * @example
 * ```ts
 * const state: AndroidVerifiedBootState = 'verified';
 * ```
 */
export type AndroidVerifiedBootState = (typeof androidVerifiedBootStates)[number];

/**
 * An Android app allowed to register keys: its package name and the SHA-256 digests (lowercase hex)
 * of the certificates it is signed with (`apksigner verify --print-certs`, "SHA-256 digest"; list
 * both the old and new one during a signing-key rotation).
 *
 * @example
 * ```ts
 * const app: AndroidApplication = { packageName: 'com.example.wallet', signingCertificateSha256: ['3f1c…'] };
 * ```
 */
export interface AndroidApplication {
  readonly packageName: string;
  readonly signingCertificateSha256: readonly string[];
}

/**
 * What every device class's policy says.
 *
 * @example
 * ```ts
 * const common: AttestationPolicyCommon = { acceptedLevels: ['strongbox', 'tee'], keyAlgorithms: ['ES256'] };
 * ```
 */
export interface AttestationPolicyCommon {
  /** Levels accepted; `software` only for software wallets or development. */
  readonly acceptedLevels: readonly AttestationLevel[];
  /** Algorithms the attested key may have (the protocol's keys are ES256; EdDSA for software wallets). */
  readonly keyAlgorithms: readonly SignatureAlgorithm[];
}

/**
 * Policy for Android phones (Android Key Attestation).
 *
 * @example
 * ```ts
 * const android: AndroidAttestationPolicy = {
 *   deviceClass: 'android',
 *   formats: ['android-key'],
 *   acceptedLevels: ['strongbox', 'tee'],
 *   keyAlgorithms: ['ES256'],
 *   trustAnchors: googleRoots,
 *   applications: [{ packageName: 'com.example.wallet', signingCertificateSha256: ['3f1c…'] }],
 *   verifiedBootStates: ['verified'],
 *   deviceLockedRequired: true,
 *   paymentKeyAuthenticationValidityMaxSeconds: 0,
 *   revocationStatusList,
 * };
 * ```
 */
export interface AndroidAttestationPolicy extends AttestationPolicyCommon {
  readonly deviceClass: 'android';
  readonly formats: readonly ('android-key' | 'none')[];
  /** Google's attestation roots (the RSA root and, since 2025, the ECDSA P-384 root). */
  readonly trustAnchors: readonly TrustAnchor[];
  readonly applications: readonly AndroidApplication[];
  /** Accepted verified boot states; production: `['verified']`. */
  readonly verifiedBootStates: readonly AndroidVerifiedBootState[];
  /** Whether the bootloader must be locked; production: `true`. */
  readonly deviceLockedRequired: boolean;
  /**
   * For payment keys: longest time a key may stay usable after one user authentication, in seconds;
   * `0` means every use needs its own authentication (no `authTimeout`).
   */
  readonly paymentKeyAuthenticationValidityMaxSeconds: number;
  readonly revocationStatusList: AndroidRevocationStatusList;
}

/**
 * Policy for iPhones (Apple App Attest).
 *
 * @example
 * ```ts
 * const ios: IosAttestationPolicy = {
 *   deviceClass: 'ios',
 *   formats: ['apple-app-attest'],
 *   acceptedLevels: ['secure-enclave'],
 *   keyAlgorithms: ['ES256'],
 *   trustAnchors: [trustAnchorFromCertificate('Apple App Attestation Root CA', applePem)],
 *   appIds: ['ABCDE12345.com.example.wallet'],
 *   environment: 'production',
 * };
 * ```
 */
export interface IosAttestationPolicy extends AttestationPolicyCommon {
  readonly deviceClass: 'ios';
  readonly formats: readonly ('apple-app-attest' | 'none')[];
  /** Apple's App Attestation Root CA key. */
  readonly trustAnchors: readonly TrustAnchor[];
  /** App ids (`<team id>.<bundle id>`) allowed to register keys. */
  readonly appIds: readonly string[];
  /** Which App Attest environment's AAGUID is accepted: `production` in production only. */
  readonly environment: 'production' | 'development';
}

/**
 * Policy for web wallets (WebAuthn `packed`).
 *
 * @example
 * ```ts
 * const web: WebAttestationPolicy = {
 *   deviceClass: 'web',
 *   formats: ['webauthn-packed'],
 *   acceptedLevels: ['strongbox', 'tee', 'secure-enclave', 'software'],
 *   keyAlgorithms: ['ES256'],
 *   trustAnchors: [],
 *   rpId: 'wallet.example.com',
 *   origins: ['https://wallet.example.com'],
 * };
 * ```
 */
export interface WebAttestationPolicy extends AttestationPolicyCommon {
  readonly deviceClass: 'web';
  readonly formats: readonly ('webauthn-packed' | 'none')[];
  /** Roots of authenticator vendors whose `x5c` attestations are trusted, each with its level. */
  readonly trustAnchors: readonly WebTrustAnchor[];
  /** The WebAuthn relying party id (a registrable domain). */
  readonly rpId: string;
  /** Exact origins (`https://host[:port]`) the registration ceremony may run on. */
  readonly origins: readonly string[];
}

/**
 * The policy of one device class: formats, levels, trust anchors and the checks' parameters. It
 * comes from configuration; check it once at start-up with `checkAttestationPolicy`.
 *
 * @example
 * ```ts
 * const policies: Record<DeviceClass, AttestationPolicy> = { android, ios, web };
 * ```
 */
export type AttestationPolicy =
  AndroidAttestationPolicy | IosAttestationPolicy | WebAttestationPolicy;
