import Ajv2020, {
  type AnySchema,
  type ErrorObject,
  type Options,
  type ValidateFunction,
} from 'ajv/dist/2020';
import { assert } from './assert';
import { eventEnvelopeSchema, type EventEnvelope } from './envelope';
import { type EventDefinition, type PayloadViolation } from './event-definition';
import { addContractFormats } from './formats';
import { type Upcaster } from './upcasting';

/** Why an event was refused. A closed set: consumers route on it (dead-letter, pause, alert). */
export type DecodeErrorCode =
  | 'ENVELOPE_MALFORMED'
  | 'UNKNOWN_EVENT_TYPE'
  | 'NEWER_VERSION'
  | 'SCHEMA_VIOLATION'
  | 'KEY_MISMATCH';

export type DecodeResult<TEnvelope extends EventEnvelope = EventEnvelope> =
  | { readonly ok: true; readonly envelope: TEnvelope }
  | {
      readonly ok: false;
      readonly code: DecodeErrorCode;
      readonly message: string;
      /** JSON pointer into the envelope of the first bad field (`/payload/amount`); '' for the whole value. */
      readonly field: string;
    };

export interface EventDecoder<TEnvelope extends EventEnvelope = EventEnvelope> {
  /** Validates a received value and upcasts it to the latest version of its type. */
  decodeEvent(value: unknown): DecodeResult<TEnvelope>;
  /** Validates an envelope about to be sent, as is (no upcasting). */
  validateEventForSend(envelope: EventEnvelope): DecodeResult<TEnvelope>;
  findEventDefinition(type: string, version: number): EventDefinition | undefined;
  latestVersionOf(type: string): number | undefined;
}

interface CompiledVersion {
  readonly definition: EventDefinition;
  readonly checkPayload: SchemaCheck;
  /** To the next version; undefined for the latest. */
  readonly upcaster: Upcaster | undefined;
}

/** All versions of one type; `versions[n - 1]` is version n. */
interface CompiledType {
  readonly versions: readonly CompiledVersion[];
  readonly latest: number;
}

type Failure = Extract<DecodeResult, { ok: false }>;

function failure(code: DecodeErrorCode, field: string, message: string): Failure {
  return { ok: false, code, field, message };
}

function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The JSON pointer of the field an ajv error is about (the missing or extra property itself, not its parent). */
function pointerOf(error: ErrorObject): string {
  const params = error.params as { additionalProperty?: string; missingProperty?: string };
  const child = params.additionalProperty ?? params.missingProperty ?? error.propertyName;
  return child === undefined
    ? error.instancePath
    : `${error.instancePath}/${escapePointerToken(child)}`;
}

function schemaFailure(
  prefix: string,
  errors: ErrorObject[] | null | undefined,
  code: DecodeErrorCode,
): Failure {
  const error = errors?.[0];
  assert(error !== undefined, 'ajv reported a failure without an error');
  const field = `${prefix}${pointerOf(error)}`;
  const detail =
    error.keyword === 'enum'
      ? ` ${JSON.stringify((error.params as { allowedValues: unknown }).allowedValues)}`
      : '';
  return failure(code, field, `${field || '(root)'} ${error.message ?? 'is invalid'}${detail}`);
}

/** A compiled schema: null for a valid value, else ajv's errors (the first names the bad field). */
type SchemaCheck = (value: unknown) => ErrorObject[] | null;

/** The two ajv instances of a decoder: how each counts a string's length for `minLength`/`maxLength`. */
interface LengthCountingAjvs {
  /** In code points, as JSON Schema defines it (ajv's `ucs2length`, one pass over each string). */
  readonly codePoints: Ajv2020;
  /** In UTF-16 code units (`String#length`, no pass). */
  readonly codeUnits: Ajv2020;
}

function newAjv(options: Options = {}): Ajv2020 {
  // strict: a typo in a schema keyword is an error at start-up, not a silently ignored rule.
  // discriminator: the JWK union reports the bad member of the matching branch (see common-payloads).
  const ajv = new Ajv2020({
    allErrors: false,
    strict: true,
    discriminator: true,
    ...options,
  });
  addContractFormats(ajv);
  return ajv;
}

