import { type AttestationRejection, reject } from '../checks/rejection';
import { type AuthorizationView } from './key-description';

/** KeyMint `KeyPurpose` values: SIGN and VERIFY (VERIFY is meaningless for a private key, and harmless). */
const keyPurposeSign = 2;
const keyPurposeVerify = 3;
const allowedPurposes: readonly number[] = [keyPurposeSign, keyPurposeVerify];

/**
 * The key must be usable for signing and for nothing else: a key that can also decrypt, wrap, agree
 * (ECDH) or attest other keys could be driven by anyone with access to it through another code path
 * than the signing the protocol expects. Read from the enforced list.
 */
export function checkKeyPurpose(enforced: AuthorizationView): AttestationRejection | undefined {
  const purposes = enforced.purposes ?? [];
  if (!purposes.includes(keyPurposeSign))
    return reject('KEY_PURPOSE_INVALID', 'the key may not be used for signing');
  const others = purposes.filter((purpose) => !allowedPurposes.includes(purpose));
  if (others.length > 0)
    return reject(
      'KEY_PURPOSE_INVALID',
      `the key may also be used for purpose(s) ${others.join(', ')}`,
    );
  return undefined;
}
