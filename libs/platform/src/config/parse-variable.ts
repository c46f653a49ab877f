import { ConfigValueError, type VariableDefinition } from './config-definition';

/** A value longer than this is cut in error messages. */
const echoedValueLengthMax = 80;

export type ParseResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly expected: string };

const durationUnitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** Parses one raw environment value against its definition. Never throws for a bad value. */
export function parseVariable(definition: VariableDefinition, raw: string): ParseResult {
  switch (definition.type) {
    case 'string':
      if (definition.pattern && !definition.pattern.test(raw)) {
        return failed(
          definition.patternDescription ?? `a value matching ${String(definition.pattern)}`,
        );
      }
      return { ok: true, value: raw };
    case 'url':
      return parseUrl(raw, definition.protocols);
    case 'integer':
      return parseInteger(raw, definition.min, definition.max);
    case 'boolean':
      return parseBoolean(raw);
    case 'enum':
      return definition.values.includes(raw)
        ? { ok: true, value: raw }
        : failed(`one of ${definition.values.join(', ')}`);
    case 'duration-ms':
      return parseDuration(raw, definition.min, definition.max);
    case 'json':
      return parseJson(raw, definition.parse);
  }
}

/** `got "…"` for a non-secret value, or a note that a secret is not shown. */
export function describeReceived(raw: string, secret: boolean): string {
  if (secret) return 'the value is not shown because it is secret';
  const shown = raw.length > echoedValueLengthMax ? `${raw.slice(0, echoedValueLengthMax)}…` : raw;
  return `got ${JSON.stringify(shown)}`;
}

function failed(expected: string): ParseResult {
  return { ok: false, expected };
}

function parseUrl(raw: string, protocols: readonly string[]): ParseResult {
  const expected = `a URL with protocol ${protocols.join(' or ')}`;
  if (!URL.canParse(raw)) return failed(expected);
  return protocols.includes(new URL(raw).protocol) ? { ok: true, value: raw } : failed(expected);
}

function parseInteger(raw: string, min: number, max: number): ParseResult {
  const expected = `an integer from ${min} to ${max}`;
  if (!/^-?\d{1,16}$/.test(raw.trim())) return failed(expected);
  const value = Number(raw.trim());
  return Number.isSafeInteger(value) && value >= min && value <= max
    ? { ok: true, value }
    : failed(expected);
}

function parseBoolean(raw: string): ParseResult {
  const normalized = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalized)) return { ok: true, value: true };
  if (['false', '0', 'no', 'off'].includes(normalized)) return { ok: true, value: false };
  return failed('true or false');
}

function parseDuration(raw: string, min: number, max: number): ParseResult {
  const expected = `a duration from ${min} ms to ${max} ms (e.g. 1500, 1500ms, 30s, 5m)`;
  const match = /^(\d{1,12})(ms|s|m|h)?$/.exec(raw.trim());
  if (!match) return failed(expected);
  const unit = (match[2] ?? 'ms') as keyof typeof durationUnitMs;
  const value = Number(match[1]) * durationUnitMs[unit];
  return Number.isSafeInteger(value) && value >= min && value <= max
    ? { ok: true, value }
    : failed(expected);
}

function parseJson(raw: string, parse: (value: unknown) => unknown): ParseResult {
  let decoded: unknown;
  try {
    decoded = JSON.parse(raw);
  } catch {
    // JSON.parse's message quotes the input, so it is not passed on.
    return failed('valid JSON');
  }
  try {
    return { ok: true, value: parse(decoded) };
  } catch (error) {
    if (error instanceof ConfigValueError) return failed(error.message);
    throw error;
  }
}