function newLengthCountingAjvs(): LengthCountingAjvs {
  return {
    codePoints: newAjv(),
    // ajv 8 still honours `unicode: false` but logs at each construction that it is deprecated; with
    // `strict`, every problem of a schema is thrown, so that notice is all this logger would print.
    codeUnits: newAjv({ unicode: false, logger: false }),
  };
}

/** True if the schema has a `minLength` above 1 anywhere (a property so named counts too: harmless). */
function hasMinLengthAboveOne(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  return Object.entries(schema).some(
    ([keyword, value]) =>
      (keyword === 'minLength' && typeof value === 'number' && value > 1) ||
      hasMinLengthAboveOne(value),
  );
}

/**
 * Compiles a schema so that valid values, the hot path, are checked without counting code points:
 * counting them was a tenth of an outbox append (bench/backbone). A string has no more code points
 * than UTF-16 code units, so a `maxLength` met in code units is met in code points, and a `minLength`
 * of at most 1 means the same in both. A schema with those only therefore accepts in code units only
 * what it accepts in code points; anything it refuses (a surrogate pair may have made a string look
 * too long) is checked again in code points, which decides, with its errors. A schema with a larger
 * `minLength` is checked in code points only. The verdicts are exactly JSON Schema's
 * (validation.spec.ts tries astral characters at both bounds).
 */
function compileSchemaCheck(ajvs: LengthCountingAjvs, schema: AnySchema): SchemaCheck {
  if (hasMinLengthAboveOne(schema)) return checkWith(ajvs.codePoints.compile(schema));
  const inCodeUnits = ajvs.codeUnits.compile(schema);
  // The check in code points is compiled on first need: refusals are rare, and start-up then compiles
  // each schema once, not twice (strict mode has refused a bad schema in the first compile already).
  let inCodePoints: SchemaCheck | undefined;
  return (value) =>
    inCodeUnits(value)
      ? null
      : (inCodePoints ??= checkWith(ajvs.codePoints.compile(schema)))(value);
}

function checkWith(validate: ValidateFunction): SchemaCheck {
  return (value) => (validate(value) ? null : (validate.errors ?? []));
}

function compileCatalogue(
  ajvs: LengthCountingAjvs,
  definitions: readonly EventDefinition[],
  upcasters: readonly Upcaster[],
): Map<string, CompiledType> {
  const byType = new Map<string, EventDefinition[]>();
  for (const definition of definitions) {
    assert(
      Number.isInteger(definition.version) && definition.version >= 1,
      `${definition.type}: bad version`,
    );
    const versions = byType.get(definition.type) ?? [];
    assert(
      versions[definition.version - 1] === undefined,
      `${definition.type} v${definition.version} is defined twice`,
    );
    versions[definition.version - 1] = definition;
    byType.set(definition.type, versions);
  }
  const compiled = new Map<string, CompiledType>();
  for (const [type, versions] of byType) {
    const latest = versions.length;
    const missing = Array.from(versions, (definition, index) =>
      definition === undefined ? index + 1 : 0,
    ).filter(Boolean);
    assert(
      missing.length === 0,
      `${type}: versions must be contiguous from 1, v${missing.join(', v')} missing`,
    );
    const entries = versions.map((definition, index) => {
      const found = upcasters.filter(
        (upcaster) => upcaster.type === type && upcaster.fromVersion === index + 1,
      );
      assert(
        found.length === (index + 1 < latest ? 1 : 0),
        `${type} v${index + 1}: needs exactly one upcaster to v${index + 2}, unless latest`,
      );
      return {
        definition,
        checkPayload: compileSchemaCheck(ajvs, definition.schema),
        upcaster: found[0],
      };
    });
    compiled.set(type, { versions: entries, latest });
  }
  for (const upcaster of upcasters) {
    assert(compiled.has(upcaster.type), `upcaster for unknown type ${upcaster.type}`);
  }
  return compiled;
}

