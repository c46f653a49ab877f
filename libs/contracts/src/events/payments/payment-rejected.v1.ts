import { type EventDefinition } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  enumSchema,
  identifierSchema,
  jsonSchemaDialect,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';

/**
 * Why the verifier rejected a transaction, in the precedence order the rules are evaluated (DESIGN
 * §5): the first failing rule names the code. Stable, append-only codes; a new one is a new version.
 */
export const paymentRejectionReasonCodes = [
  'SIGNATURE_INVALID',
  'KEY_UNKNOWN',
  'KEY_NOT_ATTESTED',
  'KEY_NOT_ACTIVE',
  'KEY_COMPROMISED',
  'MERCHANT_MISMATCH',
  'TERMINAL_MISMATCH',
  'REQUEST_EXPIRED',
  'PRESENTMENT_WINDOW_EXCEEDED',
  'COUNTER_REUSED',
  'PER_TRANSACTION_CAP_EXCEEDED',
  'CUMULATIVE_CAP_EXCEEDED',
  'DUPLICATE_WITH_DIFFERENT_CONTENT',
] as const;
export type PaymentRejectionReasonCode = (typeof paymentRejectionReasonCodes)[number];

/**
 * payment.rejected v1 — FROZEN. The verifier rejected an uploaded transaction: a final state, the
 * money never moves. Keyed like the upload, by consumer device id.
 */
export interface PaymentRejectedV1 {
  readonly transactionId: string;
  readonly consumerDeviceId: string;
  readonly terminalId: string;
  readonly merchantId: string;
  readonly reasonCode: PaymentRejectionReasonCode;
  readonly rejectedAt: string;
}

export const paymentRejectedV1Schema: ObjectSchema<PaymentRejectedV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('payment.rejected', 1),
  type: 'object',
  additionalProperties: false,
  required: [
    'transactionId',
    'consumerDeviceId',
    'terminalId',
    'merchantId',
    'reasonCode',
    'rejectedAt',
  ],
  properties: {
    transactionId: identifierSchema,
    consumerDeviceId: identifierSchema,
    terminalId: identifierSchema,
    merchantId: identifierSchema,
    reasonCode: enumSchema(paymentRejectionReasonCodes),
    rejectedAt: timestampSchema,
  },
};

export const paymentRejectedV1: EventDefinition<'payment.rejected', PaymentRejectedV1> = {
  type: 'payment.rejected',
  version: 1,
  topic: 'payments.rejected.v1',
  producer: 'verifier',
  description: 'An uploaded transaction failed verification or an offline risk rule; it is final.',
  schema: paymentRejectedV1Schema,
  key: (payload) => payload.consumerDeviceId,
};
