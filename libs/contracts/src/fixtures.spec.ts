import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  amountPattern,
  counterPattern,
  decodeEvent,
  eventDefinitions,
  latestVersionOf,
  negativeAmountPattern,
  positiveAmountPattern,
  signedAmountPattern,
  validateEventForSend,
  type EventDefinition,
  type EventEnvelope,
} from './index';
import { fixtureFileName, fixturesDirectory, listFixtureFiles, readEventFixture } from './testing';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [keyword: string]: unknown };

const decimalPatterns = new Set([
  amountPattern,
  positiveAmountPattern,
  signedAmountPattern,
  negativeAmountPattern,
  counterPattern,
]);

function fixtureOf(definition: EventDefinition): EventEnvelope<string, { [key: string]: Json }> {
  return readEventFixture(definition.type, definition.version) as EventEnvelope<
    string,
    { [key: string]: Json }
  >;
}

/** What a consumer receives for the fixture: itself, or for a superseded version its upcast (version and payload). */
function receivedOf(fixture: EventEnvelope<string, { [key: string]: Json }>): unknown {
  if (latestVersionOf(fixture.type) === fixture.version) return fixture;
  const decoded = decodeEvent(fixture);
  if (!decoded.ok) throw new Error(decoded.message);
  expect(decoded.envelope.version).toBe(latestVersionOf(fixture.type));
  return { ...fixture, version: decoded.envelope.version, payload: decoded.envelope.payload };
}

/** The branch of a discriminated `oneOf` that matches the value (the JWK union). */
function branchOf(schema: Schema, value: Json): Schema {
  const branches = schema.oneOf as Schema[] | undefined;
  if (!branches) return schema;
  const tag = (value as { kty: string }).kty;
  return branches.find((branch) =>
    (branch.properties as { kty: { enum: string[] } }).kty.enum.includes(tag),
  )!;
}

/** Every (pointer, value, schema) of the fixture payload, depth first. */
function* walk(
  schema: Schema,
  value: Json,
  pointer: string,
): Generator<{ pointer: string; value: Json; schema: Schema }> {
  const resolved = branchOf(schema, value);
  yield { pointer, value, schema: resolved };
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries())
      yield* walk(resolved.items as Schema, item, `${pointer}/${index}`);
  } else if (value !== null && typeof value === 'object' && resolved.properties) {
    const properties = resolved.properties as Record<string, Schema>;
    for (const [name, child] of Object.entries(value))
      yield* walk(properties[name]!, child, `${pointer}/${name}`);
  }
}

/** A deep copy of the fixture with `change` applied to the object at `pointer` (relative to the envelope). */
function mutated(
  envelope: unknown,
  pointer: string,
  change: (parent: Record<string, Json> | Json[], token: string) => void,
): unknown {
  const copy = JSON.parse(JSON.stringify(envelope)) as Record<string, Json>;
  const tokens = pointer.split('/').slice(1);
  const last = tokens.pop()!;
  const parent = tokens.reduce<Json>((node, token) => (node as Record<string, Json>)[token]!, copy);
  change(parent as Record<string, Json>, last);
  return copy;
}

const cases = eventDefinitions.map((definition): [string, EventDefinition] => [
  `${definition.type} v${definition.version}`,
  definition,
]);

describe('golden fixtures', () => {
  it('exist exactly for the definitions of the catalogue', () => {
    const expected = eventDefinitions
      .map((definition) => fixtureFileName(definition.type, definition.version))
      .sort();
    expect(listFixtureFiles()).toEqual(expected);
  });

  describe.each(cases)('%s', (_name, definition) => {
    const fixture = fixtureOf(definition);

    it('is a complete envelope of its own type and version that validates on receive and on send', () => {
      expect({ type: fixture.type, version: fixture.version }).toEqual({
        type: definition.type,
        version: definition.version,
      });
      expect(decodeEvent(fixture)).toEqual({ ok: true, envelope: receivedOf(fixture) });
      expect(validateEventForSend(fixture)).toEqual({ ok: true, envelope: fixture });
      expect(fixture.key).toBe(definition.key(fixture.payload));
    });

    it('round-trips through JSON unchanged', () => {
      const roundTripped: unknown = JSON.parse(JSON.stringify(fixture));
      expect(roundTripped).toEqual(fixture);
      expect(decodeEvent(roundTripped)).toEqual({ ok: true, envelope: receivedOf(fixture) });
    });

    it('is byte-stable: frozen contracts are not edited (re-serialised with 2 spaces equals the file)', () => {
      const file = path.join(
        fixturesDirectory,
        fixtureFileName(definition.type, definition.version),
      );
      expect(`${JSON.stringify(fixture, null, 2)}\n`).toBe(readFileSync(file, 'utf8'));
    });

    it('rejects an unknown field at the top of the payload, naming it', () => {
      const result = decodeEvent(
        mutated(
          fixture,
          '/payload/unexpectedField',
          (parent, token) => ((parent as Record<string, Json>)[token] = 'x'),
        ),
      );
      expect(result).toMatchObject({
        ok: false,
        code: 'SCHEMA_VIOLATION',
        field: '/payload/unexpectedField',
      });
    });

    const required = (definition.schema.required as string[]).map((name) => [name] as const);
    it.each(required)('rejects the payload without its required field %s', (name) => {
      const result = decodeEvent(
        mutated(
          fixture,
          `/payload/${name}`,
          (parent, token) => delete (parent as Record<string, Json>)[token],
        ),
      );
      expect(result).toMatchObject({
        ok: false,
        code: 'SCHEMA_VIOLATION',
        field: `/payload/${name}`,
      });
    });

    it('rejects a missing required field or an unknown member in every nested object', () => {
      for (const node of walk(definition.schema, fixture.payload, '/payload')) {
        if (node.schema.type !== 'object' || node.schema.additionalProperties !== false) continue;
        for (const name of node.schema.required as string[]) {
          const pointer = `${node.pointer}/${name}`;
          const result = decodeEvent(
            mutated(
              fixture,
              pointer,
              (parent, token) => delete (parent as Record<string, Json>)[token],
            ),
          );
          expect(result).toMatchObject({ ok: false, code: 'SCHEMA_VIOLATION', field: pointer });
        }
        const extra = `${node.pointer}/d`;
        const result = decodeEvent(
          mutated(
            fixture,
            extra,
            (parent, token) => ((parent as Record<string, Json>)[token] = 'x'),
          ),
        );
        expect(result).toMatchObject({ ok: false, code: 'SCHEMA_VIOLATION', field: extra });
      }
    });

    const decimals = [...walk(definition.schema, fixture.payload, '/payload')].filter((node) =>
      decimalPatterns.has(node.schema.pattern as string),
    );
    const decimalCases = decimals.map((node) => [node.pointer, node.value] as const);
    if (decimalCases.length > 0) {
      it.each(decimalCases)(
        'rejects a JSON number at %s (amounts and counters are decimal strings)',
        (pointer, value) => {
          const result = decodeEvent(
            mutated(
              fixture,
              pointer,
              (parent, token) => ((parent as Record<string, Json>)[token] = Number(value)),
            ),
          );
          expect(result).toMatchObject({ ok: false, code: 'SCHEMA_VIOLATION', field: pointer });
        },
      );
    }
  });
});
