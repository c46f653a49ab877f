import { type EventDefinition, type PayloadViolation } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  amountSchema,
  currencySchema,
  identifierSchema,
  jsonSchemaDialect,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';

/**
 * payment.settled v1 — FROZEN. The ledger posted the payment: the consumer's wallet was debited by
 * `amount`, the merchant's payable credited with `merchantAmount`, the processor's fee revenue with
 * `fee`. The verifier turns it into the signed confirmation.
 */
export interface PaymentSettledV1 {
  readonly transactionId: string;
  readonly consumerAccountId: string;
  readonly merchantId: string;
  readonly amount: string;
  readonly fee: string;
  /** Always `amount - fee`. */
  readonly merchantAmount: string;
  readonly currency: string;
  /** The journal entry that posted it (ledger.entry-posted). */
  readonly entryId: string;
  readonly settledAt: string;
}

export const paymentSettledV1Schema: ObjectSchema<PaymentSettledV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('payment.settled', 1),
  type: 'object',
  additionalProperties: false,
  required: [
    'transactionId',
    'consumerAccountId',
    'merchantId',
    'amount',
    'fee',
    'merchantAmount',
    'currency',
    'entryId',
    'settledAt',
  ],
  properties: {
    transactionId: identifierSchema,
    consumerAccountId: identifierSchema,
    merchantId: identifierSchema,
    amount: amountSchema,
    fee: amountSchema,
    merchantAmount: amountSchema,
    currency: currencySchema,
    entryId: identifierSchema,
    settledAt: timestampSchema,
  },
};

/** Nothing is created or lost: amount = fee + merchantAmount. */
function checkSplit(payload: PaymentSettledV1): PayloadViolation | null {
  if (BigInt(payload.fee) + BigInt(payload.merchantAmount) === BigInt(payload.amount)) return null;
  return { field: '/merchantAmount', message: 'fee + merchantAmount must equal amount' };
}

export const paymentSettledV1: EventDefinition<'payment.settled', PaymentSettledV1> = {
  type: 'payment.settled',
  version: 1,
  topic: 'payments.settlements.v1',
  producer: 'ledger',
  description:
    'The ledger posted a verified payment: wallet debited, merchant and fee revenue credited.',
  schema: paymentSettledV1Schema,
  key: (payload) => payload.consumerAccountId,
  invariants: checkSplit,
};
