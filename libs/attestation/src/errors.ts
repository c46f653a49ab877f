/**
 * Every error code this library throws, in order of introduction. Closed and append-only.
 *
 * Thrown errors are for the caller's mistakes only (a malformed argument or policy, a bug here).
 * Anything wrong with the *evidence* is never thrown: it is a rejected result with a reason code
 * (see `attestationReasonCodes`). None of these is helped by a retry.
 *
 * @example
 * ```ts
 * import { attestationErrorCodes } from '@settle/attestation';
 * attestationErrorCodes.includes('ERR_POLICY_INVALID'); // true
 * ```
 */
export const attestationErrorCodes = [
  /** An argument of `verifyAttestation` has the wrong type or shape (a bug at the call site). */
  'ERR_INVALID_ARGUMENT',
  /** The attestation policy (configuration) is not valid: unknown member, empty allow-list, bad anchor. */
  'ERR_POLICY_INVALID',
  /** An internal invariant does not hold: a bug in this library, never caused by input. */
  'ERR_ASSERTION_FAILED',
] as const;

/**
 * One of {@link attestationErrorCodes}.
 *
 * @example
 * ```ts
 * const code: AttestationErrorCode = 'ERR_POLICY_INVALID';
 * ```
 */
export type AttestationErrorCode = (typeof attestationErrorCodes)[number];

/**
 * The only error type this library throws. Switch on `code`, never on `message`.
 *
 * @example
 * ```ts
 * import { AttestationError, checkAttestationPolicy } from '@settle/attestation';
 * try {
 *   checkAttestationPolicy(configuredPolicy);
 * } catch (error) {
 *   if (error instanceof AttestationError && error.code === 'ERR_POLICY_INVALID') process.exitCode = 1;
 * }
 * ```
 */
export class AttestationError extends Error {
  override readonly name = 'AttestationError';
  readonly code: AttestationErrorCode;

  constructor(code: AttestationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/**
 * Throws `ERR_ASSERTION_FAILED` when an internal invariant does not hold. Only for programmer
 * errors inside this library; input problems are rejected results, argument problems
 * `ERR_INVALID_ARGUMENT`.
 */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition)
    throw new AttestationError('ERR_ASSERTION_FAILED', `assertion failed: ${message}`);
}
