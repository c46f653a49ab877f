import { type EventDefinition, type PayloadViolation } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  amountSchema,
  currencySchema,
  enumSchema,
  identifierSchema,
  jsonSchemaDialect,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';

/** A device carries at most this many per-currency offline limits. */
export const offlineLimitCurrenciesMax = 16;

export const offlineCapabilities = ['enabled', 'suspended'] as const;
export type OfflineCapability = (typeof offlineCapabilities)[number];

/** Why the capability (or its limits, or its last check-in) changed. Append-only. */
export const offlineCapabilityChangeReasons = [
  'enrolled',
  'checked-in',
  'limits-changed',
  'account-overdrawn',
  'account-back-in-funds',
  'key-suspended',
  'key-revoked',
  'operator-action',
] as const;
export type OfflineCapabilityChangeReason = (typeof offlineCapabilityChangeReasons)[number];

/** Caps on offline spending in one currency, in minor units. */
export interface OfflineLimitV1 {
  readonly currency: string;
  /** No single offline payment may exceed it. */
  readonly perTransactionMax: string;
  /** Offline spend since the device's last online check-in may not exceed it. */
  readonly cumulativeMax: string;
}

/**
 * device.offline-capability-changed v1 — FROZEN. The device's whole offline state: whether it may
 * pay offline, its limits and its last trusted check-in (which bounds the cumulative cap and the
 * compromised-key rule). One type on a compacted topic, so the latest value is always complete.
 */
export interface DeviceOfflineCapabilityChangedV1 {
  readonly deviceId: string;
  readonly accountId: string;
  readonly capability: OfflineCapability;
  readonly reason: OfflineCapabilityChangeReason;
  readonly limits: readonly OfflineLimitV1[];
  readonly lastCheckInAt: string;
  readonly changedAt: string;
}

const offlineLimitV1Schema: ObjectSchema<OfflineLimitV1> = {
  type: 'object',
  additionalProperties: false,
  required: ['currency', 'perTransactionMax', 'cumulativeMax'],
  properties: {
    currency: currencySchema,
    perTransactionMax: amountSchema,
    cumulativeMax: amountSchema,
  },
};

export const deviceOfflineCapabilityChangedV1Schema: ObjectSchema<DeviceOfflineCapabilityChangedV1> =
  {
    $schema: jsonSchemaDialect,
    $id: payloadSchemaId('device.offline-capability-changed', 1),
    type: 'object',
    additionalProperties: false,
    required: [
      'deviceId',
      'accountId',
      'capability',
      'reason',
      'limits',
      'lastCheckInAt',
      'changedAt',
    ],
    properties: {
      deviceId: identifierSchema,
      accountId: identifierSchema,
      capability: enumSchema(offlineCapabilities),
      reason: enumSchema(offlineCapabilityChangeReasons),
      limits: { type: 'array', items: offlineLimitV1Schema, maxItems: offlineLimitCurrenciesMax },
      lastCheckInAt: timestampSchema,
      changedAt: timestampSchema,
    },
  };

/** One limit per currency: two would leave the verifier guessing which one applies. */
function checkLimits(payload: DeviceOfflineCapabilityChangedV1): PayloadViolation | null {
  const seen = new Set<string>();
  for (const [index, limit] of payload.limits.entries()) {
    if (seen.has(limit.currency)) {
      return {
        field: `/limits/${index}/currency`,
        message: `duplicate limit for ${limit.currency}`,
      };
    }
    seen.add(limit.currency);
  }
  return null;
}

export const deviceOfflineCapabilityChangedV1: EventDefinition<
  'device.offline-capability-changed',
  DeviceOfflineCapabilityChangedV1
> = {
  type: 'device.offline-capability-changed',
  version: 1,
  topic: 'registry.device-offline-capability.v1',
  producer: 'registry',
  description:
    'A device’s offline capability, limits or last check-in changed; the payload is its full offline state.',
  schema: deviceOfflineCapabilityChangedV1Schema,
  key: (payload) => payload.deviceId,
  invariants: checkLimits,
};
