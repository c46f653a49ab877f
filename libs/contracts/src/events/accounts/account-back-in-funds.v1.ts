import { type EventDefinition } from '../../event-definition';
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
 * account.back-in-funds v1 — FROZEN. An overdrawn wallet's balance is zero or more again; the
 * registry may restore its devices' offline capability.
 */
export interface AccountBackInFundsV1 {
  readonly accountId: string;
  /** The balance after the entry that restored it: zero or positive, in minor units. */
  readonly balance: string;
  readonly currency: string;
  readonly restoredAt: string;
}

export const accountBackInFundsV1Schema: ObjectSchema<AccountBackInFundsV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('account.back-in-funds', 1),
  type: 'object',
  additionalProperties: false,
  required: ['accountId', 'balance', 'currency', 'restoredAt'],
  properties: {
    accountId: identifierSchema,
    balance: amountSchema,
    currency: currencySchema,
    restoredAt: timestampSchema,
  },
};

export const accountBackInFundsV1: EventDefinition<'account.back-in-funds', AccountBackInFundsV1> =
  {
    type: 'account.back-in-funds',
    version: 1,
    topic: 'ledger.account-status.v1',
    producer: 'ledger',
    description:
      'An overdrawn wallet’s balance is zero or positive again; offline payments may resume.',
    schema: accountBackInFundsV1Schema,
    key: (payload) => payload.accountId,
  };