/**
 * Builds the validator of a catalogue. Every schema is compiled once, here; decoding then costs one
 * envelope check, one payload check, the invariants and the key function.
 * The catalogue's own decoder is in `catalogue.ts`; this factory exists for tests of upcasting.
 */
export function createEventDecoder<TEnvelope extends EventEnvelope = EventEnvelope>(options: {
  readonly definitions: readonly EventDefinition[];
  readonly upcasters: readonly Upcaster[];
}): EventDecoder<TEnvelope> {
  const ajvs = newLengthCountingAjvs();
  const checkEnvelope = compileSchemaCheck(ajvs, eventEnvelopeSchema);
  const types = compileCatalogue(ajvs, options.definitions, options.upcasters);

  function checkPayload(version: CompiledVersion, payload: unknown): Failure | null {
    const errors = version.checkPayload(payload);
    if (errors !== null) return schemaFailure('/payload', errors, 'SCHEMA_VIOLATION');
    const violation: PayloadViolation | null = version.definition.invariants?.(payload) ?? null;
    if (violation === null) return null;
    return failure(
      'SCHEMA_VIOLATION',
      `/payload${violation.field}`,
      `/payload${violation.field} ${violation.message}`,
    );
  }

  function upcastToLatest(compiledType: CompiledType, envelope: EventEnvelope): EventEnvelope {
    let current = envelope;
    for (let index = envelope.version - 1; index + 1 < compiledType.latest; index += 1) {
      const upcaster = compiledType.versions[index]?.upcaster;
      const next = compiledType.versions[index + 1];
      assert(
        upcaster !== undefined && next !== undefined,
        `${envelope.type}: broken upcaster chain at v${index + 1}`,
      );
      current = {
        ...current,
        version: index + 2,
        payload: upcaster.upcast(current.payload, current),
      };
      const broken = checkPayload(next, current.payload);
      assert(
        broken === null,
        `${envelope.type} upcaster v${index + 1}→v${index + 2} produced an invalid payload: ${broken?.message}`,
      );
      assert(
        next.definition.key(current.payload) === envelope.key,
        `${envelope.type} upcaster v${index + 1}→v${index + 2} changed the key`,
      );
    }
    return current;
  }

  function check(value: unknown, upcast: boolean): DecodeResult<TEnvelope> {
    const envelopeErrors = checkEnvelope(value);
    if (envelopeErrors !== null) return schemaFailure('', envelopeErrors, 'ENVELOPE_MALFORMED');
    const envelope = value as EventEnvelope;
    const compiledType = types.get(envelope.type);
    if (compiledType === undefined)
      return failure('UNKNOWN_EVENT_TYPE', '/type', `unknown event type ${envelope.type}`);
    if (envelope.version > compiledType.latest) {
      return failure(
        'NEWER_VERSION',
        '/version',
        `${envelope.type} v${envelope.version} is newer than v${compiledType.latest}, the latest known`,
      );
    }
    const version = compiledType.versions[envelope.version - 1];
    assert(version !== undefined, 'versions are contiguous from 1');
    const invalid = checkPayload(version, envelope.payload);
    if (invalid !== null) return invalid;
    const expectedKey = version.definition.key(envelope.payload);
    if (envelope.key !== expectedKey) {
      return failure(
        'KEY_MISMATCH',
        '/key',
        `key ${JSON.stringify(envelope.key)} differs from ${JSON.stringify(expectedKey)}, derived from the payload`,
      );
    }
    const result =
      upcast && envelope.version < compiledType.latest
        ? upcastToLatest(compiledType, envelope)
        : envelope;
    return { ok: true, envelope: result as TEnvelope };
  }

  return {
    decodeEvent: (value) => check(value, true),
    validateEventForSend: (envelope) => check(envelope, false),
    findEventDefinition: (type, version) => types.get(type)?.versions[version - 1]?.definition,
    latestVersionOf: (type) => types.get(type)?.latest,
  };
}
