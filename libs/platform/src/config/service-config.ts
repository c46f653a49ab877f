import { defaultHttpPorts, type ServiceName, serviceNames } from '@settle/contracts';
import { parseAdminCredentials } from '../admin/admin-credentials';
import { type ConfigDefinition, type ConfigValues, defineConfig } from './config-definition';
import { loadConfig } from './load-config';

// The list of services is libs/contracts/src/services.ts; re-exported for the platform's callers.
export { defaultHttpPorts, type ServiceName, serviceNames };

/** `settle_<service>` with `-` → `_`: the service's database and its role have this name. */
export function databaseNameFor(service: ServiceName): string {
  return `settle_${service.replaceAll('-', '_')}`;
}

/** Variable prefix of one service's own settings, e.g. `SETTLE_TOKEN_ISSUER_`. */
export function servicePrefixFor(service: ServiceName): string {
  return `SETTLE_${service.toUpperCase().replaceAll('-', '_')}_`;
}

/** SETTLE_ variables read by the scripts, not by services; a service ignores them. */
export const toolingVariables = ['SETTLE_PG_ADMIN_URL'] as const;

/** The variables every service reads (docs/configuration.md lists them). */
export function commonConfig(service: ServiceName) {
  const databaseName = databaseNameFor(service);
  return defineConfig({
    DATABASE_URL: {
      type: 'url',
      protocols: ['postgres:', 'postgresql:'],
      default: `postgres://${databaseName}@127.0.0.1:5432/${databaseName}`,
      secret: true,
      description:
        "The service's own PostgreSQL database (it may carry a password, so it is never logged).",
    },
    SETTLE_DATABASE_POOL_MAX: {
      type: 'integer',
      min: 1,
      max: 100,
      default: 10,
      description: 'Most connections the service holds to its database.',
    },
    KAFKA_BROKERS: {
      type: 'string',
      default: '127.0.0.1:19092',
      pattern: /^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/,
      patternDescription: 'host:port pairs separated by commas',
      description: 'Kafka bootstrap brokers.',
    },
    SETTLE_HTTP_PORT: {
      type: 'integer',
      min: 0,
      max: 65_535,
      default: defaultHttpPorts[service],
      aliases: ['PORT'],
      description: 'HTTP port (PORT is read when this is unset; 0 picks a free port).',
    },
    SETTLE_ADMIN_PORT: {
      type: 'integer',
      min: 0,
      max: 65_535,
      description:
        'Port of the internal admin listener (plain HTTP on SETTLE_HTTP_HOST, HTTPS with SETTLE_ADMIN_TLS_CERT_FILE): when set, /admin/*, the Swagger UI and readiness details answer only there (SETTLE_HTTP_PORT: 404, a public OpenAPI document, a bare readiness status); unset serves everything on the main port; 0 picks a free port.',
    },
    SETTLE_ADMIN_TLS_CERT_FILE: {
      type: 'string',
      default: '',
      description:
        'PEM certificate chain of the admin listener (SETTLE_ADMIN_PORT): set with SETTLE_ADMIN_TLS_KEY_FILE, the admin port speaks HTTPS (TLS 1.3 only), so bearer credentials never cross the network in clear; empty together with the key file: plain HTTP.',
    },
    SETTLE_ADMIN_TLS_KEY_FILE: {
      type: 'string',
      default: '',
      description: 'PEM private key of SETTLE_ADMIN_TLS_CERT_FILE; set both or neither.',
    },
    SETTLE_METRICS_PORT: {
      type: 'integer',
      min: 1,
      max: 65_535,
      description:
        'Port of the Prometheus endpoint (GET /metrics, plain HTTP on SETTLE_HTTP_HOST), served by the OpenTelemetry SDK (libs/telemetry); unset: no endpoint. Production: 9464.',
    },
    SETTLE_HTTP_HOST: {
      type: 'string',
      default: '127.0.0.1',
      description: 'Address the HTTP server binds to; 0.0.0.0 in a container.',
    },
    LOG_LEVEL: {
      type: 'enum',
      values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
      description: 'Lowest level written to the JSON log on stdout.',
    },
    SETTLE_ADMIN_CREDENTIALS: {
      type: 'json',
      parse: parseAdminCredentials,
      default: [],
      secret: true,
      description:
        'JSON array of {"operatorId","secretHash"} (scrypt$N$r$p$salt$hash); empty means every admin route answers 503.',
    },
    SETTLE_HTTP_HEADERS_TIMEOUT_MS: {
      type: 'duration-ms',
      min: 1_000,
      max: 120_000,
      default: 10_000,
      description:
        'A request whose headers have not all arrived this long after the connection began is answered 408 and closed (slow-header clients).',
    },
    SETTLE_HTTP_REQUEST_TIMEOUT_MS: {
      type: 'duration-ms',
      min: 1_000,
      max: 600_000,
      default: 30_000,
      description:
        'A request whose body has not all arrived this long after it began is answered 408 and closed (slow-body clients); at least SETTLE_HTTP_HEADERS_TIMEOUT_MS.',
    },
    SETTLE_HTTP_CONNECTIONS_MAX: {
      type: 'integer',
      min: 1,
      max: 100_000,
      default: 1_024,
      description:
        'Most connections each HTTP listener (main and admin) holds at once; further ones are closed as they arrive.',
    },
    SETTLE_ADMIN_REFUSALS_SAMPLED_PER_MINUTE: {
      type: 'integer',
      min: 0,
      max: 10_000,
      default: 20,
      description:
        'Refused admin requests (bad or missing credentials) stored as full admin_audit_log rows per minute and outcome; every refusal is counted in admin_audit_refusals.',
    },
    SETTLE_SHUTDOWN_GRACE_MS: {
      type: 'duration-ms',
      min: 0,
      max: 300_000,
      default: 10_000,
      description: 'How long SIGTERM waits for in-flight requests before closing connections.',
    },
    SETTLE_READINESS_TIMEOUT_MS: {
      type: 'duration-ms',
      min: 50,
      max: 30_000,
      default: 2_000,
      description: 'Bound on each readiness check (the database SELECT 1 included).',
    },
    SETTLE_MIGRATE_ON_START: {
      type: 'boolean',
      default: true,
      description:
        'Apply pending migrations at start-up (false when a deploy job runs npm run migrate).',
    },
  });
}

