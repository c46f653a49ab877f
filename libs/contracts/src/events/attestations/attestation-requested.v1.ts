import {
  keyOwnerSchema,
  keyPurposes,
  publicJwkSchema,
  type KeyOwner,
  type KeyPurpose,
  type PublicJwk,
} from '../../common-payloads';
import { type EventDefinition, type PayloadViolation } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  base64urlPattern,
  enumSchema,
  identifierSchema,
  jsonSchemaDialect,
  keyIdSchema,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';

/** Shortest challenge: 16 random bytes in base64url. */
export const attestationChallengeLengthMin = 22;
/** Longest challenge: 96 bytes in base64url. */
export const attestationChallengeLengthMax = 128;
/** Attestation evidence is at most 64 KiB, i.e. this many base64url characters. */
export const attestationEvidenceLengthMax = Math.ceil((64 * 1024 * 4) / 3);

export const attestationFormats = [
  'android-key',
  'apple-app-attest',
  'webauthn-packed',
  'none',
] as const;
export type AttestationFormat = (typeof attestationFormats)[number];

/**
 * attestation.requested v1 — FROZEN. The registry consumed an attestation challenge for a new key
 * and hands the evidence to the verifier. It carries the consumed challenge itself, so the verifier
 * checks the evidence against exactly what the registry issued, without reading its tables.
 */
export interface AttestationRequestedV1 {
  readonly requestId: string;
  readonly keyId: string;
  readonly owner: KeyOwner;
  readonly purpose: KeyPurpose;
  readonly format: AttestationFormat;
  /** The consumed challenge, base64url. */
  readonly challenge: string;
  /** The attestation object / certificate chain as sent by the device, base64url; empty for `none`. */
  readonly evidence: string;
  readonly publicKeyJwk: PublicJwk;
  readonly requestedAt: string;
}

export const attestationRequestedV1Schema: ObjectSchema<AttestationRequestedV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('attestation.requested', 1),
  type: 'object',
  additionalProperties: false,
  required: [
    'requestId',
    'keyId',
    'owner',
    'purpose',
    'format',
    'challenge',
    'evidence',
    'publicKeyJwk',
    'requestedAt',
  ],
  properties: {
    requestId: identifierSchema,
    keyId: keyIdSchema,
    owner: keyOwnerSchema,
    purpose: enumSchema(keyPurposes),
    format: enumSchema(attestationFormats),
    challenge: {
      type: 'string',
      pattern: base64urlPattern,
      minLength: attestationChallengeLengthMin,
      maxLength: attestationChallengeLengthMax,
    },
    evidence: {
      type: 'string',
      pattern: base64urlPattern,
      maxLength: attestationEvidenceLengthMax,
    },
    publicKeyJwk: publicJwkSchema,
    requestedAt: timestampSchema,
  },
};

/** Format `none` has no evidence; every other format must have some. */
function checkEvidence(payload: AttestationRequestedV1): PayloadViolation | null {
  const hasEvidence = payload.evidence.length > 0;
  if (hasEvidence === (payload.format !== 'none')) return null;
  return {
    field: '/evidence',
    message: hasEvidence
      ? 'must be empty for format none'
      : `must not be empty for ${payload.format}`,
  };
}

export const attestationRequestedV1: EventDefinition<
  'attestation.requested',
  AttestationRequestedV1
> = {
  type: 'attestation.requested',
  version: 1,
  topic: 'registry.attestation-requests.v1',
  producer: 'registry',
  description: 'A key was registered with attestation evidence that the verifier must check.',
  schema: attestationRequestedV1Schema,
  key: (payload) => payload.keyId,
  invariants: checkEvidence,
};
