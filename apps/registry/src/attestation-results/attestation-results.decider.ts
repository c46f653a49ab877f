import { type AttestationCompletedV1 } from '@settle/contracts';
import { decideKeyTransition, type KeyHistory } from '../domain/key-lifecycle';

export type AttestationVerdictDecision =
  | { readonly outcome: 'changed'; readonly history: KeyHistory }
  /** A repeat of a verdict already applied, or a key that moved on (superseded or revoked meanwhile). */
  | { readonly outcome: 'ignored' }
  | { readonly outcome: 'request-mismatch' };

/** accepted → active, rejected → rejected (reason attestation-rejected), from pending only. */
export function decideAttestationVerdict(key: { history: KeyHistory; attestationRequestId: string }, verdict: AttestationCompletedV1, now: string): AttestationVerdictDecision {
  if (verdict.requestId !== key.attestationRequestId) return { outcome: 'request-mismatch' };
  const result = decideKeyTransition(key.history, { kind: verdict.verdict === 'accepted' ? 'accept-attestation' : 'reject-attestation' }, now);
  return result.outcome === 'changed' ? { outcome: 'changed', history: result.history } : { outcome: 'ignored' };
}
