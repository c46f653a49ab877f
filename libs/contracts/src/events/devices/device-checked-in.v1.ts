import { type EventDefinition, type PayloadViolation } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import { offlineCapsCurrenciesMax } from '@settle/protocol';
import {
  currencySchema,
  identifierSchema,
  jsonSchemaDialect,
  keyIdSchema,
  payloadSchemaId,
  positiveAmountSchema,
  timestampSchema,
} from '../../schema-fragments';

/** The check-ins a `device.checked-in` carries: the latest ones, newest last. */
export const deviceCheckInHistoryEntriesMax = 32;

/** The caps of one currency in the device credential issued at a check-in (minor units, positive). */
export interface DeviceCheckInCapV1 {
  readonly currency: string;
  readonly perTransactionMax: string;
  readonly cumulativeMax: string;
}

/** One online check-in: when, which payment key the credential certified, its caps and its expiry. */
export interface DeviceCheckInV1 {
  readonly checkedInAt: string;
  /** The device credential issued at this check-in expires then (exclusive). */
  readonly validUntil: string;
  /** RFC 7638 thumbprint of the payment key the credential certified. */
  readonly paymentKeyId: string;
  /** One per currency, in ascending currency order: exactly the credential's caps. */
  readonly offlineCaps: readonly DeviceCheckInCapV1[];
}

/**
 * device.checked-in v1 — FROZEN. A device checked in online and received a device credential. The
 * topic is compacted by device id, so the payload carries the latest check-ins (at most
 * {@link deviceCheckInHistoryEntriesMax}, oldest first, the last being `lastCheckInAt`): the verifier
 * needs the last trusted check-in (compromised-key rule) and the check-in that opened each
 * cumulative-cap window, for uploads that arrive late (DESIGN §5).
 */
export interface DeviceCheckedInV1 {
  readonly deviceId: string;
  readonly accountId: string;
  /** Always `history[history.length - 1].checkedInAt`. */
  readonly lastCheckInAt: string;
  readonly history: readonly DeviceCheckInV1[];
}

const deviceCheckInCapV1Schema: ObjectSchema<DeviceCheckInCapV1> = {
  type: 'object',
  additionalProperties: false,
  required: ['currency', 'perTransactionMax', 'cumulativeMax'],
  properties: {
    currency: currencySchema,
    perTransactionMax: positiveAmountSchema,
    cumulativeMax: positiveAmountSchema,
  },
};

const deviceCheckInV1Schema: ObjectSchema<DeviceCheckInV1> = {
  type: 'object',
  additionalProperties: false,
  required: ['checkedInAt', 'validUntil', 'paymentKeyId', 'offlineCaps'],
  properties: {
    checkedInAt: timestampSchema,
    validUntil: timestampSchema,
    paymentKeyId: keyIdSchema,
    offlineCaps: {
      type: 'array',
      items: deviceCheckInCapV1Schema,
      minItems: 1,
      maxItems: offlineCapsCurrenciesMax,
    },
  },
};

export const deviceCheckedInV1Schema: ObjectSchema<DeviceCheckedInV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('device.checked-in', 1),
  type: 'object',
  additionalProperties: false,
  required: ['deviceId', 'accountId', 'lastCheckInAt', 'history'],
  properties: {
    deviceId: identifierSchema,
    accountId: identifierSchema,
    lastCheckInAt: timestampSchema,
    history: {
      type: 'array',
      items: deviceCheckInV1Schema,
      minItems: 1,
      maxItems: deviceCheckInHistoryEntriesMax,
    },
  },
};

/** Caps as the credential has them: ascending, one per currency, per-transaction ≤ cumulative. */
function checkCaps(caps: readonly DeviceCheckInCapV1[], at: string): PayloadViolation | null {
  for (const [index, cap] of caps.entries()) {
    const previous = caps[index - 1];
    if (previous !== undefined && previous.currency >= cap.currency) {
      return {
        field: `${at}/offlineCaps/${index}/currency`,
        message: 'must be unique and in ascending order',
      };
    }
    if (BigInt(cap.perTransactionMax) > BigInt(cap.cumulativeMax)) {
      return {
        field: `${at}/offlineCaps/${index}/perTransactionMax`,
        message: 'must not exceed cumulativeMax',
      };
    }
  }
  return null;
}

/** Check-ins strictly in time order, each credential expiring after it was issued, the last one `lastCheckInAt`. */
function checkHistory(payload: DeviceCheckedInV1): PayloadViolation | null {
  for (const [index, checkIn] of payload.history.entries()) {
    const at = `/history/${index}`;
    const previous = payload.history[index - 1];
    if (previous !== undefined && previous.checkedInAt >= checkIn.checkedInAt) {
      return { field: `${at}/checkedInAt`, message: 'must be after the previous check-in' };
    }
    if (checkIn.validUntil <= checkIn.checkedInAt)
      return { field: `${at}/validUntil`, message: 'must be after checkedInAt' };
    const caps = checkCaps(checkIn.offlineCaps, at);
    if (caps) return caps;
  }
  if (payload.history[payload.history.length - 1]?.checkedInAt !== payload.lastCheckInAt) {
    return {
      field: '/lastCheckInAt',
      message: 'must be the checkedInAt of the last history entry',
    };
  }
  return null;
}

export const deviceCheckedInV1: EventDefinition<'device.checked-in', DeviceCheckedInV1> = {
  type: 'device.checked-in',
  version: 1,
  topic: 'registry.device-check-ins.v1',
  producer: 'registry',
  description:
    'A device checked in online and received a device credential; the payload carries its latest check-ins.',
  schema: deviceCheckedInV1Schema,
  key: (payload) => payload.deviceId,
  invariants: checkHistory,
};
