import { type ObjectSchema } from '../../payload-schema';
import { type EventDefinition } from '../../event-definition';
import {
  currencySchema,
  displayNameSchema,
  identifierSchema,
  jsonSchemaDialect,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';

/**
 * account.opened v1 — FROZEN. A consumer account (a wallet) exists. It is the whole state of the
 * account, so the compacted topic keeps it forever; the ledger opens the wallet on it.
 */
export interface AccountOpenedV1 {
  readonly accountId: string;
  /** Shown to operators and on statements; never used as an identity. */
  readonly holderDisplayName: string;
  /** The only currency the wallet holds. */
  readonly currency: string;
  readonly openedAt: string;
}

export const accountOpenedV1Schema: ObjectSchema<AccountOpenedV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('account.opened', 1),
  type: 'object',
  additionalProperties: false,
  required: ['accountId', 'holderDisplayName', 'currency', 'openedAt'],
  properties: {
    accountId: identifierSchema,
    holderDisplayName: displayNameSchema,
    currency: currencySchema,
    openedAt: timestampSchema,
  },
};

export const accountOpenedV1: EventDefinition<'account.opened', AccountOpenedV1> = {
  type: 'account.opened',
  version: 1,
  topic: 'registry.accounts.v1',
  producer: 'registry',
  description: 'A consumer account (wallet) was opened; the payload is the account’s full state.',
  schema: accountOpenedV1Schema,
  key: (payload) => payload.accountId,
};
