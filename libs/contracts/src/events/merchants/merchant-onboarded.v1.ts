import { type EventDefinition } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  currencySchema,
  displayNameSchema,
  identifierSchema,
  jsonSchemaDialect,
  merchantCategoryCodeSchema,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';

/** IANA time zone name (`Europe/Berlin`, `America/Argentina/Buenos_Aires`, `Etc/GMT+5`, `UTC`). */
export const timeZonePattern = '^(UTC|[A-Z][A-Za-z_-]{0,31}(/[A-Za-z0-9_+-]{1,31}){1,2})$';

/**
 * merchant.onboarded v1 — FROZEN. A merchant can accept payments. Its full state: the ledger opens
 * its payable account in the settlement currency, the verifier reads the category code for fees,
 * statements cut days in the merchant's own time zone.
 */
export interface MerchantOnboardedV1 {
  readonly merchantId: string;
  /** The name a consumer's phone shows (it is also in the signed terminal credential). */
  readonly displayName: string;
  /** ISO 18245 merchant category code, an input of the fee schedule. */
  readonly categoryCode: string;
  readonly settlementCurrency: string;
  readonly timeZone: string;
  readonly onboardedAt: string;
}

export const merchantOnboardedV1Schema: ObjectSchema<MerchantOnboardedV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('merchant.onboarded', 1),
  type: 'object',
  additionalProperties: false,
  required: [
    'merchantId',
    'displayName',
    'categoryCode',
    'settlementCurrency',
    'timeZone',
    'onboardedAt',
  ],
  properties: {
    merchantId: identifierSchema,
    displayName: displayNameSchema,
    categoryCode: merchantCategoryCodeSchema,
    settlementCurrency: currencySchema,
    timeZone: { type: 'string', pattern: timeZonePattern, maxLength: 64 },
    onboardedAt: timestampSchema,
  },
};

export const merchantOnboardedV1: EventDefinition<'merchant.onboarded', MerchantOnboardedV1> = {
  type: 'merchant.onboarded',
  version: 1,
  topic: 'registry.merchants.v1',
  producer: 'registry',
  description:
    'A merchant was onboarded and may accept payments; the payload is the merchant’s full state.',
  schema: merchantOnboardedV1Schema,
  key: (payload) => payload.merchantId,
};
