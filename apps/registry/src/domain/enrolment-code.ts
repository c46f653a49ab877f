import { createHash } from 'node:crypto';
import { assert } from './assert';

/** Random bytes in an enrolment code: 128 bits, so guessing one is hopeless even without the rate limit. */
export const enrolmentCodeBytes = 16;
/** Random bytes in an attestation challenge (the attestation library accepts 16–96). */
export const challengeBytes = 32;

/** What an enrolment code enrols: a consumer's device under an account, or a merchant's terminal. */
export type EnrolmentSubject = { readonly kind: 'account'; readonly id: string } | { readonly kind: 'terminal'; readonly id: string };

/** The code as stored: only its SHA-256, so a copy of the database enrols nothing. */
export interface EnrolmentCodeRecord {
  readonly codeHash: string;
  readonly subject: EnrolmentSubject;
  readonly expiresAt: string;
  /** When a registration consumed it; null while unused. */
  readonly consumedAt: string | null;
  readonly challengesIssued: number;
}

/** Closed, append-only. */
export type EnrolmentCodeRefusal = 'ENROLMENT_CODE_UNKNOWN' | 'ENROLMENT_CODE_EXPIRED' | 'ENROLMENT_CODE_USED' | 'CHALLENGE_LIMIT_REACHED';

/** Base64url of fresh random bytes: the code handed to the account holder once, out of band. */
export function formatEnrolmentCode(randomBytes: Uint8Array): string {
  assert(randomBytes.length === enrolmentCodeBytes, 'an enrolment code has 16 random bytes');
  return Buffer.from(randomBytes).toString('base64url');
}

/** Lower-case hex SHA-256 of the code as typed: the only form stored. */
export function hashEnrolmentCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

/**
 * May this code obtain another challenge now? Codes are single-use (a registration consumes them),
 * expire, and obtain at most `challengesMax` challenges: the rate limit that makes a leaked code
 * useless for hammering the verifier.
 */
export function decideIssueChallenge(record: EnrolmentCodeRecord | null, now: string, challengesMax: number): { ok: true } | { ok: false; code: EnrolmentCodeRefusal } {
  assert(challengesMax >= 1, 'at least one challenge per code');
  const usable = checkUsable(record, now);
  if (!usable.ok) return usable;
  if (record!.challengesIssued >= challengesMax) return { ok: false, code: 'CHALLENGE_LIMIT_REACHED' };
  return { ok: true };
}

export function checkUsable(record: EnrolmentCodeRecord | null, now: string): { ok: true } | { ok: false; code: EnrolmentCodeRefusal } {
  if (record === null) return { ok: false, code: 'ENROLMENT_CODE_UNKNOWN' };
  if (record.consumedAt !== null) return { ok: false, code: 'ENROLMENT_CODE_USED' };
  if (now >= record.expiresAt) return { ok: false, code: 'ENROLMENT_CODE_EXPIRED' };
  return { ok: true };
}
