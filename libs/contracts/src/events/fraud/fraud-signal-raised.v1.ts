import { type EventDefinition } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  enumSchema,
  identifierSchema,
  jsonSchemaDialect,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';

/** A signal carries at most this many details. */
export const fraudSignalDetailsMax = 16;
/** Longest detail value, in characters. */
export const fraudSignalDetailLengthMax = 256;

/** What was seen. Stable, append-only codes. */
export const fraudSignalKinds = [
  'DUPLICATE_WITH_DIFFERENT_CONTENT',
  'COUNTER_REUSED',
  'COMPROMISED_KEY_USED',
  'SIGNATURE_INVALID',
  'MERCHANT_MISMATCH',
  'CUMULATIVE_CAP_EXCEEDED',
  'ATTESTATION_REJECTED',
] as const;
export type FraudSignalKind = (typeof fraudSignalKinds)[number];

/** What the signal is about. */
export const fraudSubjectKinds = ['device', 'terminal', 'merchant', 'account', 'key'] as const;
export type FraudSubjectKind = (typeof fraudSubjectKinds)[number];

export interface FraudSubjectV1 {
  readonly kind: FraudSubjectKind;
  readonly id: string;
}

/**
 * fraud.signal-raised v1 — FROZEN. Something an operator or a risk model should look at (e.g. the
 * same transaction id uploaded with different content). Informational: no service changes state on
 * it by itself. Keyed by subject id, so one subject's signals stay in order.
 */
export interface FraudSignalRaisedV1 {
  readonly signalId: string;
  readonly kind: FraudSignalKind;
  readonly subject: FraudSubjectV1;
  readonly transactionId: string | null;
  /** Free-form evidence for a human (bounded): e.g. the two conflicting content hashes. */
  readonly details: Readonly<Record<string, string>>;
  readonly raisedAt: string;
}

const fraudSubjectV1Schema: ObjectSchema<FraudSubjectV1> = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'id'],
  properties: { kind: enumSchema(fraudSubjectKinds), id: identifierSchema },
};

export const fraudSignalRaisedV1Schema: ObjectSchema<FraudSignalRaisedV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('fraud.signal-raised', 1),
  type: 'object',
  additionalProperties: false,
  required: ['signalId', 'kind', 'subject', 'transactionId', 'details', 'raisedAt'],
  properties: {
    signalId: identifierSchema,
    kind: enumSchema(fraudSignalKinds),
    subject: fraudSubjectV1Schema,
    transactionId: { ...identifierSchema, nullable: true },
    // The one open map of the catalogue: bounded in size, names and values instead of closed.
    details: {
      type: 'object',
      maxProperties: fraudSignalDetailsMax,
      propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$' },
      additionalProperties: { type: 'string', maxLength: fraudSignalDetailLengthMax },
    },
    raisedAt: timestampSchema,
  },
};

export const fraudSignalRaisedV1: EventDefinition<'fraud.signal-raised', FraudSignalRaisedV1> = {
  type: 'fraud.signal-raised',
  version: 1,
  topic: 'verifier.fraud-signals.v1',
  producer: 'verifier',
  description:
    'The verifier saw something suspicious about a device, terminal, merchant, account or key.',
  schema: fraudSignalRaisedV1Schema,
  key: (payload) => payload.subject.id,
};
