import { type EventDefinition } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  enumSchema,
  identifierSchema,
  jsonSchemaDialect,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';

export const sessionEndReasons = [
  'expired',
  'logout',
  'key-revoked',
  'key-suspended',
  'max-age',
] as const;
export type SessionEndReason = (typeof sessionEndReasons)[number];

/**
 * session.ended v1 — FROZEN. A session ended; its tokens are refused from now on. Keyed by session
 * id like session.started, so the two are in order.
 */
export interface SessionEndedV1 {
  readonly sessionId: string;
  readonly reason: SessionEndReason;
  readonly endedAt: string;
}

export const sessionEndedV1Schema: ObjectSchema<SessionEndedV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('session.ended', 1),
  type: 'object',
  additionalProperties: false,
  required: ['sessionId', 'reason', 'endedAt'],
  properties: {
    sessionId: identifierSchema,
    reason: enumSchema(sessionEndReasons),
    endedAt: timestampSchema,
  },
};

export const sessionEndedV1: EventDefinition<'session.ended', SessionEndedV1> = {
  type: 'session.ended',
  version: 1,
  topic: 'token-issuer.sessions.v1',
  producer: 'token-issuer',
  description: 'A session ended (expiry, logout, key revoked or suspended, maximum age).',
  schema: sessionEndedV1Schema,
  key: (payload) => payload.sessionId,
};
