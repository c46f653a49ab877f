import { type EventDefinition } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  enumSchema,
  identifierSchema,
  jsonSchemaDialect,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';

/** Why the ledger could not post a verified payment. Stable, append-only codes. */
export const settlementFailureReasonCodes = [
  'UNKNOWN_ACCOUNT',
  'UNKNOWN_MERCHANT',
  'CURRENCY_MISMATCH',
  'AMOUNT_OUT_OF_RANGE',
] as const;
export type SettlementFailureReasonCode = (typeof settlementFailureReasonCodes)[number];

/**
 * payment.settlement-failed v1 — FROZEN. The ledger could not post a verified payment (after the
 * retry window for entities it has not seen yet), so the transaction still reaches a final state.
 */
export interface PaymentSettlementFailedV1 {
  readonly transactionId: string;
  readonly consumerAccountId: string;
  readonly merchantId: string;
  readonly reasonCode: SettlementFailureReasonCode;
  readonly failedAt: string;
}

export const paymentSettlementFailedV1Schema: ObjectSchema<PaymentSettlementFailedV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('payment.settlement-failed', 1),
  type: 'object',
  additionalProperties: false,
  required: ['transactionId', 'consumerAccountId', 'merchantId', 'reasonCode', 'failedAt'],
  properties: {
    transactionId: identifierSchema,
    consumerAccountId: identifierSchema,
    merchantId: identifierSchema,
    reasonCode: enumSchema(settlementFailureReasonCodes),
    failedAt: timestampSchema,
  },
};

export const paymentSettlementFailedV1: EventDefinition<
  'payment.settlement-failed',
  PaymentSettlementFailedV1
> = {
  type: 'payment.settlement-failed',
  version: 1,
  topic: 'payments.settlements.v1',
  producer: 'ledger',
  description:
    'The ledger could not post a verified payment; the reason code says why. It is final.',
  schema: paymentSettlementFailedV1Schema,
  key: (payload) => payload.consumerAccountId,
};
