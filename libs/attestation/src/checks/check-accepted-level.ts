import { type AttestationLevel } from '../formats';
import { type AttestationRejection, reject } from './rejection';

/**
 * The level the evidence establishes must be one the device class's policy accepts: a policy that
 * wants hardware lists `strongbox` and `tee` (or only `strongbox`), and a software key, or a TEE key
 * where StrongBox is required, is `SECURITY_LEVEL_INSUFFICIENT`.
 */
export function checkAcceptedLevel(
  level: AttestationLevel,
  acceptedLevels: readonly AttestationLevel[],
): AttestationRejection | undefined {
  if (acceptedLevels.includes(level)) return undefined;
  return reject(
    'SECURITY_LEVEL_INSUFFICIENT',
    `the key is held at level ${level}; the policy accepts ${acceptedLevels.join(', ')}`,
  );
}
