import { bytesToHex, equalBytes } from '@settle/crypto';
import { type AttestationRejection, reject } from './rejection';

/**
 * The challenge the device put into the evidence must be the one the registry issued for this
 * registration, or the evidence could be a replay of an older attestation. Only equality is checked
 * here: expiry and single use are the registry's, which issues and consumes challenges.
 * The challenge is public (it travelled to the device in the clear), so a plain comparison is fine.
 */
export function checkChallenge(
  attested: Uint8Array,
  expected: Uint8Array,
): AttestationRejection | undefined {
  if (equalBytes(attested, expected)) return undefined;
  return reject(
    'CHALLENGE_MISMATCH',
    `the evidence carries challenge ${bytesToHex(attested).slice(0, 64)}, not the issued one`,
  );
}
