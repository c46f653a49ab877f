import { type EventDefinition, type PayloadViolation } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  enumSchema,
  identifierSchema,
  jsonSchemaDialect,
  keyIdSchema,
  nullableEnumSchema,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';
import { attestationFormats, type AttestationFormat } from './attestation-requested.v1';

export const attestationVerdicts = ['accepted', 'rejected'] as const;
export type AttestationVerdict = (typeof attestationVerdicts)[number];

/** Where the key was shown to live; `software` is accepted for software wallets' payment keys only. */
export const attestationLevels = ['strongbox', 'tee', 'secure-enclave', 'software'] as const;
export type AttestationLevel = (typeof attestationLevels)[number];

/** Why evidence was rejected. Stable, append-only codes. */
export const attestationRejectionReasonCodes = [
  'EVIDENCE_MALFORMED',
  'FORMAT_NOT_ALLOWED',
  'CHALLENGE_MISMATCH',
  'CERTIFICATE_CHAIN_INVALID',
  'ROOT_NOT_TRUSTED',
  'PUBLIC_KEY_MISMATCH',
  'APPLICATION_ID_MISMATCH',
  'ROOT_OF_TRUST_UNVERIFIED',
  'USER_AUTHENTICATION_NOT_REQUIRED',
  'SECURITY_LEVEL_INSUFFICIENT',
  'SIGNATURE_INVALID',
] as const;
export type AttestationRejectionReasonCode = (typeof attestationRejectionReasonCodes)[number];

/**
 * attestation.completed v1 — FROZEN. The verifier's verdict on one attestation request. The registry
 * activates (or rejects) the key on it; no token is issued for a key without an accepted verdict.
 */
export interface AttestationCompletedV1 {
  readonly requestId: string;
  readonly keyId: string;
  readonly verdict: AttestationVerdict;
  /** Null exactly when the verdict is `accepted`. */
  readonly reasonCode: AttestationRejectionReasonCode | null;
  /** Null when the evidence was rejected before a level could be established. */
  readonly level: AttestationLevel | null;
  readonly format: AttestationFormat;
  readonly verifiedAt: string;
}

export const attestationCompletedV1Schema: ObjectSchema<AttestationCompletedV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('attestation.completed', 1),
  type: 'object',
  additionalProperties: false,
  required: ['requestId', 'keyId', 'verdict', 'reasonCode', 'level', 'format', 'verifiedAt'],
  properties: {
    requestId: identifierSchema,
    keyId: keyIdSchema,
    verdict: enumSchema(attestationVerdicts),
    reasonCode: nullableEnumSchema(attestationRejectionReasonCodes),
    level: nullableEnumSchema(attestationLevels),
    format: enumSchema(attestationFormats),
    verifiedAt: timestampSchema,
  },
};

/** An accepted verdict has a level and no reason; a rejected one has a reason. */
function checkVerdict(payload: AttestationCompletedV1): PayloadViolation | null {
  const accepted = payload.verdict === 'accepted';
  if (accepted !== (payload.reasonCode === null)) {
    return {
      field: '/reasonCode',
      message: accepted ? 'must be null when accepted' : 'is required when rejected',
    };
  }
  if (accepted && payload.level === null)
    return { field: '/level', message: 'is required when accepted' };
  return null;
}

export const attestationCompletedV1: EventDefinition<
  'attestation.completed',
  AttestationCompletedV1
> = {
  type: 'attestation.completed',
  version: 1,
  topic: 'verifier.attestation-results.v1',
  producer: 'verifier',
  description: 'The verifier accepted or rejected the attestation evidence of a key.',
  schema: attestationCompletedV1Schema,
  key: (payload) => payload.keyId,
  invariants: checkVerdict,
};
