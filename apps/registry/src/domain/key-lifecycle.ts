import {
  finalKeyStates,
  keyHistoryEntriesMax,
  type KeyState,
  type KeyStatePeriodV1,
  type KeyStateReason,
} from '@settle/contracts';
import { assert } from './assert';

/**
 * The lifecycle of one key (docs/registry.md):
 *
 *   pending ──accepted──▶ active ⇄ suspended
 *      │                    │          │
 *      └─rejected(reason)   ├─rotate───┴──▶ rotated (kept in history; may still be revoked)
 *                           └─revoke(reason)──▶ revoked (final)
 *
 * Every change closes the open period and opens a new one at the same instant, so the history is
 * one contiguous timeline and `wasActiveAt` can answer for any past instant.
 */
export type KeyStatePeriod = KeyStatePeriodV1;
export type KeyHistory = readonly KeyStatePeriod[];

export type KeyCommand =
  | { readonly kind: 'accept-attestation' }
  | { readonly kind: 'reject-attestation' }
  | { readonly kind: 'suspend'; readonly reason: KeyStateReason }
  | { readonly kind: 'reactivate' }
  | { readonly kind: 'rotate' }
  | { readonly kind: 'revoke'; readonly reason: KeyStateReason };

/** Closed, append-only set of refusals. */
export type KeyTransitionRefusal =
  'KEY_STATE_FINAL' | 'TRANSITION_NOT_ALLOWED' | 'KEY_HISTORY_FULL';

export type KeyTransitionResult =
  | { readonly outcome: 'changed'; readonly history: KeyHistory }
  /** Already in the state the command leads to (a redelivered event, a repeated click): nothing to do. */
  | { readonly outcome: 'unchanged'; readonly history: KeyHistory }
  | { readonly outcome: 'refused'; readonly code: KeyTransitionRefusal; readonly state: KeyState };

/** A new key's history: pending since it was registered. */
export function registeredKeyHistory(registeredAt: string): KeyHistory {
  return [{ state: 'pending', reason: null, validFrom: registeredAt, validTo: null }];
}

export function currentState(history: KeyHistory): KeyState {
  const last = history[history.length - 1];
  assert(last !== undefined, 'a key history is never empty');
  return last.state;
}

/** Where a command leads from a state: the target, `same` when already there, or null when not allowed. */
function target(
  state: KeyState,
  command: KeyCommand,
): { state: KeyState; reason: KeyStateReason | null } | 'same' | null {
  switch (command.kind) {
    case 'accept-attestation':
      if (state === 'active') return 'same';
      return state === 'pending' ? { state: 'active', reason: null } : null;
    case 'reject-attestation':
      if (state === 'rejected') return 'same';
      return state === 'pending' ? { state: 'rejected', reason: 'attestation-rejected' } : null;
    case 'suspend':
      if (state === 'suspended') return 'same';
      return state === 'active' ? { state: 'suspended', reason: command.reason } : null;
    case 'reactivate':
      if (state === 'active') return 'same';
      return state === 'suspended' ? { state: 'active', reason: null } : null;
    case 'rotate':
      if (state === 'rotated') return 'same';
      return state === 'active' || state === 'suspended'
        ? { state: 'rotated', reason: 'superseded' }
        : null;
    case 'revoke':
      if (state === 'revoked') return 'same';
      // A pending key is rejected or revoked; a rotated one can still turn out to be compromised.
      return { state: 'revoked', reason: command.reason };
  }
}

/**
 * Periods a history keeps free after a transition into `state`: a key with a long history of
 * suspensions and reactivations must still be rotated by its successor and revoked when found
 * compromised (issue 13 §3), so suspend and reactivate stop two periods short of the limit, rotation
 * one short, and revocation (or rejection) may take the last period.
 */
function periodsReservedAfter(state: KeyState): number {
  switch (state) {
    case 'revoked':
    case 'rejected':
      return 0;
    case 'rotated':
      return 1;
    case 'pending':
    case 'active':
    case 'suspended':
      return 2;
  }
}

/**
 * Applies a command at `at` (RFC 3339 with milliseconds, as every timestamp of the contracts). Clocks of
 * two replicas may disagree by a little: a change is never dated before the period it closes, so it
 * takes effect at the later of `at` and that period's start.
 */
export function decideKeyTransition(
  history: KeyHistory,
  command: KeyCommand,
  at: string,
): KeyTransitionResult {
  assert(
    history.length >= 1 && history.length <= keyHistoryEntriesMax,
    'history length within bounds',
  );
  const last = history[history.length - 1]!;
  assert(last.validTo === null, 'the last period is open');
  if (finalKeyStates.includes(last.state)) {
    return command.kind === 'revoke' && last.state === 'revoked'
      ? { outcome: 'unchanged', history }
      : { outcome: 'refused', code: 'KEY_STATE_FINAL', state: last.state };
  }
  const next = target(last.state, command);
  if (next === 'same') return { outcome: 'unchanged', history };
  if (next === null)
    return { outcome: 'refused', code: 'TRANSITION_NOT_ALLOWED', state: last.state };
  if (history.length + periodsReservedAfter(next.state) >= keyHistoryEntriesMax)
    return { outcome: 'refused', code: 'KEY_HISTORY_FULL', state: last.state };
  const effectiveAt = at < last.validFrom ? last.validFrom : at;
  const changed: KeyHistory = [
    ...history.slice(0, -1),
    { ...last, validTo: effectiveAt },
    { state: next.state, reason: next.reason, validFrom: effectiveAt, validTo: null },
  ];
  assert(isContiguous(changed), 'a transition keeps the history contiguous');
  return { outcome: 'changed', history: changed };
}

/** True when the key was `active` at instant `at` (periods are [validFrom, validTo)). */
export function wasActiveAt(history: KeyHistory, at: string): boolean {
  for (const period of history) {
    if (period.validFrom <= at && (period.validTo === null || at < period.validTo)) {
      if (period.state === 'active') return true;
    }
  }
  return false;
}

/** Each period ends where the next begins, never before it starts; only the last is open; final states end it. */
export function isContiguous(history: KeyHistory): boolean {
  if (history.length === 0) return false;
  for (const [index, period] of history.entries()) {
    const next = history[index + 1];
    if (next === undefined) return period.validTo === null;
    if (
      period.validTo === null ||
      period.validTo !== next.validFrom ||
      period.validTo < period.validFrom
    )
      return false;
    if (finalKeyStates.includes(period.state)) return false;
  }
  return true;
}
