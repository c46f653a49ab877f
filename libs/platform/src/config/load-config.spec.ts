import { ConfigurationError, ConfigValueError, defineConfig } from './config-definition';
import { loadConfig } from './load-config';
import { commonConfig, defineServiceConfig, loadServiceConfig } from './service-config';

const definition = defineConfig({
  SETTLE_HTTP_PORT: {
    type: 'integer',
    min: 0,
    max: 65_535,
    default: 3003,
    aliases: ['PORT'],
    description: 'port',
  },
  SETTLE_BATCH_SIZE: {
    type: 'integer',
    min: 1,
    max: 1000,
    required: true,
    description: 'batch size',
  },
  SETTLE_API_KEY: { type: 'string', secret: true, pattern: /^[a-z]{8}$/, description: 'a secret' },
  SETTLE_TIMEOUT_MS: {
    type: 'duration-ms',
    min: 10,
    max: 60_000,
    default: 1_000,
    description: 'timeout',
  },
  SETTLE_FLAG: { type: 'boolean', default: false, description: 'flag' },
  SETTLE_MODE: { type: 'enum', values: ['tls', 'dpop'], default: 'tls', description: 'mode' },
  SETTLE_LIST: {
    type: 'json',
    secret: true,
    parse: (value: unknown) => {
      if (!Array.isArray(value)) throw new ConfigValueError('a JSON array');
      return value as unknown[];
    },
    description: 'list',
  },
});

