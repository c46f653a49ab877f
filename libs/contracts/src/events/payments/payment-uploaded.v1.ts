import { type EventDefinition } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  amountSchema,
  counterSchema,
  currencySchema,
  identifierSchema,
  jsonSchemaDialect,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';

/**
 * payment.uploaded v1 — FROZEN. A POS uploaded a dual-signed offline transaction and the verifier
 * stored it. Keyed by the consumer's device, so one device's transactions are verified in order and
 * its counters and cumulative cap are evaluated without races. The signed bytes stay in the
 * verifier's store; this is the notice that they must be verified.
 */
export interface PaymentUploadedV1 {
  readonly transactionId: string;
  readonly consumerDeviceId: string;
  readonly terminalId: string;
  readonly merchantId: string;
  readonly uploadBatchId: string;
  /** The consumer device's monotonic counter from the consumer authorization. */
  readonly deviceCounter: string;
  readonly amount: string;
  readonly currency: string;
  readonly uploadedAt: string;
}

export const paymentUploadedV1Schema: ObjectSchema<PaymentUploadedV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('payment.uploaded', 1),
  type: 'object',
  additionalProperties: false,
  required: [
    'transactionId',
    'consumerDeviceId',
    'terminalId',
    'merchantId',
    'uploadBatchId',
    'deviceCounter',
    'amount',
    'currency',
    'uploadedAt',
  ],
  properties: {
    transactionId: identifierSchema,
    consumerDeviceId: identifierSchema,
    terminalId: identifierSchema,
    merchantId: identifierSchema,
    uploadBatchId: identifierSchema,
    deviceCounter: counterSchema,
    amount: amountSchema,
    currency: currencySchema,
    uploadedAt: timestampSchema,
  },
};

export const paymentUploadedV1: EventDefinition<'payment.uploaded', PaymentUploadedV1> = {
  type: 'payment.uploaded',
  version: 1,
  topic: 'payments.uploaded.v1',
  producer: 'verifier',
  description: 'A POS uploaded a dual-signed offline transaction; it awaits verification.',
  schema: paymentUploadedV1Schema,
  key: (payload) => payload.consumerDeviceId,
};
