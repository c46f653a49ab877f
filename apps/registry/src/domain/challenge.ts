import { assert } from './assert';
import { challengeBytes } from './enrolment-code';

/** An attestation challenge: issued against an enrolment code for one owner, consumed by one registration. */
export interface ChallengeRecord {
  readonly challenge: string;
  readonly codeHash: string;
  readonly owner: { readonly kind: 'device' | 'terminal'; readonly id: string };
  readonly expiresAt: string;
  readonly consumedAt: string | null;
}

export type ChallengeRefusal =
  'CHALLENGE_UNKNOWN' | 'CHALLENGE_EXPIRED' | 'CHALLENGE_USED' | 'CHALLENGE_NOT_FOR_CODE';

export function formatChallenge(randomBytes: Uint8Array): string {
  assert(randomBytes.length === challengeBytes, 'a challenge has 32 random bytes');
  return Buffer.from(randomBytes).toString('base64url');
}

/** A challenge is good once, before it expires, and only with the enrolment code it was issued against. */
export function checkChallenge(
  record: ChallengeRecord | null,
  codeHash: string,
  now: string,
): { ok: true } | { ok: false; code: ChallengeRefusal } {
  if (record === null) return { ok: false, code: 'CHALLENGE_UNKNOWN' };
  if (record.codeHash !== codeHash) return { ok: false, code: 'CHALLENGE_NOT_FOR_CODE' };
  if (record.consumedAt !== null) return { ok: false, code: 'CHALLENGE_USED' };
  if (now >= record.expiresAt) return { ok: false, code: 'CHALLENGE_EXPIRED' };
  return { ok: true };
}

/** `at` plus a duration, in the contracts' timestamp form. */
export function addMs(at: string, durationMs: number): string {
  assert(Number.isInteger(durationMs) && durationMs >= 0, 'a duration is a non-negative integer');
  return new Date(Date.parse(at) + durationMs).toISOString();
}
