/**
 * The shape of a service's configuration: every environment variable it reads, with its type,
 * default, whether it is secret, and a description (docs/configuration.md is the rendered list).
 */
interface VariableBase {
  /** One sentence for docs/configuration.md and for error messages. */
  readonly description: string;
  /** A secret's value never appears in an error message or a log line. */
  readonly secret?: boolean;
  /** The service refuses to start when a required variable without a default is unset. */
  readonly required?: boolean;
  /** Other names read when this one is unset, in order (e.g. `PORT` for `SETTLE_HTTP_PORT`). */
  readonly aliases?: readonly string[];
}

export interface StringVariable extends VariableBase {
  readonly type: 'string';
  readonly default?: string;
  readonly pattern?: RegExp;
  /** What `pattern` means, in words, for the error message (e.g. "host:port pairs separated by commas"). */
  readonly patternDescription?: string;
}

export interface UrlVariable extends VariableBase {
  readonly type: 'url';
  readonly default?: string;
  /** Allowed protocols with the colon, e.g. `['postgres:', 'postgresql:']`. */
  readonly protocols: readonly string[];
}

export interface IntegerVariable extends VariableBase {
  readonly type: 'integer';
  readonly default?: number;
  readonly min: number;
  readonly max: number;
}

export interface BooleanVariable extends VariableBase {
  readonly type: 'boolean';
  readonly default?: boolean;
}

export interface EnumVariable<Value extends string = string> extends VariableBase {
  readonly type: 'enum';
  readonly values: readonly Value[];
  readonly default?: Value;
}

/** A duration in milliseconds: `1500`, `1500ms`, `30s`, `5m` or `1h`. */
export interface DurationVariable extends VariableBase {
  readonly type: 'duration-ms';
  readonly default?: number;
  readonly min: number;
  readonly max: number;
}

/**
 * A JSON value checked by `parse`, which returns the typed value or throws a
 * {@link ConfigValueError} saying what was expected (without echoing the value).
 */
export interface JsonVariable<Value = unknown> extends VariableBase {
  readonly type: 'json';
  readonly default?: Value;
  readonly parse: (value: unknown) => Value;
}

export type VariableDefinition =
  | StringVariable
  | UrlVariable
  | IntegerVariable
  | BooleanVariable
  | EnumVariable
  | DurationVariable
  | JsonVariable<unknown>;

/** Environment variable name → its definition. */
export type ConfigDefinition = Readonly<Record<string, VariableDefinition>>;

type ValueOf<Variable> = Variable extends { readonly type: 'string' | 'url' }
  ? string
  : Variable extends { readonly type: 'integer' | 'duration-ms' }
    ? number
    : Variable extends { readonly type: 'boolean' }
      ? boolean
      : Variable extends { readonly type: 'enum'; readonly values: readonly (infer Value)[] }
        ? Value
        : Variable extends {
              readonly type: 'json';
              readonly parse: (value: unknown) => infer Value;
            }
          ? Value
          : never;

type IsAlwaysSet<Variable> = Variable extends { readonly default: unknown }
  ? true
  : Variable extends { readonly required: true }
    ? true
    : false;

/** The parsed configuration: a variable with a default or `required: true` is never undefined. */
export type ConfigValues<Definition extends ConfigDefinition> = {
  readonly [Name in keyof Definition]: IsAlwaysSet<Definition[Name]> extends true
    ? ValueOf<Definition[Name]>
    : ValueOf<Definition[Name]> | undefined;
};

/**
 * Declares a configuration definition and keeps its literal types (so `ConfigValues` knows which
 * variables have defaults).
 *
 * @example
 * export const ledgerConfig = defineConfig({
 *   SETTLE_LEDGER_POSTING_BATCH_SIZE: { type: 'integer', min: 1, max: 1000, default: 100, description: '…' },
 * });
 */
export function defineConfig<const Definition extends ConfigDefinition>(
  definition: Definition,
): Definition {
  return definition;
}

/** Thrown by a {@link JsonVariable}'s `parse`: the message says what was expected. */
export class ConfigValueError extends Error {
  override readonly name = 'ConfigValueError';
}

/** Every problem found in the environment, reported at once. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  readonly code = 'CONFIGURATION_INVALID';

  constructor(readonly problems: readonly string[]) {
    super(
      `Configuration is invalid (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}):\n` +
        problems.map((problem) => `  - ${problem}`).join('\n'),
    );
    if (problems.length === 0) throw new Error('ConfigurationError needs at least one problem');
  }
}
