import {
  attestationEvidenceLengthMax,
  attestationFormats,
  base64url32BytesPattern,
  currencyPattern,
  devicePlatforms,
  identifierPattern,
  keyAlgorithms,
  keyPurposes,
  keyStateReasons,
  offlineCapabilities,
  timeZonePattern,
} from '@settle/contracts';
import {
  displayNamePattern,
  offlineCapsCurrenciesMax,
  protocolIdentifierLengthMaxBytes,
} from '@settle/protocol';

/** Request-body schemas of the registry's HTTP API; fragments come from the contracts so the wire agrees. */
export const identifier = { type: 'string', pattern: identifierPattern, maxLength: 64 } as const;
/**
 * Merchant, terminal and device ids travel in payment requests and credentials, whose identifier
 * fields hold at most 24 characters (`protocolIdentifierLengthMaxBytes`, one sound frame): the
 * registry refuses longer ones when they are created, not when a credential is signed.
 */
export const protocolIdentifier = {
  type: 'string',
  pattern: identifierPattern,
  maxLength: protocolIdentifierLengthMaxBytes,
} as const;
export const currency = { type: 'string', pattern: currencyPattern } as const;
export const displayName = { type: 'string', pattern: displayNamePattern, maxLength: 128 } as const;
const amount = { type: 'string', pattern: '^(0|[1-9][0-9]{0,18})$' } as const;
const coordinate = { type: 'string', pattern: base64url32BytesPattern, maxLength: 43 } as const;

const object = (properties: Record<string, unknown>) => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
});

export const accountSchema = object({
  accountId: identifier,
  holderDisplayName: displayName,
  currency,
});
export const merchantSchema = object({
  merchantId: protocolIdentifier,
  displayName,
  categoryCode: { type: 'string', pattern: '^[0-9]{4}$' },
  settlementCurrency: currency,
  timeZone: { type: 'string', pattern: timeZonePattern, maxLength: 64 },
});
export const terminalSchema = object({ terminalId: protocolIdentifier, merchantId: identifier });
export const deviceSchema = object({
  deviceId: protocolIdentifier,
  accountId: identifier,
  platform: { type: 'string', enum: devicePlatforms },
});
/** A code names one device or one terminal (an account's code could enrol any device of the account). */
export const enrolmentCodeRequestSchema = object({
  subject: object({ kind: { type: 'string', enum: ['device', 'terminal'] }, id: identifier }),
});
export const offlineLimitsSchema = object({
  // A device credential carries at most offlineCapsCurrenciesMax (8) caps: more limits could never be used.
  limits: {
    type: 'array',
    maxItems: offlineCapsCurrenciesMax,
    items: object({ currency, perTransactionMax: amount, cumulativeMax: amount }),
  },
});
export const offlineCapabilitySchema = object({
  capability: { type: 'string', enum: offlineCapabilities },
});
export const keyReasonSchema = object({
  reason: {
    type: 'string',
    enum: keyStateReasons.filter(
      (reason) => reason !== 'attestation-rejected' && reason !== 'superseded',
    ),
  },
});
export const uuid = {
  type: 'string',
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
} as const;
export const keyIdParam = { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' } as const;

/** The device's side: a challenge for an enrolment code (a device's code may repeat the device's id, which must match). */
export const challengeRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['enrolmentCode'],
  properties: {
    enrolmentCode: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' },
    deviceId: identifier,
  },
} as const;

const publicJwk = {
  type: 'object',
  required: ['kty', 'crv', 'x'],
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kty', 'crv', 'x', 'y'],
      properties: { kty: { const: 'EC' }, crv: { const: 'P-256' }, x: coordinate, y: coordinate },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kty', 'crv', 'x'],
      properties: { kty: { const: 'OKP' }, crv: { const: 'Ed25519' }, x: coordinate },
    },
  ],
} as const;

export const registerKeysSchema = object({
  enrolmentCode: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' },
  challenge: { type: 'string', pattern: '^[A-Za-z0-9_-]{22,128}$' },
  keys: {
    type: 'array',
    minItems: 2,
    maxItems: 2,
    items: object({
      purpose: { type: 'string', enum: keyPurposes },
      algorithm: { type: 'string', enum: keyAlgorithms },
      publicKeyJwk: publicJwk,
      format: { type: 'string', enum: attestationFormats },
      evidence: {
        type: 'string',
        pattern: '^[A-Za-z0-9_-]*$',
        maxLength: attestationEvidenceLengthMax,
      },
    }),
  },
});
