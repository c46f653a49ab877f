import { createHash } from 'node:crypto';
import { assert } from './assert';

/** Random bytes in an enrolment code: 128 bits, so guessing one is hopeless even without the rate limit. */
export const enrolmentCodeBytes = 16;
/** Random bytes in an attestation challenge (the attestation library accepts 16–96). */
export const challengeBytes = 32;

/**
 * What an enrolment code enrols: one consumer device (added to its account by an operator), or one
 * merchant terminal. A code names exactly one of them, so a code issued for device X cannot enrol
 * device Y of the same account (issue 13 §1).
 */
export type EnrolmentSubject =
  | { readonly kind: 'device'; readonly id: string }
  | { readonly kind: 'terminal'; readonly id: string };

/**
 * The subject of a stored code: codes issued before codes were bound to one device name an account;
 * migration 0005 revoked every unused one of them, so such a record is never usable.
 */
export type StoredEnrolmentSubject =
  EnrolmentSubject | { readonly kind: 'account'; readonly id: string };

/** The code as stored: only its SHA-256, so a copy of the database enrols nothing. */
export interface EnrolmentCodeRecord {
  readonly codeHash: string;
  readonly subject: StoredEnrolmentSubject;
  readonly expiresAt: string;
  /** When a registration consumed it; null while unused. */
  readonly consumedAt: string | null;
  /** When an operator revoked it; null unless revoked. */
  readonly revokedAt: string | null;
  readonly challengesIssued: number;
}

/** Closed, append-only. */
export type EnrolmentCodeRefusal =
  | 'ENROLMENT_CODE_UNKNOWN'
  | 'ENROLMENT_CODE_EXPIRED'
  | 'ENROLMENT_CODE_USED'
  | 'CHALLENGE_LIMIT_REACHED'
  | 'ENROLMENT_CODE_REVOKED';

/** Why an operator's revocation of a code changed nothing. Closed, append-only. */
export type EnrolmentCodeRevocationRefusal = 'ENROLMENT_CODE_USED';

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
export function decideIssueChallenge(
  record: EnrolmentCodeRecord | null,
  now: string,
  challengesMax: number,
): { ok: true } | { ok: false; code: EnrolmentCodeRefusal } {
  assert(challengesMax >= 1, 'at least one challenge per code');
  const usable = checkUsable(record, now);
  if (!usable.ok) return usable;
  if (record!.challengesIssued >= challengesMax)
    return { ok: false, code: 'CHALLENGE_LIMIT_REACHED' };
  return { ok: true };
}

export function checkUsable(
  record: EnrolmentCodeRecord | null,
  now: string,
): { ok: true } | { ok: false; code: EnrolmentCodeRefusal } {
  if (record === null) return { ok: false, code: 'ENROLMENT_CODE_UNKNOWN' };
  if (record.consumedAt !== null) return { ok: false, code: 'ENROLMENT_CODE_USED' };
  if (record.revokedAt !== null) return { ok: false, code: 'ENROLMENT_CODE_REVOKED' };
  assert(
    record.subject.kind !== 'account',
    'every unused code that names an account was revoked by migration 0005',
  );
  if (now >= record.expiresAt) return { ok: false, code: 'ENROLMENT_CODE_EXPIRED' };
  return { ok: true };
}

/**
 * An operator revokes a code (it was handed to the wrong person, the device was lost before it
 * enrolled): refused for a code a registration already consumed — the keys it enrolled are revoked
 * through the key lifecycle instead — and `unchanged` for a code already revoked. An expired code may
 * still be revoked, so the record says an operator withdrew it.
 */
export function decideRevokeEnrolmentCode(
  record: EnrolmentCodeRecord,
):
  | { outcome: 'revoked' | 'unchanged' }
  | { outcome: 'refused'; code: EnrolmentCodeRevocationRefusal } {
  if (record.consumedAt !== null) return { outcome: 'refused', code: 'ENROLMENT_CODE_USED' };
  if (record.revokedAt !== null) return { outcome: 'unchanged' };
  return { outcome: 'revoked' };
}
