import { type AttestationLevel, type DeviceCheckInCapV1, type KeyState } from '@settle/contracts';
import { offlineCapsCurrenciesMax, protocolTimeMsMax } from '@settle/protocol';
import { assert } from '../domain/assert';
import { capabilityOf, type OfflineState } from '../domain/offline-capability';
import { attestationAllowsOffline } from '../domain/offline-attestation';

/** Why a check-in issues no device credential (and records nothing). Closed, append-only. */
export type CheckInRefusal =
  | 'DEVICE_UNKNOWN'
  | 'NOT_THIS_DEVICE'
  | 'PAYMENT_KEY_NOT_ACTIVE'
  | 'OFFLINE_CAPABILITY_SUSPENDED'
  | 'NO_OFFLINE_LIMITS'
  | 'ATTESTATION_LEVEL_NOT_OFFLINE';

export interface CheckInCommand {
  readonly deviceId: string;
  /** The account the caller's bound token names as its owner. */
  readonly callerOwner: string;
  readonly nowMs: number;
  readonly validityMs: number;
  /** The attestation levels whose payment keys get an offline allowance (SETTLE_REGISTRY_OFFLINE_ATTESTATION_LEVELS). */
  readonly offlineAttestationLevels: readonly AttestationLevel[];
}

export interface CheckInState {
  readonly device: { readonly accountId: string; readonly offline: OfflineState } | null;
  /** The device's current payment key, with the level its attestation was accepted at. */
  readonly paymentKey: {
    readonly keyId: string;
    readonly state: KeyState;
    readonly attestationLevel: AttestationLevel | null;
  } | null;
  /** The latest recorded check-in, or null. */
  readonly lastCheckInAtMs: number | null;
}

export type CheckInDecision =
  | {
      readonly outcome: 'check-in';
      readonly checkedInAtMs: number;
      readonly validUntilMs: number;
      readonly paymentKeyId: string;
      readonly offlineCaps: readonly DeviceCheckInCapV1[];
    }
  | { readonly outcome: 'refused'; readonly code: CheckInRefusal };

/**
 * A device checks in for itself, with an active payment key attested at a level trusted offline, while its offline capability is enabled,
 * and gets caps for every currency it has a usable limit in (a zero cap means "not offline in that
 * currency" and is left out, since a credential's caps are positive). Check-ins of a device are
 * strictly ordered: a replica whose clock is behind dates the check-in 1 ms after the last one.
 */
export function decideCheckIn(command: CheckInCommand, state: CheckInState): CheckInDecision {
  assert(command.validityMs > 0, 'a credential is valid for some time');
  if (state.device === null) return { outcome: 'refused', code: 'DEVICE_UNKNOWN' };
  if (state.device.accountId !== command.callerOwner)
    return { outcome: 'refused', code: 'NOT_THIS_DEVICE' };
  if (state.paymentKey === null || state.paymentKey.state !== 'active')
    return { outcome: 'refused', code: 'PAYMENT_KEY_NOT_ACTIVE' };
  // A key attested below the levels trusted offline (a software key the policy accepted) gets no allowance.
  if (
    !attestationAllowsOffline(state.paymentKey.attestationLevel, command.offlineAttestationLevels)
  )
    return { outcome: 'refused', code: 'ATTESTATION_LEVEL_NOT_OFFLINE' };
  if (capabilityOf(state.device.offline) === 'suspended')
    return { outcome: 'refused', code: 'OFFLINE_CAPABILITY_SUSPENDED' };
  const offlineCaps = usableCaps(state.device.offline);
  if (offlineCaps.length === 0) return { outcome: 'refused', code: 'NO_OFFLINE_LIMITS' };
  assert(
    offlineCaps.length <= offlineCapsCurrenciesMax,
    'the admin API keeps limits within what a credential carries',
  );
  const checkedInAtMs = Math.max(command.nowMs, (state.lastCheckInAtMs ?? -1) + 1);
  const validUntilMs = checkedInAtMs + command.validityMs;
  assert(validUntilMs <= protocolTimeMsMax, 'validity ends within the protocol’s time range');
  return {
    outcome: 'check-in',
    checkedInAtMs,
    validUntilMs,
    paymentKeyId: state.paymentKey.keyId,
    offlineCaps,
  };
}

/** The limits as credential caps: positive, ascending by currency (the state keeps them sorted). */
function usableCaps(offline: OfflineState): DeviceCheckInCapV1[] {
  const caps = offline.limits
    .filter((limit) => BigInt(limit.perTransactionMax) > 0n)
    .map((limit) => ({
      currency: limit.currency,
      perTransactionMax: limit.perTransactionMax,
      cumulativeMax: limit.cumulativeMax,
    }));
  caps.forEach((cap, index) =>
    assert(
      index === 0 || caps[index - 1]!.currency < cap.currency,
      'limits are sorted by currency, one per currency',
    ),
  );
  return caps;
}
