import { type KeyPurpose } from '../formats';
import { type AttestationRejection, reject } from '../checks/rejection';
import { type AuthorizationView } from './key-description';

/**
 * Whether the secure hardware enforces user authentication for the key: `noAuthRequired` absent
 * and some authenticator type (password, biometric) set.
 */
export function requiresUserAuthentication(enforced: AuthorizationView): boolean {
  return (
    !enforced.noAuthRequired && enforced.userAuthType !== undefined && enforced.userAuthType !== 0
  );
}

/**
 * A payment key must not sign without the user: the secure hardware must require authentication,
 * and for no longer than `authenticationValidityMaxSeconds` after it (`0`: every use, no
 * `authTimeout`). Otherwise malware on the phone could sign payments silently. Binding keys sign on
 * every connection and are not checked (DESIGN §1).
 */
export function checkUserAuthentication(
  enforced: AuthorizationView,
  purpose: KeyPurpose,
  authenticationValidityMaxSeconds: number,
): AttestationRejection | undefined {
  if (purpose !== 'payment') return undefined;
  if (!requiresUserAuthentication(enforced))
    return reject(
      'USER_AUTHENTICATION_NOT_REQUIRED',
      'the payment key can be used without user authentication',
    );
  const timeout = enforced.authTimeoutSeconds;
  if (timeout !== undefined && timeout > authenticationValidityMaxSeconds) {
    return reject(
      'USER_AUTHENTICATION_NOT_REQUIRED',
      `one authentication unlocks the payment key for ${timeout} s; the policy allows ${authenticationValidityMaxSeconds} s`,
    );
  }
  return undefined;
}
