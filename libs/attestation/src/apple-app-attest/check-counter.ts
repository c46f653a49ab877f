import { type AttestationRejection, reject } from '../checks/rejection';

/**
 * A freshly attested App Attest key has signed nothing: its counter is 0. A higher counter means
 * the key is not new, i.e. this is not the attestation of a key generated for this registration.
 */
export function checkCounterIsZero(signCount: number): AttestationRejection | undefined {
  return signCount === 0
    ? undefined
    : reject('COUNTER_NOT_ZERO', `the counter of a new key is ${signCount}, not 0`);
}
