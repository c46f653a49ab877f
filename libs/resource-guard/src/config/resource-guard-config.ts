import { ConfigValueError, ConfigurationError, defineConfig } from '@settle/platform';
import {
  type JsonWebKeySet,
  jwksCacheMaxAgeMs,
  jwksKeysMax,
  jwksTrustMsMaxDefault,
} from '../access-token/jwks-key-store';
import { dpopNonceSecretLengthMinChars } from '../dpop/dpop-nonce';

/** How clients prove possession of their key (docs/security.md "Token-binding mode vs DPoP mode"). */
export const authModes = ['token-binding', 'dpop'] as const;
export type AuthMode = (typeof authModes)[number];

function parseJwks(value: unknown): JsonWebKeySet {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (
    typeof value !== 'object' ||
    value === null ||
    !Array.isArray(keys) ||
    keys.length === 0 ||
    keys.length > jwksKeysMax
  ) {
    throw new ConfigValueError(`a JWKS: {"keys": [...]} with 1 to ${jwksKeysMax} public keys`);
  }
  if (keys.some((key: unknown) => typeof key !== 'object' || key === null || 'd' in key))
    throw new ConfigValueError('public keys only (no "d")');
  return value as JsonWebKeySet;
}

/**
 * The resource guard's settings, added by every service that imports `ResourceGuardModule`
 * (docs/configuration.md, docs/security.md). Checked together by {@link resourceGuardSettingsFrom}
 * when the module starts: the variables a mode needs are required then.
 *
 * @example
 * export const verifierConfig = defineServiceConfig('verifier', messagingConfig, resourceGuardConfig, verifierSettings);
 */
export const resourceGuardConfig = defineConfig({
  SETTLE_AUTH_MODE: {
    type: 'enum',
    values: authModes,
    default: 'token-binding',
    description:
      'token-binding: TLS ends in the service and each connection carries an RFC 8471 binding; dpop: TLS ends at an ingress and each request carries an RFC 9449 proof.',
  },
  SETTLE_AUTH_ISSUER: {
    type: 'string',
    default: 'urn:settle:token-issuer',
    description:
      "The token issuer's identifier (its SETTLE_TOKEN_ISSUER_ISSUER): every access token's iss must equal it exactly.",
  },
  SETTLE_AUTH_AUDIENCE: {
    type: 'string',
    default: 'settle',
    description: "The audience this service accepts: an access token's aud must contain it.",
  },
  SETTLE_AUTH_JWKS_URL: {
    type: 'url',
    protocols: ['https:'],
    description:
      "HTTPS URL of the token issuer's JWKS (cached; refetched for an unknown kid at most every 30 s). Set this or SETTLE_AUTH_JWKS.",
  },
  SETTLE_AUTH_JWKS_TRUST_MAX_MS: {
    type: 'duration-ms',
    min: jwksCacheMaxAgeMs,
    max: 7 * 24 * 3_600_000,
    default: jwksTrustMsMaxDefault,
    description:
      'How long after the last successful fetch of SETTLE_AUTH_JWKS_URL its keys are still trusted while the issuer is unreachable; past it, guarded requests answer 503 ISSUER_KEYS_STALE and readiness (check `issuer-keys`) says so until a fetch succeeds.',
  },
  SETTLE_AUTH_JWKS: {
    type: 'json',
    parse: parseJwks,
    description:
      'A fixed JWKS ({"keys":[...]}) instead of fetching one (tests, development). Set this or SETTLE_AUTH_JWKS_URL.',
  },
  SETTLE_AUTH_EXTERNAL_BASE_URL: {
    type: 'url',
    protocols: ['https:'],
    description:
      "DPoP mode: the URL clients address this service by (scheme, host, optional path prefix); a proof's htu must be it plus the request path.",
  },
  SETTLE_AUTH_DPOP_NONCE_SECRET: {
    type: 'string',
    secret: true,
    pattern: new RegExp(
      `^[^,\\s]{${dpopNonceSecretLengthMinChars},}(,[^,\\s]{${dpopNonceSecretLengthMinChars},})*$`,
    ),
    patternDescription: `one or more secrets of at least ${dpopNonceSecretLengthMinChars} characters, separated by commas (the first issues nonces, all are accepted)`,
    description:
      'DPoP mode: HMAC secret(s) sealing server nonces, the same on every replica; rotate by putting the new one first and dropping the old after 5 minutes.',
  },
});

