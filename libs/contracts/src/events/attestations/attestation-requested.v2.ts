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
  nullableEnumSchema,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';
import {
  type AttestationFormat,
  attestationChallengeLengthMax,
  attestationChallengeLengthMin,
  attestationEvidenceLengthMax,
  attestationFormats,
  type AttestationRequestedV1,
} from './attestation-requested.v1';

/**
 * The class whose attestation policy judges a key, from what the registry registered — never from the
 * evidence (issue 13 §1): a consumer device's `platform` (android, ios, web), or `terminal`.
 */
export const registeredKeyClasses = ['android', 'ios', 'web', 'terminal'] as const;
export type RegisteredKeyClass = (typeof registeredKeyClasses)[number];

/**
 * attestation.requested v2 — FROZEN. v1 plus `registeredClass`: the owner's class as registered, so the
 * verifier picks the policy from the registry's record, not from the format the device declares.
 * `null` only in a v1 request upcast here for a device (v1 did not say): the verifier refuses it.
 */
export interface AttestationRequestedV2 {
  readonly requestId: string;
  readonly keyId: string;
  readonly owner: KeyOwner;
  readonly registeredClass: RegisteredKeyClass | null;
  readonly purpose: KeyPurpose;
  readonly format: AttestationFormat;
  /** The consumed challenge, base64url. */
  readonly challenge: string;
  /** The attestation object / certificate chain as sent by the device, base64url; empty for `none`. */
  readonly evidence: string;
  readonly publicKeyJwk: PublicJwk;
  readonly requestedAt: string;
}

export const attestationRequestedV2Schema: ObjectSchema<AttestationRequestedV2> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('attestation.requested', 2),
  type: 'object',
  additionalProperties: false,
  required: [
    'requestId',
    'keyId',
    'owner',
    'registeredClass',
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
    registeredClass: nullableEnumSchema(registeredKeyClasses),
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

/** Format `none` has no evidence; a terminal's class is `terminal`, a device's never is. */
function checkRequest(payload: AttestationRequestedV2): PayloadViolation | null {
  const hasEvidence = payload.evidence.length > 0;
  if (hasEvidence !== (payload.format !== 'none')) {
    return {
      field: '/evidence',
      message: hasEvidence
        ? 'must be empty for format none'
        : `must not be empty for ${payload.format}`,
    };
  }
  if (
    payload.registeredClass !== null &&
    (payload.registeredClass === 'terminal') !== (payload.owner.kind === 'terminal')
  ) {
    return {
      field: '/registeredClass',
      message: `${payload.registeredClass} does not fit an owner of kind ${payload.owner.kind}`,
    };
  }
  return null;
}

export const attestationRequestedV2: EventDefinition<
  'attestation.requested',
  AttestationRequestedV2
> = {
  type: 'attestation.requested',
  version: 2,
  topic: 'registry.attestation-requests.v1',
  producer: 'registry',
  description:
    'A key was registered with attestation evidence that the verifier must check under the policy of the owner’s registered class.',
  schema: attestationRequestedV2Schema,
  key: (payload) => payload.keyId,
  invariants: checkRequest,
};

/**
 * v1 → v2: a terminal's class is known from its owner; a device's platform was not in v1, so it is
 * `null` and the verifier refuses the request (fail closed; the device enrols again) rather than guess
 * it from the evidence.
 */
export function upcastAttestationRequestedV1(v1: AttestationRequestedV1): AttestationRequestedV2 {
  return { ...v1, registeredClass: v1.owner.kind === 'terminal' ? 'terminal' : null };
}
