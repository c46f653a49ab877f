import { keyOwnerSchema, type KeyOwner } from '../../common-payloads';
import { type EventDefinition, type PayloadViolation } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  enumSchema,
  identifierSchema,
  jsonSchemaDialect,
  keyIdSchema,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';

/** Whether the key's attestation at registration sufficed or fresh evidence came with the session start. */
export const sessionAttestationKinds = ['registration', 'fresh'] as const;
export type SessionAttestationKind = (typeof sessionAttestationKinds)[number];

/** How sub-sessions prove the key: RFC 8471 token binding on the TLS exporter, or RFC 9449 DPoP. */
export const sessionBindingModes = ['token-binding', 'dpop'] as const;
export type SessionBindingMode = (typeof sessionBindingModes)[number];

/**
 * session.started v1 — FROZEN. The token issuer started a session bound to a device's or
 * terminal's binding key (audit trail; no service derives state from it).
 */
export interface SessionStartedV1 {
  readonly sessionId: string;
  readonly subject: KeyOwner;
  /** The binding key the session's tokens are bound to (RFC 7638 thumbprint). */
  readonly keyId: string;
  readonly attestationKind: SessionAttestationKind;
  readonly bindingMode: SessionBindingMode;
  readonly startedAt: string;
  readonly expiresAt: string;
}

export const sessionStartedV1Schema: ObjectSchema<SessionStartedV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('session.started', 1),
  type: 'object',
  additionalProperties: false,
  required: [
    'sessionId',
    'subject',
    'keyId',
    'attestationKind',
    'bindingMode',
    'startedAt',
    'expiresAt',
  ],
  properties: {
    sessionId: identifierSchema,
    subject: keyOwnerSchema,
    keyId: keyIdSchema,
    attestationKind: enumSchema(sessionAttestationKinds),
    bindingMode: enumSchema(sessionBindingModes),
    startedAt: timestampSchema,
    expiresAt: timestampSchema,
  },
};

/** Timestamps share one fixed UTC format, so string order is time order. */
function checkExpiry(payload: SessionStartedV1): PayloadViolation | null {
  if (payload.expiresAt > payload.startedAt) return null;
  return { field: '/expiresAt', message: 'must be after startedAt' };
}

export const sessionStartedV1: EventDefinition<'session.started', SessionStartedV1> = {
  type: 'session.started',
  version: 1,
  topic: 'token-issuer.sessions.v1',
  producer: 'token-issuer',
  description: 'A session bound to a device’s or terminal’s binding key started (audit).',
  schema: sessionStartedV1Schema,
  key: (payload) => payload.sessionId,
  invariants: checkExpiry,
};
