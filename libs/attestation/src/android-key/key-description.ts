import { type RootOfTrust } from '@peculiar/asn1-android';

/**
 * Android's `SecurityLevel` values (KeyDescription), in order of strength.
 */
export const androidSecurityLevels = { 0: 'software', 1: 'tee', 2: 'strongbox' } as const;

/** One of the values of {@link androidSecurityLevels}. */
export type AndroidSecurityLevel =
  (typeof androidSecurityLevels)[keyof typeof androidSecurityLevels];

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
  /** Tag numbers of authorizations the schema does not know (a newer KeyMint), skipped. */
  readonly skippedAuthorizationTags: readonly number[];
}

/**
 * The level of the key: the weaker of the attestation's and the keymaster's security level (a
 * StrongBox key attested by the TEE is only as trustworthy as the TEE's word).
 */
export function levelOfKeyDescription(description: KeyDescriptionView): AndroidSecurityLevel {
  const order: readonly AndroidSecurityLevel[] = ['software', 'tee', 'strongbox'];
  const weaker = Math.min(
    order.indexOf(description.attestationSecurityLevel),
    order.indexOf(description.keymasterSecurityLevel),
  );
  return order[weaker]!;
}

/**
 * The authorizations the key's level vouches for.
 *
 * For a TEE or StrongBox key: the hardware-enforced list. A property found only in the
 * software-enforced list of a hardware key is the Android OS's claim, not the secure hardware's, and
 * is not relied on (except the attestation application id, which only the OS knows).
 *
 * For a software key (attestation security level Software, whatever the keymaster level): the
 * attestation was written by software, so both lists are software's claims and neither is more
 * trustworthy; each property is read where that attestation version put it. Keymaster 1 and 2
 * devices attested in software put what their TEE enforces (purpose, origin, …) in `teeEnforced`,
 * emulators put everything in `softwareEnforced`: a property is taken from the hardware list when it
 * is there, else from the software one, and `noAuthRequired` from either (the weaker claim wins).
 */
export function enforcedAuthorizations(description: KeyDescriptionView): AuthorizationView {
  const hardware = description.hardwareEnforced;
  if (levelOfKeyDescription(description) !== 'software') return hardware;
  const software = description.softwareEnforced;
  return {
    purposes: hardware.purposes ?? software.purposes,
    origin: hardware.origin ?? software.origin,
    noAuthRequired: hardware.noAuthRequired || software.noAuthRequired,
    userAuthType: hardware.userAuthType ?? software.userAuthType,
    authTimeoutSeconds: hardware.authTimeoutSeconds ?? software.authTimeoutSeconds,
    rootOfTrust: hardware.rootOfTrust ?? software.rootOfTrust,
    attestationApplicationId:
      hardware.attestationApplicationId ?? software.attestationApplicationId,
    osPatchLevel: hardware.osPatchLevel ?? software.osPatchLevel,
  };
}
