/**
 * Why evidence was rejected: a closed, ordered, append-only set (a test pins it). A code is never
 * renamed, reused or removed, because the verifier publishes it and the registry acts on it.
 *
 * The first eleven are, in the same order, the codes of the frozen `attestation.completed` v1
 * contract (`libs/contracts`), so a v2 contract can take this list as it is; the rest were added
 * by this library (docs/attestation.md maps each to its nearest v1 code for the meantime).
 *
 * The order here is the order of introduction, not the order of the checks: see
 * docs/attestation.md for which check runs first when evidence has several faults.
 *
 * @example
 * ```ts
 * import { attestationReasonCodes } from '@settle/attestation';
 * attestationReasonCodes.includes('CHALLENGE_MISMATCH'); // true
 * ```
 */
export const attestationReasonCodes = [
  /** Not decodable as the format says: bad CBOR or DER, missing members, wrong `fmt`, missing extension. */
  'EVIDENCE_MALFORMED',
  /** The format is not in the device class's policy (`none` unless explicitly allowed). */
  'FORMAT_NOT_ALLOWED',
  /** The challenge in the evidence is not the one issued for this registration. */
  'CHALLENGE_MISMATCH',
  /** A certificate is not signed by the next one, an issuer is not a CA, an unknown critical extension. */
  'CERTIFICATE_CHAIN_INVALID',
  /** The chain does not end at a pinned root public key. */
  'ROOT_NOT_TRUSTED',
  /** The attested public key is not the key being registered. */
  'PUBLIC_KEY_MISMATCH',
  /** Android: the attested package name or signing-certificate digest is not the configured app's. */
  'APPLICATION_ID_MISMATCH',
  /** Android: boot not verified, or the device (bootloader) not locked. */
  'ROOT_OF_TRUST_UNVERIFIED',
  /** A payment key whose use does not require the user's authentication. */
  'USER_AUTHENTICATION_NOT_REQUIRED',
  /** The key is not held at a level the policy accepts (e.g. software where hardware is required). */
  'SECURITY_LEVEL_INSUFFICIENT',
  /** WebAuthn `packed`: the attestation statement's signature does not verify. */
  'SIGNATURE_INVALID',
  /** Evidence over `attestationEvidenceSizeMaxBytes`, or a chain over `certificateChainLengthMax`. */
  'EVIDENCE_TOO_LARGE',
  /** A certificate of the chain is not valid at the verification time (`now`). */
  'CERTIFICATE_NOT_VALID_AT_TIME',
  /** Android: a certificate of the chain is revoked or suspended in the configured status list. */
  'CERTIFICATE_REVOKED',
  /** Android: the key may be used for more than signing, or not for signing. */
  'KEY_PURPOSE_INVALID',
  /** Android: the key was imported, not generated inside the secure hardware. */
  'KEY_ORIGIN_NOT_GENERATED',
  /** The attested key is not of an algorithm the policy accepts (e.g. RSA where ES256 is required). */
  'KEY_ALGORITHM_NOT_ALLOWED',
  /** Apple App Attest: SHA-256(authData ‖ clientDataHash) is not the nonce in the certificate. */
  'NONCE_MISMATCH',
  /** Apple App Attest / WebAuthn: the rpIdHash is not SHA-256 of a configured app id / RP id. */
  'RP_ID_MISMATCH',
  /** Apple App Attest: the counter of a new key is not 0. */
  'COUNTER_NOT_ZERO',
  /** Apple App Attest: AAGUID of the other environment; WebAuthn: certificate and authenticator data disagree. */
  'AAGUID_MISMATCH',
  /** Apple App Attest: the credential id is not Apple's key id (SHA-256 of the raw public point). */
  'CREDENTIAL_ID_MISMATCH',
  /** WebAuthn: the client data's origin is not a configured origin, or the ceremony ran cross-origin. */
  'ORIGIN_MISMATCH',
  /** Android: the stored copy of Google's status list is older than the service allows (fail closed). */
  'REVOCATION_STATUS_LIST_STALE',
  /** Apple App Attest: the assertion vouching for a Secure Enclave key has a counter not above its attestation's (0). */
  'COUNTER_NOT_INCREASING',
] as const;

/**
 * One of {@link attestationReasonCodes}.
 *
 * @example
 * ```ts
 * const reasonCode: AttestationReasonCode = 'ROOT_NOT_TRUSTED';
 * ```
 */
export type AttestationReasonCode = (typeof attestationReasonCodes)[number];
