import { type EventDefinition } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  identifierSchema,
  jsonSchemaDialect,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';

/**
 * terminal.registered v1 — FROZEN. A POS terminal belongs to a merchant. The verifier checks every
 * uploaded transaction's terminal against this; its keys arrive as key.lifecycle-changed events.
 */
export interface TerminalRegisteredV1 {
  readonly terminalId: string;
  readonly merchantId: string;
  readonly registeredAt: string;
}

export const terminalRegisteredV1Schema: ObjectSchema<TerminalRegisteredV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('terminal.registered', 1),
  type: 'object',
  additionalProperties: false,
  required: ['terminalId', 'merchantId', 'registeredAt'],
  properties: {
    terminalId: identifierSchema,
    merchantId: identifierSchema,
    registeredAt: timestampSchema,
  },
};

export const terminalRegisteredV1: EventDefinition<'terminal.registered', TerminalRegisteredV1> = {
  type: 'terminal.registered',
  version: 1,
  topic: 'registry.terminals.v1',
  producer: 'registry',
  description:
    'A POS terminal was registered to a merchant; the payload is the terminal’s full state.',
  schema: terminalRegisteredV1Schema,
  key: (payload) => payload.terminalId,
};
