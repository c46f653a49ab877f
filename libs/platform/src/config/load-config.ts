import {
  type ConfigDefinition,
  ConfigurationError,
  type ConfigValues,
  type VariableDefinition,
} from './config-definition';
import { describeReceived, parseVariable } from './parse-variable';

/** Variables with this prefix belong to the project: an unknown one is a typo until proven otherwise. */
export const projectVariablePrefix = 'SETTLE_';

/** An unknown variable closer than this (in edits) to a known one gets a "did you mean" hint. */
const suggestionDistanceMax = 3;

export interface LoadConfigOptions {
  /** Named in the message about an unknown variable ("… is not a setting of the ledger service"). */
  readonly serviceName?: string;
  /** SETTLE_ variables that are not this service's but are legitimately in its environment. */
  readonly ignoredVariables?: readonly string[];
  /** Prefixes of variables that belong to other services (e.g. `SETTLE_LEDGER_` for the registry). */
  readonly ignoredPrefixes?: readonly string[];
}

/**
 * Reads and checks every variable of `definition` from `env`, and rejects any `SETTLE_` variable
 * the definition does not know, so a typo fails at start-up instead of silently using a default.
 * All problems are collected and thrown together as one {@link ConfigurationError}; the value of a
 * secret (or of an unknown variable, which may be a misspelt secret) is never echoed. An empty
 * value counts as unset.
 *
 * @example
 * const config = loadConfig(ledgerConfig, process.env, { serviceName: 'ledger' });
 * config.SETTLE_HTTP_PORT; // number
 */
export function loadConfig<const Definition extends ConfigDefinition>(
  definition: Definition,
  env: NodeJS.ProcessEnv = process.env,
  options: LoadConfigOptions = {},
): ConfigValues<Definition> {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(definition)) {
    const found = readRaw(name, variable, env);
    if (found === undefined) {
      if (variable.default !== undefined) values[name] = variable.default;
      else if (variable.required) problems.push(`${name} is required: ${variable.description}`);
      continue;
    }
    const parsed = parseVariable(variable, found.raw);
    if (parsed.ok) {
      values[name] = parsed.value;
    } else {
      const source = found.from === name ? name : `${found.from} (read for ${name})`;
      problems.push(
        `${source}: expected ${parsed.expected}; ${describeReceived(found.raw, variable.secret ?? false)}`,
      );
    }
  }
  problems.push(...unknownVariableProblems(definition, env, options));
  if (problems.length > 0) throw new ConfigurationError(problems);
  return values as ConfigValues<Definition>;
}

function readRaw(
  name: string,
  variable: VariableDefinition,
  env: NodeJS.ProcessEnv,
): { raw: string; from: string } | undefined {
  for (const candidate of [name, ...(variable.aliases ?? [])]) {
    const raw = env[candidate];
    if (raw !== undefined && raw !== '') return { raw, from: candidate };
  }
  return undefined;
}

function unknownVariableProblems(
  definition: ConfigDefinition,
  env: NodeJS.ProcessEnv,
  options: LoadConfigOptions,
): string[] {
  const known = Object.keys(definition);
  const ignored = new Set(options.ignoredVariables ?? []);
  const ignoredPrefixes = options.ignoredPrefixes ?? [];
  const owner = options.serviceName ? `the ${options.serviceName} service` : 'this service';
  return Object.keys(env)
    .filter(
      (name) =>
        name.startsWith(projectVariablePrefix) && !(name in definition) && !ignored.has(name),
    )
    .filter((name) => !ignoredPrefixes.some((prefix) => name.startsWith(prefix)))
    .sort()
    .map((name) => {
      const suggestion = closestName(name, known);
      return `${name} is not a setting of ${owner}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`;
    });
}

function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance <= suggestionDistanceMax && (!best || distance < best.distance))
      best = { name: candidate, distance };
  }
  return best?.name;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
