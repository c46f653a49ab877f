import { checkAcceptedLevel } from '../checks/check-accepted-level';
import { type RegisteredKey } from '../checks/registered-key';
import { reject } from '../checks/rejection';
import { type AttestationPolicy } from '../policy/attestation-policy';
import { type AttestationResult } from '../result';

/** What {@link verifyNone} needs from `verifyAttestation`'s checked input. */
export interface NoneInput {
  readonly evidence: Uint8Array;
  readonly keyToRegister: RegisteredKey;
  readonly policy: AttestationPolicy;
}

/**
 * Format `none`: nothing is attested, not even the challenge, so the key is taken at the
 * registrant's word as a `software` key. `verifyAttestation` only gets here when the policy lists
 * `none` (development, software wallets), and the policy must also accept level `software`. The
 * evidence must be empty, as the `attestation.requested` contract says.
 */
export function verifyNone(input: NoneInput): AttestationResult {
  if (input.evidence.length !== 0)
    return reject('EVIDENCE_MALFORMED', 'format none carries no evidence');
  if (!input.policy.keyAlgorithms.includes(input.keyToRegister.algorithm)) {
    return reject(
      'KEY_ALGORITHM_NOT_ALLOWED',
      `the key is an ${input.keyToRegister.algorithm} key; the policy accepts ${input.policy.keyAlgorithms.join(', ')}`,
    );
  }
  const levelFailure = checkAcceptedLevel('software', input.policy.acceptedLevels);
  if (levelFailure !== undefined) return levelFailure;
  const { publicKeyJwk, keyId } = input.keyToRegister;
  return {
    ok: true,
    verdict: {
      format: 'none',
      level: 'software',
      publicKeyJwk,
      keyId,
      properties: { format: 'none' },
    },
  };
}