/** The values of {@link resourceGuardConfig} as injected under SERVICE_CONFIG. */
export interface ResourceGuardConfigValues {
  readonly SETTLE_AUTH_MODE: AuthMode;
  readonly SETTLE_AUTH_ISSUER: string;
  readonly SETTLE_AUTH_AUDIENCE: string;
  readonly SETTLE_AUTH_JWKS_URL?: string | undefined;
  readonly SETTLE_AUTH_JWKS_TRUST_MAX_MS: number;
  readonly SETTLE_AUTH_JWKS?: JsonWebKeySet | undefined;
  readonly SETTLE_AUTH_EXTERNAL_BASE_URL?: string | undefined;
  readonly SETTLE_AUTH_DPOP_NONCE_SECRET?: string | undefined;
}

/** The checked settings the guard runs with: a discriminated union by mode. */
export type ResourceGuardSettings = {
  readonly issuer: string;
  readonly audience: string;
  /** Fetched from `url` (trusted `trustMsMax` past the last successful fetch), or fixed. */
  readonly jwks:
    { readonly url: string; readonly trustMsMax: number } | { readonly staticJwks: JsonWebKeySet };
} & (
  | { readonly mode: 'token-binding' }
  | {
      readonly mode: 'dpop';
      readonly externalBaseUrl: string;
      readonly nonceSecrets: readonly string[];
    }
);

/**
 * Checks the variables together (what one variable's type cannot say) and returns the settings,
 * or throws `ConfigurationError` listing every problem.
 *
 * @example
 * const settings = resourceGuardSettingsFrom(config); // in ResourceGuardModule's factory
 */
export function resourceGuardSettingsFrom(
  values: ResourceGuardConfigValues,
): ResourceGuardSettings {
  const problems: string[] = [];
  if ((values.SETTLE_AUTH_JWKS_URL === undefined) === (values.SETTLE_AUTH_JWKS === undefined)) {
    problems.push('set exactly one of SETTLE_AUTH_JWKS_URL and SETTLE_AUTH_JWKS');
  }
  if (values.SETTLE_AUTH_MODE === 'dpop') {
    if (!values.SETTLE_AUTH_EXTERNAL_BASE_URL)
      problems.push('SETTLE_AUTH_EXTERNAL_BASE_URL is required when SETTLE_AUTH_MODE=dpop');
    if (!values.SETTLE_AUTH_DPOP_NONCE_SECRET)
      problems.push('SETTLE_AUTH_DPOP_NONCE_SECRET is required when SETTLE_AUTH_MODE=dpop');
    const base = values.SETTLE_AUTH_EXTERNAL_BASE_URL;
    if (base && (base.includes('?') || base.includes('#')))
      problems.push('SETTLE_AUTH_EXTERNAL_BASE_URL must have no query or fragment');
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  const common = {
    issuer: values.SETTLE_AUTH_ISSUER,
    audience: values.SETTLE_AUTH_AUDIENCE,
    jwks:
      values.SETTLE_AUTH_JWKS !== undefined
        ? { staticJwks: values.SETTLE_AUTH_JWKS }
        : { url: values.SETTLE_AUTH_JWKS_URL!, trustMsMax: values.SETTLE_AUTH_JWKS_TRUST_MAX_MS },
  };
  if (values.SETTLE_AUTH_MODE === 'token-binding') return { ...common, mode: 'token-binding' };
  return {
    ...common,
    mode: 'dpop',
    externalBaseUrl: values.SETTLE_AUTH_EXTERNAL_BASE_URL!.replace(/\/+$/, ''),
    nonceSecrets: values.SETTLE_AUTH_DPOP_NONCE_SECRET!.split(','),
  };
}
