import { VerifiedBootState } from '@peculiar/asn1-android';
import { type Checked, passed, reject } from '../checks/rejection';
import {
  type AndroidAttestationPolicy,
  type AndroidVerifiedBootState,
} from '../policy/attestation-policy';
import { type AuthorizationView } from './key-description';

const verifiedBootStateNames: { readonly [state in VerifiedBootState]: AndroidVerifiedBootState } =
  {
    [VerifiedBootState.verified]: 'verified',
    [VerifiedBootState.selfSigned]: 'self-signed',
    [VerifiedBootState.unverified]: 'unverified',
    [VerifiedBootState.failed]: 'failed',
  };

/** The root of trust as attested by the secure hardware, or `not-attested` for a software key. */
export interface AttestedRootOfTrust {
  readonly verifiedBootState: AndroidVerifiedBootState | 'not-attested';
  readonly deviceLocked: boolean | 'not-attested';
}

/**
 * What a software-attested key says about the root of trust: nothing a verifier can believe. The
 * private key of Android's software attestation root ships in AOSP, so whatever such a chain
 * states about boot state and bootloader could have been written by anyone. A policy that accepts
 * the `software` level accepts that (the level check runs before this one).
 */
export const rootOfTrustNotAttested: AttestedRootOfTrust = Object.freeze({
  verifiedBootState: 'not-attested',
  deviceLocked: 'not-attested',
});

/**
 * The secure hardware's word on the operating system: verified boot state and whether the
 * bootloader is locked. On an unlocked or unverified device the OS may be anything (rooted, with
 * hooks into our app), so what Android's keystore wrote (the application id, the challenge it
 * passed through) could be false even though the TEE signed it.
 */
export function checkRootOfTrust(
  enforced: AuthorizationView,
  policy: Pick<AndroidAttestationPolicy, 'verifiedBootStates' | 'deviceLockedRequired'>,
): Checked<AttestedRootOfTrust> {
  const rootOfTrust = enforced.rootOfTrust;
  if (rootOfTrust === undefined)
    return reject(
      'ROOT_OF_TRUST_UNVERIFIED',
      'the root of trust is not attested by the secure hardware',
    );
  const verifiedBootState = verifiedBootStateNames[rootOfTrust.verifiedBootState];
  if (verifiedBootState === undefined)
    return reject(
      'EVIDENCE_MALFORMED',
      `unknown verified boot state ${String(rootOfTrust.verifiedBootState)}`,
    );
  if (!policy.verifiedBootStates.includes(verifiedBootState)) {
    return reject(
      'ROOT_OF_TRUST_UNVERIFIED',
      `verified boot state is ${verifiedBootState}; the policy accepts ${policy.verifiedBootStates.join(', ')}`,
    );
  }
  if (policy.deviceLockedRequired && rootOfTrust.deviceLocked !== true)
    return reject('ROOT_OF_TRUST_UNVERIFIED', 'the device bootloader is not locked');
  return passed({ verifiedBootState, deviceLocked: rootOfTrust.deviceLocked === true });
}
