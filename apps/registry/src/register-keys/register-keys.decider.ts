import { decodeAppAttestKeyVouchEvidence } from '@settle/attestation';
import {
  type AttestationFormat,
  type KeyAlgorithm,
  type KeyOwner,
  type KeyPurpose,
  type PublicJwk,
} from '@settle/contracts';
import { base64UrlDecode } from '@settle/crypto';
import { type ChallengeRecord, checkChallenge, type ChallengeRefusal } from '../domain/challenge';
import { assert } from '../domain/assert';
import {
  checkUsable,
  type EnrolmentCodeRecord,
  type EnrolmentCodeRefusal,
} from '../domain/enrolment-code';
import {
  currentState,
  decideKeyTransition,
  type KeyHistory,
  registeredKeyHistory,
} from '../domain/key-lifecycle';

/** One key as the device submits it; `keyId` is the RFC 7638 thumbprint the adapter computed from the JWK. */
export interface SubmittedKey {
  readonly keyId: string;
  readonly purpose: KeyPurpose;
  readonly algorithm: KeyAlgorithm;
  readonly publicKeyJwk: PublicJwk;
  readonly format: AttestationFormat;
  readonly evidence: string;
}

export interface RegisterKeys {
  readonly codeHash: string;
  readonly challenge: string;
  readonly keys: readonly SubmittedKey[];
  readonly now: string;
}

/** A key the registry already knows. */
export interface KnownKey {
  readonly keyId: string;
  readonly owner: KeyOwner;
  readonly purpose: KeyPurpose;
  readonly algorithm: KeyAlgorithm;
  readonly publicKeyJwk: PublicJwk;
  /** The challenge its registration consumed. */
  readonly challenge: string;
  readonly history: KeyHistory;
}

export interface RegisterKeysState {
  readonly code: EnrolmentCodeRecord | null;
  readonly challenge: ChallengeRecord | null;
  /** Known keys among the submitted key ids. */
  readonly submittedKnown: readonly KnownKey[];
  /** The owner's keys that are not in a final state (the pending ones are superseded by the new ones). */
  readonly ownerCurrent: readonly KnownKey[];
}

export type RegistrationRefusal =
  EnrolmentCodeRefusal | ChallengeRefusal | 'KEYS_INVALID' | 'KEY_ALREADY_REGISTERED';

export type RegisterKeysResult =
  | {
      readonly outcome: 'registered';
      readonly owner: KeyOwner;
      readonly keys: ReadonlyArray<SubmittedKey & { readonly history: KeyHistory }>;
      /** The owner's earlier keys still pending, revoked as superseded (keys in use are retired on activation). */
      readonly superseded: ReadonlyArray<KnownKey>;
    }
  /** The same registration again (a retry): the same answer, nothing written. */
  | { readonly outcome: 'duplicate'; readonly owner: KeyOwner; readonly keys: readonly KnownKey[] }
  | {
      readonly outcome: 'refused';
      readonly code: RegistrationRefusal;
      readonly field: string;
      readonly message: string;
    };

/** The keys a device registers: exactly one payment key and one binding key (DESIGN §1). */
export const requiredPurposes: readonly KeyPurpose[] = ['binding', 'payment'];

export function keysProblem(
  keys: readonly SubmittedKey[],
): { field: string; message: string } | null {
  const purposes = keys.map((key) => key.purpose).sort();
  if (
    purposes.length !== requiredPurposes.length ||
    purposes.some((purpose, index) => purpose !== requiredPurposes[index])
  ) {
    return { field: 'keys', message: 'must be exactly one payment key and one binding key' };
  }
  if (keys[0]!.keyId === keys[1]!.keyId)
    return { field: 'keys[1].publicKeyJwk', message: 'the two keys must differ' };
  for (const [index, key] of keys.entries()) {
    if ((key.algorithm === 'ES256') !== (key.publicKeyJwk.kty === 'EC'))
      return {
        field: `keys[${index}].algorithm`,
        message: `${key.algorithm} does not match a ${key.publicKeyJwk.kty} key`,
      };
    if (key.purpose === 'binding' && key.algorithm !== 'ES256')
      return { field: `keys[${index}].algorithm`, message: 'a binding key must be ES256' };
    if ((key.evidence.length === 0) !== (key.format === 'none'))
      return {
        field: `keys[${index}].evidence`,
        message: key.format === 'none' ? 'must be empty for format none' : 'is required',
      };
    if (
      key.format === 'apple-app-attest' &&
      key.purpose === 'binding' &&
      !decodeAppAttestKeyVouchEvidence(base64UrlDecode(key.evidence) ?? new Uint8Array()).ok
    ) {
      // An App Attest key cannot sign TLS or DPoP: an iOS binding key is a Secure Enclave key it vouches for (docs/attestation.md, iOS).
      return {
        field: `keys[${index}].evidence`,
        message:
          'an apple-app-attest binding key needs the deterministic-CBOR map { assertion, attestationObject }',
      };
    }
  }
  return null;
}

