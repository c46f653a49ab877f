/**
 * Every size, depth and count limit of this library, with its unit last in the name. They bound the
 * work an attacker can cause before any signature has been checked.
 */

/**
 * Largest evidence accepted, in bytes: 64 KiB, the size the `attestation.requested` v1 contract
 * allows. Real evidence is far smaller (an Android chain of four certificates ≈ 3 KiB, an App
 * Attest object with its receipt ≈ 5.5 KiB).
 *
 * @example
 * ```ts
 * import { attestationEvidenceSizeMaxBytes } from '@settle/attestation';
 * if (evidence.byteLength > attestationEvidenceSizeMaxBytes) return reject('too large');
 * ```
 */
export const attestationEvidenceSizeMaxBytes = 64 * 1024;

/**
 * Most certificates in a chain, leaf included. Android chains have four or five (leaf, attestation
 * key, one to three intermediates, root), App Attest two (the root is not sent).
 *
 * @example
 * ```ts
 * import { certificateChainLengthMax } from '@settle/attestation';
 * ```
 */
export const certificateChainLengthMax = 8;

/**
 * Longest challenge accepted as `expectedChallenge`, in bytes: KeyMint's own limit for the
 * attestation challenge. The registry issues 16 to 96 random bytes.
 *
 * @example
 * ```ts
 * import { attestationChallengeSizeMaxBytes } from '@settle/attestation';
 * ```
 */
export const attestationChallengeSizeMaxBytes = 128;

/**
 * Deepest ASN.1 nesting the DER decoder follows (certificates nest about ten levels; the Android
 * KeyDescription about six), passed to asn1js as `maxDepth`.
 *
 * @example
 * ```ts
 * import { asn1NestingDepthMax } from '@settle/attestation';
 * ```
 */
export const asn1NestingDepthMax = 32;

/**
 * Most ASN.1 nodes in one DER structure (a certificate has a few hundred; an Android attestation
 * application id lists at most a few dozen packages), passed to asn1js as `maxNodes`.
 *
 * @example
 * ```ts
 * import { asn1NodesMax } from '@settle/attestation';
 * ```
 */
export const asn1NodesMax = 4096;
