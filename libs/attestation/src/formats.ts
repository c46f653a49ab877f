/**
 * The evidence formats, named as in the `attestation.requested` v1 contract (a test keeps the two
 * lists equal).
 *
 * - `android-key`: Android Key Attestation; the evidence is a deterministic-CBOR array of the DER
 *   certificates of `KeyStore.getCertificateChain`, leaf first.
 * - `apple-app-attest`: the CBOR attestation object of `DCAppAttestService.attestKey`, as is.
 * - `webauthn-packed`: a deterministic-CBOR map `{ "clientDataJSON": bytes, "attestationObject":
 *   bytes }` from `navigator.credentials.create`.
 * - `none`: no evidence at all (empty bytes); accepted only where a policy lists it.
 *
 * @example
 * ```ts
 * import { attestationFormats } from '@settle/attestation';
 * attestationFormats.includes('android-key'); // true
 * ```
 */
export const attestationFormats = [
  'android-key',
  'apple-app-attest',
  'webauthn-packed',
  'none',
] as const;

/**
 * One of {@link attestationFormats}.
 *
 * @example
 * ```ts
 * const format: AttestationFormat = 'apple-app-attest';
 * ```
 */
export type AttestationFormat = (typeof attestationFormats)[number];

/**
 * Where the evidence shows the key lives, strongest first; the names of the `attestation.completed`
 * v1 contract.
 *
 * @example
 * ```ts
 * import { attestationLevels } from '@settle/attestation';
 * attestationLevels[0]; // 'strongbox'
 * ```
 */
export const attestationLevels = ['strongbox', 'tee', 'secure-enclave', 'software'] as const;

/**
 * One of {@link attestationLevels}.
 *
 * @example
 * ```ts
 * const level: AttestationLevel = 'tee';
 * ```
 */
export type AttestationLevel = (typeof attestationLevels)[number];

/**
 * What a key is for (DESIGN §1): a `payment` key signs payments and its use needs the user's
 * authentication; a `binding` key signs silently on every TLS connection.
 *
 * @example
 * ```ts
 * import { keyPurposes } from '@settle/attestation';
 * keyPurposes; // ['payment', 'binding']
 * ```
 */
export const keyPurposes = ['payment', 'binding'] as const;

/**
 * One of {@link keyPurposes}.
 *
 * @example
 * ```ts
 * const purpose: KeyPurpose = 'payment';
 * ```
 */
export type KeyPurpose = (typeof keyPurposes)[number];

/**
 * The device classes a policy is written for; each accepts its own formats.
 *
 * @example
 * ```ts
 * import { deviceClasses } from '@settle/attestation';
 * deviceClasses; // ['android', 'ios', 'web']
 * ```
 */
export const deviceClasses = ['android', 'ios', 'web'] as const;

/**
 * One of {@link deviceClasses}.
 *
 * @example
 * ```ts
 * const deviceClass: DeviceClass = 'android';
 * ```
 */
export type DeviceClass = (typeof deviceClasses)[number];

/** Which formats each device class may list in its policy (besides being listed, `none` must be). */
export const formatsOfDeviceClass: {
  readonly [deviceClass in DeviceClass]: readonly AttestationFormat[];
} = {
  android: ['android-key', 'none'],
  ios: ['apple-app-attest', 'none'],
  web: ['webauthn-packed', 'none'],
};
