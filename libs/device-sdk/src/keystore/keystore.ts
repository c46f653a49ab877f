import { type ProtocolPublicKey } from '@settle/protocol';
import { type SignatureAlgorithm } from '@settle/crypto';

// The port to a device's key storage. On a phone it is secure hardware; the SDK never sees a private
// key, only asks for signatures over the protocol's ToBeSigned bytes.
//
// Mapping to the platforms (what an adapter must do):
//
// Android Keystore (StrongBox where `PackageManager.FEATURE_STRONGBOX_KEYSTORE`):
//   KeyGenParameterSpec.Builder(alias, PURPOSE_SIGN)
//     .setAlgorithmParameterSpec(ECGenParameterSpec("secp256r1")).setDigests(DIGEST_SHA256)
//     .setIsStrongBoxBacked(true)
//     .setAttestationChallenge(challengeFromTheRegistry)          // key attestation, DESIGN §8
//     // payment key only: every use needs a fresh biometric or device-credential authentication
//     .setUserAuthenticationRequired(true)
//     .setUserAuthenticationParameters(0, AUTH_BIOMETRIC_STRONG or AUTH_DEVICE_CREDENTIAL)
//     .setInvalidatedByBiometricEnrollment(true)
//   sign: Signature.getInstance("SHA256withECDSA") inside BiometricPrompt's CryptoObject; the DER
//   signature is converted to raw r‖s (`ecdsaDerToRaw` of @settle/crypto).
// iOS Secure Enclave (CryptoKit / Security):
//   SecAccessControlCreateWithFlags(…, kSecAttrAccessibleWhenUnlockedThisDeviceOnly,
//     [.privateKeyUsage, .biometryCurrentSet or .userPresence])   // payment key only
//   SecKeyCreateRandomKey with kSecAttrTokenIDSecureEnclave, P-256; attestation via App Attest.
//   sign: SecKeyCreateSignature(.ecdsaSignatureMessageX962SHA256) with an LAContext carrying the
//   prompt; DER → raw r‖s.
// TPM 2.0 (laptops, some terminals): TPM2_Create under the storage key with an authPolicy
//   (PolicyAuthValue or a biometric policy) for the payment key; TPM2_Sign with TPM_ALG_ECDSA,
//   SHA-256 (the TPM signs a digest: hash the ToBeSigned bytes first).
//
// The binding key (TLS token binding, DESIGN §7) is the same kind of key WITHOUT user
// authentication: it signs on every connection. One key never serves both purposes.

/**
 * What a key is for. A payment key needs the user's authentication for every signature; a binding
 * key signs silently. One key is never both.
 *
 * @example
 * ```ts
 * const purpose: KeyPurpose = 'payment';
 * ```
 */
export type KeyPurpose = 'payment' | 'binding';

/**
 * What the user is shown when the payment key is about to sign (the biometric prompt's text).
 *
 * @example
 * ```ts
 * const prompt: UserAuthenticationPrompt = { title: 'Pay 12.50 EUR', subtitle: 'Café Olé' };
 * ```
 */
export interface UserAuthenticationPrompt {
  readonly title: string;
  readonly subtitle: string;
}

/**
 * A key held by a keystore. `sign` returns the raw 64-byte signature (r‖s for ES256) over `data`,
 * the ToBeSigned bytes: for a payment key only after the user authenticated (else it throws a
 * {@link KeystoreError} `USER_AUTHENTICATION_FAILED`).
 *
 * @example
 * ```ts
 * const signature = await key.sign(prepared.toBeSigned, { title: 'Pay 12.50 EUR', subtitle: 'Café Olé' });
 * ```
 */
export interface KeystoreKey {
  readonly alias: string;
  readonly purpose: KeyPurpose;
  /** The public key, its algorithm and its key id (RFC 7638 thumbprint). */
  readonly publicKey: ProtocolPublicKey;
  sign(data: Uint8Array, prompt?: UserAuthenticationPrompt): Promise<Uint8Array>;
}

/**
 * A device's key storage: secure hardware on phones (see the mapping above), software in tests.
 *
 * @example
 * ```ts
 * const key = await keystore.generateKey('payment-key', { alg: 'ES256', purpose: 'payment' });
 * await enrol(key.publicKey.publicJwk);
 * ```
 */
export interface DeviceKeystore {
  /** Creates a key; for purpose `payment` its use requires user authentication. Throws `KEY_EXISTS` for a used alias. */
  generateKey(
    alias: string,
    options: { readonly alg: SignatureAlgorithm; readonly purpose: KeyPurpose },
  ): Promise<KeystoreKey>;
  /** The key of `alias`, or `undefined`. */
  getKey(alias: string): Promise<KeystoreKey | undefined>;
}

/**
 * Every failure code of a keystore.
 *
 * @example
 * ```ts
 * keystoreErrorCodes.includes('USER_AUTHENTICATION_FAILED'); // true
 * ```
 */
export const keystoreErrorCodes = [
  'USER_AUTHENTICATION_FAILED',
  'KEY_EXISTS',
  'KEYSTORE_FAILED',
] as const;

/**
 * One of {@link keystoreErrorCodes}.
 *
 * @example
 * ```ts
 * const code: KeystoreErrorCode = 'KEY_EXISTS';
 * ```
 */
export type KeystoreErrorCode = (typeof keystoreErrorCodes)[number];

/**
 * Thrown by a keystore: the user did not authenticate, the alias is taken, or the hardware failed
 * (`retriable` when trying again may work, e.g. the secure element was busy).
 *
 * @example
 * ```ts
 * if (error instanceof KeystoreError && error.code === 'USER_AUTHENTICATION_FAILED') showRetry();
 * ```
 */
export class KeystoreError extends Error {
  override readonly name = 'KeystoreError';
  readonly code: KeystoreErrorCode;
  readonly retriable: boolean;

  constructor(
    code: KeystoreErrorCode,
    message: string,
    options?: { cause?: unknown; retriable?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options?.retriable ?? false;
  }
}
