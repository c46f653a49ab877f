import { type EventDefinition } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  currencySchema,
  identifierSchema,
  jsonSchemaDialect,
  negativeAmountSchema,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';

/**
 * account.overdrawn v1 — FROZEN. A wallet's balance went below zero. That is allowed (the processor
 * guarantees payments that passed the caps), but the registry suspends the account's devices'
 * offline capability until account.back-in-funds.
 */
export interface AccountOverdrawnV1 {
  readonly accountId: string;
  /** The balance after the entry that overdrew it: negative, in minor units. */
  readonly balance: string;
  readonly currency: string;
  readonly overdrawnAt: string;
}

export const accountOverdrawnV1Schema: ObjectSchema<AccountOverdrawnV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('account.overdrawn', 1),
  type: 'object',
  additionalProperties: false,
  required: ['accountId', 'balance', 'currency', 'overdrawnAt'],
  properties: {
    accountId: identifierSchema,
    balance: negativeAmountSchema,
    currency: currencySchema,
    overdrawnAt: timestampSchema,
  },
};

export const accountOverdrawnV1: EventDefinition<'account.overdrawn', AccountOverdrawnV1> = {
  type: 'account.overdrawn',
  version: 1,
  topic: 'ledger.account-status.v1',
  producer: 'ledger',
  description: 'A wallet’s balance went negative; offline payments from its devices are suspended.',
  schema: accountOverdrawnV1Schema,
  key: (payload) => payload.accountId,
};
