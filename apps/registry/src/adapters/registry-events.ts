import { randomUUID } from 'node:crypto';
import {
  type AccountOpenedV1,
  accountOpenedV1,
  type AttestationRequestedV2,
  attestationRequestedV2,
  createEnvelope,
  type DeviceCheckedInV1,
  deviceCheckedInV1,
  type DeviceEnrolledV1,
  deviceEnrolledV1,
  deviceOfflineCapabilityChangedV1,
  type EventDefinition,
  type EventEnvelope,
  type KeyLifecycleChangedV1,
  keyLifecycleChangedV1,
  type MerchantOnboardedV1,
  merchantOnboardedV1,
  type OfflineCapabilityChangeReason,
  type TerminalRegisteredV1,
  terminalRegisteredV1,
} from '@settle/contracts';
import { capabilityOf, type OfflineState } from '../domain/offline-capability';

/** What every event the registry publishes carries of its cause. */
export interface Causation {
  readonly correlationId: string;
  /** The event (or request) that caused it; null for a root cause. */
  readonly causationId: string | null;
  readonly occurredAt: string;
}

const producer = 'registry';

/** An admin or device request is a root cause: a new correlation id, its request id (when a UUID) as causation. */
export function requestCause(requestId: string | null | undefined, occurredAt: string): Causation {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  return {
    correlationId: randomUUID(),
    causationId: requestId && uuid.test(requestId) ? requestId : null,
    occurredAt,
  };
}

/** An event caused by a consumed event keeps its correlation id. */
export function eventCause(envelope: EventEnvelope, occurredAt: string): Causation {
  return { correlationId: envelope.correlationId, causationId: envelope.eventId, occurredAt };
}

function envelopeOf<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  payload: TPayload,
  cause: Causation,
): EventEnvelope {
  return createEnvelope({ definition, payload, eventId: randomUUID(), producer, ...cause });
}

export const accountOpenedEvent = (payload: AccountOpenedV1, cause: Causation) =>
  envelopeOf(accountOpenedV1, payload, cause);
export const merchantOnboardedEvent = (payload: MerchantOnboardedV1, cause: Causation) =>
  envelopeOf(merchantOnboardedV1, payload, cause);
export const terminalRegisteredEvent = (payload: TerminalRegisteredV1, cause: Causation) =>
  envelopeOf(terminalRegisteredV1, payload, cause);
export const deviceEnrolledEvent = (payload: DeviceEnrolledV1, cause: Causation) =>
  envelopeOf(deviceEnrolledV1, payload, cause);
export const keyLifecycleEvent = (payload: KeyLifecycleChangedV1, cause: Causation) =>
  envelopeOf(keyLifecycleChangedV1, payload, cause);
export const deviceCheckedInEvent = (payload: DeviceCheckedInV1, cause: Causation) =>
  envelopeOf(deviceCheckedInV1, payload, cause);
export const attestationRequestedEvent = (payload: AttestationRequestedV2, cause: Causation) =>
  envelopeOf(attestationRequestedV2, payload, cause);

export function offlineCapabilityEvent(
  device: { deviceId: string; accountId: string },
  state: OfflineState,
  reason: OfflineCapabilityChangeReason,
  cause: Causation,
): EventEnvelope {
  return envelopeOf(
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