function problemsOf(env: NodeJS.ProcessEnv, options = {}): readonly string[] {
  try {
    loadConfig(definition, env, options);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('loadConfig', () => {
  it('parses every type and applies defaults', () => {
    const config = loadConfig(definition, {
      SETTLE_BATCH_SIZE: '50',
      SETTLE_TIMEOUT_MS: '30s',
      SETTLE_FLAG: 'yes',
      SETTLE_MODE: 'dpop',
      SETTLE_LIST: '[1,2]',
    });
    expect(config).toEqual({
      SETTLE_HTTP_PORT: 3003,
      SETTLE_BATCH_SIZE: 50,
      SETTLE_TIMEOUT_MS: 30_000,
      SETTLE_FLAG: true,
      SETTLE_MODE: 'dpop',
      SETTLE_LIST: [1, 2],
    });
    const port: number = config.SETTLE_HTTP_PORT; // a default makes it non-optional at compile time
    const key: string | undefined = config.SETTLE_API_KEY;
    expect([port, key]).toEqual([3003, undefined]);
  });

  it('reads an alias when the variable itself is unset, and the variable first when both are set', () => {
    expect(loadConfig(definition, { SETTLE_BATCH_SIZE: '1', PORT: '8080' }).SETTLE_HTTP_PORT).toBe(
      8080,
    );
    expect(
      loadConfig(definition, { SETTLE_BATCH_SIZE: '1', PORT: '8080', SETTLE_HTTP_PORT: '9090' })
        .SETTLE_HTTP_PORT,
    ).toBe(9090);
  });

  it('treats an empty value as unset', () => {
    expect(
      loadConfig(definition, { SETTLE_BATCH_SIZE: '1', SETTLE_HTTP_PORT: '' }).SETTLE_HTTP_PORT,
    ).toBe(3003);
  });

  it('rejects an unknown SETTLE_ variable and suggests the closest known one', () => {
    expect(
      problemsOf({ SETTLE_BATCH_SIZE: '1', SETTLE_HTTP_PROT: '80' }, { serviceName: 'ledger' }),
    ).toEqual([
      'SETTLE_HTTP_PROT is not a setting of the ledger service (did you mean SETTLE_HTTP_PORT?)',
    ]);
  });

  it('ignores variables without the SETTLE_ prefix, and the listed ignored names and prefixes', () => {
    const env = {
      SETTLE_BATCH_SIZE: '1',
      HOME: '/root',
      SETTLE_PG_ADMIN_URL: 'x',
      SETTLE_LEDGER_FEE: 'y',
    };
    expect(() =>
      loadConfig(definition, env, {
        ignoredVariables: ['SETTLE_PG_ADMIN_URL'],
        ignoredPrefixes: ['SETTLE_LEDGER_'],
      }),
    ).not.toThrow();
  });

  it('names the variable, the expected range and the value of a bad integer', () => {
    expect(problemsOf({ SETTLE_BATCH_SIZE: '12x' })).toEqual([
      'SETTLE_BATCH_SIZE: expected an integer from 1 to 1000; got "12x"',
    ]);
    expect(problemsOf({ SETTLE_BATCH_SIZE: '1001' })).toEqual([
      'SETTLE_BATCH_SIZE: expected an integer from 1 to 1000; got "1001"',
    ]);
  });

  it('says which name the bad value came from when it was read through an alias', () => {
    expect(problemsOf({ SETTLE_BATCH_SIZE: '1', PORT: 'http' })).toEqual([
      'PORT (read for SETTLE_HTTP_PORT): expected an integer from 0 to 65535; got "http"',
    ]);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({
      SETTLE_TIMEOUT_MS: '5 minutes',
      SETTLE_FLAG: 'maybe',
      SETTLE_MODE: 'mtls',
      SETTLE_TYPO: '1',
    });
    expect(problems).toEqual([
      'SETTLE_BATCH_SIZE is required: batch size',
      'SETTLE_TIMEOUT_MS: expected a duration from 10 ms to 60000 ms (e.g. 1500, 1500ms, 30s, 5m); got "5 minutes"',
      'SETTLE_FLAG: expected true or false; got "maybe"',
      'SETTLE_MODE: expected one of tls, dpop; got "mtls"',
      'SETTLE_TYPO is not a setting of this service',
    ]);
    expect(new ConfigurationError(problems).message).toContain(
      'Configuration is invalid (5 problems)',
    );
  });

  it('never echoes the value of a secret, nor of an unknown variable', () => {
    const secretValue = 'hunter2-SUPER-secret';
    const error = (() => {
      try {
        loadConfig(definition, {
          SETTLE_BATCH_SIZE: '1',
          SETTLE_API_KEY: secretValue,
          SETTLE_LIST: `{"token": "${secretValue}"}`,
          SETTLE_API_KYE: secretValue,
        });
      } catch (caught) {
        return caught as ConfigurationError;
      }
      throw new Error('expected a ConfigurationError');
    })();
    expect(error.problems).toEqual([
      'SETTLE_API_KEY: expected a value matching /^[a-z]{8}$/; the value is not shown because it is secret',
      'SETTLE_LIST: expected a JSON array; the value is not shown because it is secret',
      'SETTLE_API_KYE is not a setting of this service (did you mean SETTLE_API_KEY?)',
    ]);
    expect(error.message).not.toContain('hunter2');
  });

  it('does not quote malformed JSON (JSON.parse messages quote their input)', () => {
    expect(problemsOf({ SETTLE_BATCH_SIZE: '1', SETTLE_LIST: '[secret-ish' })).toEqual([
      'SETTLE_LIST: expected valid JSON; the value is not shown because it is secret',
    ]);
  });
});

describe('service configuration', () => {
  it('derives the database, role and port defaults from the service name', () => {
    const config = loadServiceConfig('token-issuer', commonConfig('token-issuer'), {});
    expect(config.DATABASE_URL).toBe(
      'postgres://settle_token_issuer@127.0.0.1:5432/settle_token_issuer',
    );
    expect(config.SETTLE_HTTP_PORT).toBe(3004);
    expect(config.KAFKA_BROKERS).toBe('127.0.0.1:19092');
    expect(config.SETTLE_ADMIN_CREDENTIALS).toEqual([]);
    expect(config.SETTLE_SHUTDOWN_GRACE_MS).toBe(10_000);
  });

  it("ignores other services' variables and the scripts' variables, but not its own typos", () => {
    const env = {
      SETTLE_VERIFIER_ANYTHING: '1',
      SETTLE_PG_ADMIN_URL: 'postgres://x',
      SETTLE_LEDGER_TYPO: '1',
    };
    expect(() => loadServiceConfig('ledger', commonConfig('ledger'), env)).toThrow(
      'SETTLE_LEDGER_TYPO is not a setting of the ledger service',
    );
    expect(() => loadServiceConfig('registry', commonConfig('registry'), env)).not.toThrow();
  });

  it('refuses a fragment that redefines a variable', () => {
    const duplicate = defineConfig({ LOG_LEVEL: { type: 'string', description: 'again' } });
    expect(() => defineServiceConfig('ledger', duplicate)).toThrow('LOG_LEVEL is defined twice');
  });

  it('checks KAFKA_BROKERS and DATABASE_URL without echoing the database URL', () => {
    const env = { KAFKA_BROKERS: 'localhost', DATABASE_URL: 'mysql://user:pw@host/db' };
    expect(() => loadServiceConfig('ledger', commonConfig('ledger'), env)).toThrow(
      'Configuration is invalid (2 problems):\n' +
        '  - DATABASE_URL: expected a URL with protocol postgres: or postgresql:; the value is not shown because it is secret\n' +
        '  - KAFKA_BROKERS: expected host:port pairs separated by commas; got "localhost"',
    );
  });
});