/**
 * Registers a device's (or terminal's) two keys, consuming the challenge and the enrolment code. The
 * same registration again is a `duplicate` with the same answer; a key id already registered otherwise
 * is `KEY_ALREADY_REGISTERED` (a conflict).
 */
export function decideRegisterKeys(
  command: RegisterKeys,
  state: RegisterKeysState,
): RegisterKeysResult {
  const problem = keysProblem(command.keys);
  if (problem) return { outcome: 'refused', code: 'KEYS_INVALID', ...problem };

  if (state.submittedKnown.length > 0) {
    const same =
      state.submittedKnown.length === command.keys.length &&
      command.keys.every((key) =>
        state.submittedKnown.some(
          (known) => sameKey(known, key) && known.challenge === command.challenge,
        ),
      );
    if (!same)
      return {
        outcome: 'refused',
        code: 'KEY_ALREADY_REGISTERED',
        field: 'keys',
        message: 'a key is already registered with different content',
      };
    const owner = state.submittedKnown[0]!.owner;
    // In the order submitted, so a retry gets exactly the first answer.
    const keys = command.keys.map((key) =>
      state.submittedKnown.find((known) => known.keyId === key.keyId)!,
    );
    return { outcome: 'duplicate', owner, keys };
  }

  const code = checkUsable(state.code, command.now);
  if (!code.ok)
    return { outcome: 'refused', code: code.code, field: 'enrolmentCode', message: code.code };
  const challenge = checkChallenge(state.challenge, command.codeHash, command.now);
  if (!challenge.ok)
    return {
      outcome: 'refused',
      code: challenge.code,
      field: 'challenge',
      message: challenge.code,
    };

  const owner = state.challenge!.owner;
  assert(
    state.ownerCurrent.every((key) => key.owner.kind === owner.kind && key.owner.id === owner.id),
    'current keys are the owner’s',
  );
  // Only a still-pending earlier registration is superseded now; the keys in use (active, suspended)
  // stay until the new key of their purpose is attested and active (attestation-results), so a
  // re-enrolment whose attestation is pending or fails never leaves the owner without a usable key.
  const superseded = state.ownerCurrent
    .filter((key) => currentState(key.history) === 'pending')
    .map((key) => supersede(key, command.now));
  const keys = command.keys.map((key) => ({ ...key, history: registeredKeyHistory(command.now) }));
  assert(
    keys.every((key) => currentState(key.history) === 'pending'),
    'new keys start pending',
  );
  return { outcome: 'registered', owner, keys, superseded };
}

function supersede(key: KnownKey, now: string): KnownKey {
  assert(
    currentState(key.history) === 'pending',
    'only a pending key is superseded at registration',
  );
  const result = decideKeyTransition(key.history, { kind: 'revoke', reason: 'superseded' }, now);
  assert(result.outcome !== 'refused', 'a pending key can always be revoked');
  return { ...key, history: result.history };
}

function sameKey(known: KnownKey, key: SubmittedKey): boolean {
  return (
    known.keyId === key.keyId &&
    known.purpose === key.purpose &&
    known.algorithm === key.algorithm &&
    JSON.stringify(canonicalJwk(known.publicKeyJwk)) ===
      JSON.stringify(canonicalJwk(key.publicKeyJwk))
  );
}

function canonicalJwk(jwk: PublicJwk): PublicJwk {
  return jwk.kty === 'EC'
    ? { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y }
    : { kty: 'OKP', crv: jwk.crv, x: jwk.x };
}
