// The registry's events that compute their payload. Every other event is built where it is decided
// with `registryEvent(definition, payload, cause)` (@settle/messaging, the one event factory).
import {
  deviceOfflineCapabilityChangedV1,
  type EventEnvelope,
  type OfflineCapabilityChangeReason,
} from '@settle/contracts';
import { type Causation, eventFactory } from '@settle/messaging';
import { capabilityOf, type OfflineState } from '../domain/offline-capability';

/** Builds an event the registry publishes (fresh event id, key from the definition). */
export const registryEvent = eventFactory('registry');

/** device.offline-capability-changed: the device's capability, limits and last check-in after a change. */
export function offlineCapabilityEvent(
  device: { deviceId: string; accountId: string },
  state: OfflineState,
  reason: OfflineCapabilityChangeReason,
  cause: Causation,
): EventEnvelope {
  return registryEvent(
    deviceOfflineCapabilityChangedV1,
    {
      deviceId: device.deviceId,
      accountId: device.accountId,
      capability: capabilityOf(state),
      reason,
      limits: state.limits,
      lastCheckInAt: state.lastCheckInAt,
      changedAt: cause.occurredAt,
    },
    cause,
  );
}
