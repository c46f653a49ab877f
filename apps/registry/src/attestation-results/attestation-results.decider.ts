import { type AttestationCompletedV1 } from '@settle/contracts';
import { assert } from '../domain/assert';
import { currentState, decideKeyTransition, type KeyHistory } from '../domain/key-lifecycle';
import { type KnownKey } from '../register-keys/register-keys.decider';

export type AttestationVerdictDecision =
  | { readonly outcome: 'changed'; readonly history: KeyHistory }
  /** A repeat of a verdict already applied, or a key that moved on (superseded or revoked meanwhile). */
  | { readonly outcome: 'ignored' }
  | { readonly outcome: 'request-mismatch' };

/** accepted → active, rejected → rejected (reason attestation-rejected), from pending only. */
export function decideAttestationVerdict(
  key: { history: KeyHistory; attestationRequestId: string },
  verdict: AttestationCompletedV1,
  now: string,
): AttestationVerdictDecision {
  if (verdict.requestId !== key.attestationRequestId) return { outcome: 'request-mismatch' };
  const result = decideKeyTransition(
    key.history,
    { kind: verdict.verdict === 'accepted' ? 'accept-attestation' : 'reject-attestation' },
    now,
  );
  return result.outcome === 'changed'
    ? { outcome: 'changed', history: result.history }
    : { outcome: 'ignored' };
}

/**
 * The keys a newly active key retires: the owner's key of the same purpose that was in use (active or
 * suspended), rotated as superseded at the same instant. Retiring only now — not when the new key was
 * registered — means a re-enrolment whose attestation is pending or rejected leaves the owner its
 * working key (issue 13 §1).
 */
export function retireReplacedKeys(
  activated: Pick<KnownKey, 'keyId' | 'owner' | 'purpose' | 'history'>,
  inUse: readonly KnownKey[],
  now: string,
): KnownKey[] {
  assert(
    currentState(activated.history) === 'active',
    'only an active key retires its predecessor',
  );
  return inUse
    .filter((key) => key.keyId !== activated.keyId)
    .map((key) => {
      assert(
        key.owner.kind === activated.owner.kind &&
          key.owner.id === activated.owner.id &&
          key.purpose === activated.purpose,
        'a key retires its own owner’s key of its purpose',
      );
      const result = decideKeyTransition(key.history, { kind: 'rotate' }, now);
      // The history keeps room for rotation and revocation (key-lifecycle), so a key in use can always rotate.
      assert(result.outcome === 'changed', 'a key in use can always be rotated');
      return { ...key, history: result.history };
    });
}
