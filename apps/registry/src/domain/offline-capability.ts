import {
  type KeyOwner,
  type KeyPurpose,
  type KeyState,
  type OfflineCapability,
  type OfflineCapabilityChangeReason,
  offlineLimitCurrenciesMax,
  type OfflineLimitV1,
} from '@settle/contracts';
import { assert } from './assert';

/**
 * A device's offline state. Capability is derived: enabled only when nothing suspends it. Each cause is
 * its own flag, so back-in-funds never lifts an operator's suspension and vice versa.
 */
export interface OfflineState {
  readonly limits: readonly OfflineLimitV1[];
  readonly suspendedByOperator: boolean;
  readonly suspendedForOverdraft: boolean;
  /** The device's payment key is suspended or revoked: it cannot sign, so it must not be trusted offline. */
  readonly suspendedForKey: boolean;
  readonly lastCheckInAt: string;
}

export type OfflineCommand =
  | { readonly kind: 'set-limits'; readonly limits: readonly OfflineLimitV1[] }
  | { readonly kind: 'set-operator-capability'; readonly capability: OfflineCapability }
  | { readonly kind: 'account-overdrawn' }
  | { readonly kind: 'account-back-in-funds' }
  | { readonly kind: 'payment-key-suspended' }
  | { readonly kind: 'payment-key-revoked' }
  /** Reactivated by an operator (`operator-action`) or replaced by newly enrolled keys (`enrolled`). */
  | { readonly kind: 'payment-key-restored'; readonly reason: 'operator-action' | 'enrolled' };

export type OfflineDecision =
  | {
      readonly outcome: 'changed';
      readonly state: OfflineState;
      readonly capability: OfflineCapability;
      readonly reason: OfflineCapabilityChangeReason;
    }
  | { readonly outcome: 'unchanged' };

export function capabilityOf(state: OfflineState): OfflineCapability {
  return state.suspendedByOperator || state.suspendedForOverdraft || state.suspendedForKey
    ? 'suspended'
    : 'enabled';
}

/** A new device: no limits (it cannot pay offline until an operator sets some), checked in at enrolment. */
export function enrolledOfflineState(enrolledAt: string): OfflineState {
  return {
    limits: [],
    suspendedByOperator: false,
    suspendedForOverdraft: false,
    suspendedForKey: false,
    lastCheckInAt: enrolledAt,
  };
}

export function decideOffline(state: OfflineState, command: OfflineCommand): OfflineDecision {
  let next: OfflineState;
  let reason: OfflineCapabilityChangeReason;
  switch (command.kind) {
    case 'set-limits':
      assert(command.limits.length <= offlineLimitCurrenciesMax, 'limits bounded');
      next = { ...state, limits: sortLimits(command.limits) };
      reason = 'limits-changed';
      break;
    case 'set-operator-capability':
      next = { ...state, suspendedByOperator: command.capability === 'suspended' };
      reason = 'operator-action';
      break;
    case 'account-overdrawn':
      next = { ...state, suspendedForOverdraft: true };
      reason = 'account-overdrawn';
      break;
    case 'account-back-in-funds':
      next = { ...state, suspendedForOverdraft: false };
      reason = 'account-back-in-funds';
      break;
    case 'payment-key-suspended':
      next = { ...state, suspendedForKey: true };
      reason = 'key-suspended';
      break;
    case 'payment-key-revoked':
      next = { ...state, suspendedForKey: true };
      reason = 'key-revoked';
      break;
    case 'payment-key-restored':
      next = { ...state, suspendedForKey: false };
      reason = command.reason;
      break;
  }
  if (sameState(state, next)) return { outcome: 'unchanged' };
  return { outcome: 'changed', state: next, capability: capabilityOf(next), reason };
}

/**
 * Does this change of limits need a second operator? Yes when any new cap exceeds the threshold (minor
 * units of its own currency; one threshold for all currencies, see docs/registry.md).
 */
export function limitsNeedSecondOperator(
  limits: readonly OfflineLimitV1[],
  thresholdMinorUnits: bigint,
): boolean {
  return limits.some(
    (limit) =>
      BigInt(limit.perTransactionMax) > thresholdMinorUnits ||
      BigInt(limit.cumulativeMax) > thresholdMinorUnits,
  );
}

/** Closed, append-only. */
export type ApprovalRefusal = 'SECOND_OPERATOR_REQUIRED' | 'CHANGE_ALREADY_DECIDED';

/** A pending change is applied by an operator other than the one who asked for it, once. */
export function decideApproval(
  pending: { requestedBy: string; decidedAt: string | null },
  operatorId: string,
): { ok: true } | { ok: false; code: ApprovalRefusal } {
  if (pending.decidedAt !== null) return { ok: false, code: 'CHANGE_ALREADY_DECIDED' };
  if (pending.requestedBy === operatorId) return { ok: false, code: 'SECOND_OPERATOR_REQUIRED' };
  return { ok: true };
}

/** One limit per currency, ordered by currency, and a per-transaction cap never above the cumulative one. */
export function limitsProblem(
  limits: readonly OfflineLimitV1[],
): { index: number; field: 'currency' | 'perTransactionMax'; message: string } | null {
  const seen = new Set<string>();
  for (const [index, limit] of limits.entries()) {
    if (seen.has(limit.currency))
      return { index, field: 'currency', message: `duplicate limit for ${limit.currency}` };
    seen.add(limit.currency);
    if (BigInt(limit.perTransactionMax) > BigInt(limit.cumulativeMax))
      return { index, field: 'perTransactionMax', message: 'must not exceed cumulativeMax' };
  }
  return null;
}

function sortLimits(limits: readonly OfflineLimitV1[]): OfflineLimitV1[] {
  return [...limits].sort((a, b) =>
    a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0,
  );
}

function sameState(a: OfflineState, b: OfflineState): boolean {
  return (
    a.suspendedByOperator === b.suspendedByOperator &&
    a.suspendedForOverdraft === b.suspendedForOverdraft &&
    a.suspendedForKey === b.suspendedForKey &&
    a.lastCheckInAt === b.lastCheckInAt &&
    JSON.stringify(a.limits) === JSON.stringify(b.limits)
  );
}

/**
 * What an operator's change of a key means for its device's offline capability: only a device's payment
 * key in use matters (it signs offline payments); suspended or revoked suspends, reactivated lifts that.
 * A key that was not in use — still pending while the device's working key stays active, or already
 * rotated out by its successor — changes nothing: revoking it must not suspend the key that pays.
 */
export function offlineCommandForKeyChange(
  key: { readonly owner: KeyOwner; readonly purpose: KeyPurpose },
  state: KeyState,
  previous: KeyState,
): OfflineCommand | null {
  if (key.owner.kind !== 'device' || key.purpose !== 'payment') return null;
  if (previous !== 'active' && previous !== 'suspended') return null;
  switch (state) {
    case 'suspended':
      return { kind: 'payment-key-suspended' };
    case 'revoked':
      return { kind: 'payment-key-revoked' };
    case 'active':
      return { kind: 'payment-key-restored', reason: 'operator-action' };
    default:
      return null;
  }
}
