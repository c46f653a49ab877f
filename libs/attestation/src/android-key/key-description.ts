import { type RootOfTrust } from '@peculiar/asn1-android';

/**
 * Android's `SecurityLevel` values (KeyDescription), in order of strength.
 */
export const androidSecurityLevels = { 0: 'software', 1: 'tee', 2: 'strongbox' } as const;

/** One of the values of {@link androidSecurityLevels}. */
export type AndroidSecurityLevel = (typeof androidSecurityLevels)[keyof typeof androidSecurityLevels];

/**
 * The members of one `AuthorizationList` that the checks read, with integers as numbers and byte
 * strings as bytes; absent members are `undefined`.
 */
export interface AuthorizationView {
  readonly purposes: readonly number[] | undefined;
  readonly origin: number | undefined;
  readonly noAuthRequired: boolean;
  readonly userAuthType: number | undefined;
  readonly authTimeoutSeconds: number | undefined;
  readonly rootOfTrust: RootOfTrust | undefined;
  readonly attestationApplicationId: Uint8Array | undefined;
  readonly osPatchLevel: number | undefined;
}

/** The KeyDescription extension of an Android attestation leaf, as the checks read it. */
export interface KeyDescriptionView {
  readonly attestationVersion: number;
  readonly attestationSecurityLevel: AndroidSecurityLevel;
  readonly keymasterVersion: number;
  readonly keymasterSecurityLevel: AndroidSecurityLevel;
  readonly attestationChallenge: Uint8Array;
  readonly softwareEnforced: AuthorizationView;
  /** `teeEnforced` (Keymaster) or `hardwareEnforced` (KeyMint): enforced by the TEE or StrongBox. */
  readonly hardwareEnforced: AuthorizationView;
}

/**
 * The level of the key: the weaker of the attestation's and the keymaster's security level (a
 * StrongBox key attested by the TEE is only as trustworthy as the TEE's word).
 */
export function levelOfKeyDescription(description: KeyDescriptionView): AndroidSecurityLevel {
  const order: readonly AndroidSecurityLevel[] = ['software', 'tee', 'strongbox'];
  const weaker = Math.min(order.indexOf(description.attestationSecurityLevel), order.indexOf(description.keymasterSecurityLevel));
  return order[weaker]!;
}

/**
 * The list whose members the key's level vouches for: the hardware-enforced list for a TEE or
 * StrongBox key. A property found only in the software-enforced list of a hardware key is the
 * Android OS's claim, not the secure hardware's, and is not relied on (except the attestation
 * application id, which only the OS knows).
 */
export function enforcedAuthorizations(description: KeyDescriptionView): AuthorizationView {
  return levelOfKeyDescription(description) === 'software' ? description.softwareEnforced : description.hardwareEnforced;
}
