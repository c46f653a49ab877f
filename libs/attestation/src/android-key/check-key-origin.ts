import { type AttestationRejection, reject } from '../checks/rejection';
import { type AuthorizationView } from './key-description';

/** KeyMint `KeyOrigin.GENERATED`: the private key was created inside the secure hardware. */
const keyOriginGenerated = 0;

/**
 * The key must have been generated in the secure hardware. An imported key existed outside it
 * first, so a copy may exist anywhere; the attestation would say nothing about who holds it.
 */
export function checkKeyOrigin(enforced: AuthorizationView): AttestationRejection | undefined {
  if (enforced.origin === keyOriginGenerated) return undefined;
  return reject(
    'KEY_ORIGIN_NOT_GENERATED',
    enforced.origin === undefined
      ? 'the key origin is not attested'
      : `the key origin is ${enforced.origin}, not GENERATED`,
  );
}