export type CommonConfigDefinition = ReturnType<typeof commonConfig>;
export type CommonConfig = ConfigValues<CommonConfigDefinition>;

type Merged<Fragments extends readonly ConfigDefinition[]> = Fragments extends readonly [
  infer First,
  ...infer Rest extends readonly ConfigDefinition[],
]
  ? First & Merged<Rest>
  : unknown;

/**
 * The common variables plus the fragments a service adds (the messaging library's, its own),
 * refusing a variable defined twice.
 *
 * @example
 * export const ledgerConfig = defineServiceConfig('ledger', messagingConfig, defineConfig({ ... }));
 */
export function defineServiceConfig<const Fragments extends readonly ConfigDefinition[]>(
  service: ServiceName,
  ...fragments: Fragments
): CommonConfigDefinition & Merged<Fragments> {
  const merged: Record<string, ConfigDefinition[string]> = { ...commonConfig(service) };
  for (const fragment of fragments) {
    for (const [name, variable] of Object.entries(fragment)) {
      if (name in merged)
        throw new Error(`defineServiceConfig(${service}): ${name} is defined twice`);
      merged[name] = variable;
    }
  }
  return merged as CommonConfigDefinition & Merged<Fragments>;
}

/**
 * Loads a service's configuration: its own variables are checked, and the SETTLE_ variables of the
 * other services and of the scripts are ignored (one shell may run all four locally).
 */
export function loadServiceConfig<const Definition extends CommonConfigDefinition>(
  service: ServiceName,
  definition: Definition,
  env: NodeJS.ProcessEnv = process.env,
): ConfigValues<Definition> & CommonConfig {
  // Sound because defineServiceConfig refuses to redefine a common variable.
  return loadConfig<Definition>(definition, env, {
    serviceName: service,
    ignoredVariables: toolingVariables,
    ignoredPrefixes: serviceNames.filter((other) => other !== service).map(servicePrefixFor),
  }) as ConfigValues<Definition> & CommonConfig;
}
