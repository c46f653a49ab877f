/**
 * Building blocks shared by every event schema: one place decides what an amount, an id or a
 * timestamp looks like on the wire, so two events can never disagree about it.
 *
 * Frozen contracts import these fragments, so changing one changes every schema that uses it; the
 * schema digest lock (`fixtures/schema-digests.json`, checked by a test) makes such a change fail
 * loudly instead of silently altering a frozen contract. Add a new fragment rather than editing one.
 */

import { displayNamePattern } from '@settle/protocol';

/** JSON Schema dialect of every contract. */
export const jsonSchemaDialect = 'https://json-schema.org/draft/2020-12/schema';

/** Base of the `$id` of every contract schema; the host is reserved (RFC 2606) and never fetched. */
export const schemaIdBase = 'https://contracts.settle.invalid/';

/** Canonical (lower-case) UUID: the same UUID must always be the same string, or de-duplication by id breaks. */
export const uuidPattern = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** Opaque identifier of an entity (account, merchant, device, transaction...); a UUID fits. */
export const identifierPattern = '^[A-Za-z0-9_-]{1,64}$';
export const identifierLengthMax = 64;

/**
 * RFC 3339 timestamp, always UTC, always with milliseconds (`2026-11-28T10:00:00.000Z`, what
 * `Date.prototype.toISOString` produces). One fixed shape means timestamps compare as strings.
 */
export const timestampPattern =
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$';

/**
 * Non-negative amount in integer minor units as a canonical decimal string: no sign, no leading
 * zero, no fraction, at most 19 digits. JSON numbers lose precision above 2^53, so money never is one.
 */
export const amountPattern = '^(0|[1-9][0-9]{0,18})$';

/** Strictly positive amount in minor units (a ledger posting of zero means nothing). */
export const positiveAmountPattern = '^[1-9][0-9]{0,18}$';

/** Signed balance in minor units: a wallet may go negative (the processor guarantees capped offline payments). */
export const signedAmountPattern = '^(0|-?[1-9][0-9]{0,18})$';

/** Strictly negative balance in minor units. */
export const negativeAmountPattern = '^-[1-9][0-9]{0,18}$';

/** Unsigned 64-bit counter or sequence number as a canonical decimal string (up to 20 digits). */
export const counterPattern = '^(0|[1-9][0-9]{0,19})$';

/** ISO 4217 alphabetic currency code. */
export const currencyPattern = '^[A-Z]{3}$';

/**
 * RFC 7638 JWK thumbprint (SHA-256, 32 bytes) in canonical unpadded base64url: 43 characters, the
 * last one carrying 4 data bits and 2 zero bits, so one key has exactly one key id string.
 */
export const keyIdPattern = '^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$';

/** A 32-byte value (P-256 coordinate, Ed25519 public key) in canonical unpadded base64url. */
export const base64url32BytesPattern = keyIdPattern;

/** Unpadded base64url of any length (possibly empty). */
export const base64urlPattern = '^[A-Za-z0-9_-]*$';

/** Lower-case hex SHA-256 digest. */
export const sha256HexPattern = '^[0-9a-f]{64}$';

/**
 * A display name's longest form (characters), as `displayNamePattern` allows it. The pattern is the
 * offline protocol's (`@settle/protocol`): a name an event or the registry accepts must be one a
 * payment request can carry to the phone.
 */
export const displayNameLengthMax = 128;

export const uuidSchema = {
  type: 'string',
  format: 'uuid',
  pattern: uuidPattern,
  maxLength: 36,
} as const;

export const identifierSchema = {
  type: 'string',
  pattern: identifierPattern,
  maxLength: identifierLengthMax,
} as const;

export const timestampSchema = {
  type: 'string',
  format: 'date-time',
  pattern: timestampPattern,
  maxLength: 24,
} as const;

export const nullableTimestampSchema = { ...timestampSchema, nullable: true } as const;

export const amountSchema = { type: 'string', pattern: amountPattern, maxLength: 19 } as const;

export const positiveAmountSchema = {
  type: 'string',
  pattern: positiveAmountPattern,
  maxLength: 19,
} as const;

export const signedAmountSchema = {
  type: 'string',
  pattern: signedAmountPattern,
  maxLength: 20,
} as const;

export const negativeAmountSchema = {
  type: 'string',
  pattern: negativeAmountPattern,
  maxLength: 20,
} as const;

export const counterSchema = { type: 'string', pattern: counterPattern, maxLength: 20 } as const;

export const currencySchema = { type: 'string', pattern: currencyPattern, maxLength: 3 } as const;

export const keyIdSchema = { type: 'string', pattern: keyIdPattern, maxLength: 43 } as const;

export const sha256HexSchema = {
  type: 'string',
  pattern: sha256HexPattern,
  maxLength: 64,
} as const;

export const displayNameSchema = {
  type: 'string',
  pattern: displayNamePattern,
  minLength: 1,
  maxLength: displayNameLengthMax,
} as const;

/** A closed set of string values; the set is append-only across versions of a contract. */
export function enumSchema<const TValues extends readonly string[]>(values: TValues) {
  return { type: 'string', enum: values } as const;
}

/** The same closed set, or null. */
export function nullableEnumSchema<const TValues extends readonly string[]>(values: TValues) {
  return { type: 'string', nullable: true, enum: [...values, null] } as const;
}

/** `$id` of an event's payload schema. */
export function payloadSchemaId(type: string, version: number): string {
  return `${schemaIdBase}events/${type}.v${version}.json`;
}

/** ISO 18245 merchant category code: four digits. */
export const merchantCategoryCodeSchema = {
  type: 'string',
  pattern: '^[0-9]{4}$',
  maxLength: 4,
} as const;
