/**
 * A source of "now", passed in wherever a verifier depends on time (certificate validity,
 * attestation freshness), so that tests can verify a sample at the time it was made.
 * Nothing in this library reads the system time except {@link systemClock}; a test enforces it.
 *
 * @example
 * ```ts
 * import { type Clock } from '@settle/crypto';
 * const frozenClock: Clock = () => new Date('2024-05-01T12:00:00Z');
 * ```
 */
export type Clock = () => Date;

/**
 * The real clock. Inject it at the edge of a service; never call it from domain code.
 *
 * @example
 * ```ts
 * import { systemClock } from '@settle/crypto';
 * const now = systemClock();
 * ```
 */
export const systemClock: Clock = () => new Date();
