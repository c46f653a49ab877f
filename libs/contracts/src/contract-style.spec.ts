import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { eventDefinitions, eventEnvelopeSchema, topicCatalogue } from './index';

type Schema = { [keyword: string]: unknown };

const digestsFile = path.resolve(__dirname, '../schema-digests.json');
const eventsDocument = path.resolve(__dirname, '../../../docs/events.md');

/** Every subschema, with its path in the schema. */
function* subschemas(schema: Schema, at: string): Generator<{ at: string; schema: Schema }> {
  yield { at, schema };
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'properties') {
      for (const [name, child] of Object.entries(value as Record<string, Schema>))
        yield* subschemas(child, `${at}/properties/${name}`);
    } else if (
      keyword === 'items' ||
      (keyword === 'additionalProperties' && typeof value === 'object')
    ) {
      yield* subschemas(value as Schema, `${at}/${keyword}`);
    } else if (keyword === 'oneOf') {
      for (const [index, child] of (value as Schema[]).entries())
        yield* subschemas(child, `${at}/oneOf/${index}`);
    }
  }
}

/** JSON with sorted keys: the digest must not depend on property order in the source. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${canonicalJson(child)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function currentDigests(): Record<string, string> {
  const digests: Record<string, string> = {
    envelope: createHash('sha256').update(canonicalJson(eventEnvelopeSchema)).digest('hex'),
  };
  for (const definition of eventDefinitions) {
    digests[`${definition.type}.v${definition.version}`] = createHash('sha256')
      .update(canonicalJson(definition.schema))
      .digest('hex');
  }
  return digests;
}

describe('contract style', () => {
  const schemas: [string, Schema][] = [
    ['envelope', eventEnvelopeSchema],
    ...eventDefinitions.map((definition): [string, Schema] => [
      `${definition.type}.v${definition.version}`,
      definition.schema,
    ]),
  ];

  it.each(schemas)(
    '%s: every object is closed and lists every property as required',
    (_name, schema) => {
      for (const { at, schema: subschema } of subschemas(schema, '#')) {
        if (subschema.type !== 'object' || subschema.oneOf || !subschema.properties) continue;
        const properties = Object.keys(subschema.properties as object).sort();
        expect({
          at,
          additionalProperties: subschema.additionalProperties,
          required: [...(subschema.required as string[])].sort(),
        }).toEqual({
          at,
          additionalProperties: false,
          required: properties,
        });
      }
    },
  );

  it.each(schemas)('%s: every string and array is bounded', (_name, schema) => {
    for (const { at, schema: subschema } of subschemas(schema, '#')) {
      if (subschema.type === 'string' && !subschema.enum)
        expect({ at, bounded: typeof subschema.maxLength === 'number' }).toEqual({
          at,
          bounded: true,
        });
      if (subschema.type === 'array')
        expect({ at, bounded: typeof subschema.maxItems === 'number' }).toEqual({
          at,
          bounded: true,
        });
      if (subschema.type === 'object' && typeof subschema.additionalProperties === 'object') {
        expect({
          at,
          bounded: typeof subschema.maxProperties === 'number' && !!subschema.propertyNames,
        }).toEqual({ at, bounded: true });
      }
    }
  });

  it('has not changed a published schema (schema-digests.json locks them; add a line for a new version, never edit one)', () => {
    const locked = JSON.parse(readFileSync(digestsFile, 'utf8')) as Record<string, string>;
    expect(currentDigests()).toEqual(locked);
  });

  it('documents every event and topic in docs/events.md', () => {
    if (!existsSync(eventsDocument)) throw new Error(`${eventsDocument} is missing`);
    const document = readFileSync(eventsDocument, 'utf8');
    for (const definition of eventDefinitions) {
      expect(document).toContain(
        `| \`${definition.type}\` | ${definition.version} | \`${definition.topic}\` |`,
      );
    }
    for (const topic of topicCatalogue) expect(document).toContain(`\`${topic.name}\``);
  });
});

// Prints the digests to paste into schema-digests.json when a new version is added: SCHEMA_DIGESTS=print.
if (process.env.SCHEMA_DIGESTS === 'print') console.log(JSON.stringify(currentDigests(), null, 2));
