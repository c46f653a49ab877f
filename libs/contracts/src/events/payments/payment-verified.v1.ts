import { type EventDefinition } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  amountSchema,
  counterSchema,
  currencySchema,
  enumSchema,
  identifierSchema,
  jsonSchemaDialect,
  merchantCategoryCodeSchema,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';

export const paymentChannels = ['offline-sound'] as const;
export type PaymentChannel = (typeof paymentChannels)[number];

/** What the ledger's fee schedule prices; the verifier fixes it so that a rebuild never re-prices. */
export interface FeeInputsV1 {
  readonly merchantCategoryCode: string;
  readonly channel: PaymentChannel;
}

/**
 * payment.verified v1 — FROZEN. Both signatures verified against registered, active keys and every
 * offline risk rule passed: the processor now owes the merchant, and the ledger must settle it.
 * Keyed by consumer account id: one writer per wallet in the ledger.
 */
export interface PaymentVerifiedV1 {
  readonly transactionId: string;
  readonly consumerAccountId: string;
  readonly consumerDeviceId: string;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly amount: string;
  readonly currency: string;
  /** When the terminal approved (the merchant approval's time), the time the key checks use. */
  readonly approvedAt: string;
  readonly deviceCounter: string;
  readonly feeInputs: FeeInputsV1;
  readonly verifiedAt: string;
}

const feeInputsV1Schema: ObjectSchema<FeeInputsV1> = {
  type: 'object',
  additionalProperties: false,
  required: ['merchantCategoryCode', 'channel'],
  properties: {
    merchantCategoryCode: merchantCategoryCodeSchema,
    channel: enumSchema(paymentChannels),
  },
};

export const paymentVerifiedV1Schema: ObjectSchema<PaymentVerifiedV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('payment.verified', 1),
  type: 'object',
  additionalProperties: false,
  required: [
    'transactionId',
    'consumerAccountId',
    'consumerDeviceId',
    'merchantId',
    'terminalId',
    'amount',
    'currency',
    'approvedAt',
    'deviceCounter',
    'feeInputs',
    'verifiedAt',
  ],
  properties: {
    transactionId: identifierSchema,
    consumerAccountId: identifierSchema,
    consumerDeviceId: identifierSchema,
    merchantId: identifierSchema,
    terminalId: identifierSchema,
    amount: amountSchema,
    currency: currencySchema,
    approvedAt: timestampSchema,
    deviceCounter: counterSchema,
    feeInputs: feeInputsV1Schema,
    verifiedAt: timestampSchema,
  },
};

export const paymentVerifiedV1: EventDefinition<'payment.verified', PaymentVerifiedV1> = {
  type: 'payment.verified',
  version: 1,
  topic: 'payments.verified.v1',
  producer: 'verifier',
  description:
    'An uploaded transaction passed signature, key and offline risk checks; the ledger settles it.',
  schema: paymentVerifiedV1Schema,
  key: (payload) => payload.consumerAccountId,
};
