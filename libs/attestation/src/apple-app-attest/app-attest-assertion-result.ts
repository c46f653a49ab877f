/**
 * Why an App Attest assertion was rejected: a closed, ordered, append-only set of its own, every
 * code also one of `attestationReasonCodes` with the same meaning (`COUNTER_NOT_INCREASING` was added
 * there when an assertion became part of enrolment evidence: the assertion that vouches for an iOS
 * binding key). Assertions at session start are checked by the token issuer and never published.
 *
 * @example
 * ```ts
 * import { appAttestAssertionReasonCodes } from '@settle/attestation';
 * appAttestAssertionReasonCodes.includes('COUNTER_NOT_INCREASING'); // true
 * ```
 */
export const appAttestAssertionReasonCodes = [
  /** Not a well-formed CBOR map of exactly `signature` and `authenticatorData` (byte strings), or authenticator data not 37 bytes. */
  'EVIDENCE_MALFORMED',
  /** Over `appAttestAssertionSizeMaxBytes`. */
  'EVIDENCE_TOO_LARGE',
  /** The signature is not the attested key's over SHA-256(authenticatorData ‖ clientDataHash): another key, another clientDataHash (e.g. another connection), altered data. */
  'SIGNATURE_INVALID',
  /** The rpIdHash is not SHA-256 of the configured app id (`<team id>.<bundle id>`). */
  'RP_ID_MISMATCH',
  /** The counter is not greater than the last one accepted for the key: a replayed (or reordered) assertion. */
  'COUNTER_NOT_INCREASING',
] as const;

/**
 * One of {@link appAttestAssertionReasonCodes}.
 *
 * @example
 * ```ts
 * const reasonCode: AppAttestAssertionReasonCode = 'COUNTER_NOT_INCREASING';
 * ```
 */
export type AppAttestAssertionReasonCode = (typeof appAttestAssertionReasonCodes)[number];

/**
 * A rejected assertion: the stable code and a sentence for logs (never parsed).
 *
 * @example
 * ```ts
 * const rejection: AppAttestAssertionRejection = { ok: false, reasonCode: 'SIGNATURE_INVALID', detail: 'does not verify' };
 * ```
 */
export interface AppAttestAssertionRejection {
  readonly ok: false;
  readonly reasonCode: AppAttestAssertionReasonCode;
  readonly detail: string;
}

/**
 * An accepted assertion: its counter, which the caller must store as the key's new previous
 * counter (atomically with whatever the assertion authorises), and the key's RFC 7638 thumbprint.
 *
 * @example
 * ```ts
 * const verdict: AppAttestAssertionVerdict = { counter: 7, keyId: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' };
 * ```
 */
export interface AppAttestAssertionVerdict {
  readonly counter: number;
  readonly keyId: string;
}

/**
 * What `verifyAppAttestAssertion` returns.
 *
 * @example
 * ```ts
 * const result: AppAttestAssertionResult = verifyAppAttestAssertion(input);
 * if (result.ok) storeCounter(result.verdict.counter); else refuse(result.reasonCode);
 * ```
 */
export type AppAttestAssertionResult =
  { readonly ok: true; readonly verdict: AppAttestAssertionVerdict } | AppAttestAssertionRejection;

/**
 * Largest assertion accepted, in bytes. A real one is about 120 bytes (a DER ECDSA signature of at
 * most 72 bytes, 37 bytes of authenticator data, the map around them); the limit bounds the work
 * before the signature is checked.
 *
 * @example
 * ```ts
 * import { appAttestAssertionSizeMaxBytes } from '@settle/attestation';
 * ```
 */
export const appAttestAssertionSizeMaxBytes = 1024;
