import { keyCustodyConfig } from '@settle/key-custody';
import { messagingConfig } from '@settle/messaging';
import { defineConfig, defineServiceConfig, httpTlsConfig } from '@settle/platform';

/** How a device may prove its binding key at session start (DESIGN §7). */
export const bindingModes = ['token-binding', 'dpop'] as const;
export type BindingMode = (typeof bindingModes)[number];

/** The token issuer's own settings (docs/token-issuer.md explains them; docs/configuration.md lists them). */
export const tokenIssuerSettings = defineConfig({
  SETTLE_TOKEN_ISSUER_ISSUER: {
    type: 'string',
    default: 'urn:settle:token-issuer',
    description: 'The `iss` claim of every access token (resource servers check it).',
  },
  SETTLE_TOKEN_ISSUER_AUDIENCE: {
    type: 'string',
    default: 'settle',
    pattern: /^[^\s,]+(,[^\s,]+)*$/,
    patternDescription: 'audience names separated by commas',
    description: 'The `aud` claim of every access token (comma-separated list).',
  },
  SETTLE_TOKEN_ISSUER_TOKEN_TTL_MS: {
    type: 'duration-ms',
    min: 10_000,
    max: 3_600_000,
    default: 300_000,
    description: 'Lifetime of an access token (exp − iat).',
  },
  SETTLE_TOKEN_ISSUER_SESSION_MAX_AGE_MS: {
    type: 'duration-ms',
    min: 60_000,
    max: 7 * 24 * 3_600_000,
    default: 12 * 3_600_000,
    description:
      'Longest a session lives from its start; no token of it expires later, refresh is refused after it.',
  },
  SETTLE_TOKEN_ISSUER_CLOCK_SKEW_MS: {
    type: 'duration-ms',
    min: 0,
    max: 300_000,
    default: 60_000,
    description:
      'Clock skew tolerated between the issuer and resource servers: how long a retired signing key stays in the JWKS past the token lifetime. (The DPoP iat window is the resource guard’s, the same for every service.)',
  },
  SETTLE_TOKEN_ISSUER_JWKS_PREPUBLISH_MS: {
    type: 'duration-ms',
    min: 0,
    max: 30 * 24 * 3_600_000,
    default: 24 * 3_600_000,
    description:
      'How long before its activation a new token-signing key appears in the JWKS (longer than any JWKS cache).',
  },
  SETTLE_TOKEN_ISSUER_BINDING_MODES: {
    type: 'string',
    default: 'token-binding',
    pattern: /^(token-binding|dpop)(,(token-binding|dpop))?$/,
    patternDescription: 'token-binding, dpop, or both separated by a comma',
    description:
      'How devices may prove their binding key at session start: RFC 8471 token binding over this TLS connection, RFC 9449 DPoP, or both.',
  },
  SETTLE_TOKEN_ISSUER_PUBLIC_URL: {
    type: 'string',
    default: '',
    pattern: /^https?:\/\/[^\s/]+$/,
    patternDescription: 'scheme://host[:port] without a path',
    description:
      'The issuer’s URL as devices see it (the DPoP `htu` is checked against it). Empty: taken from the request’s Host header and the connection’s scheme.',
  },
  SETTLE_TOKEN_ISSUER_ANDROID_ATTESTATION_POLICY_FILE: {
    type: 'string',
    default: '',
    description:
      'JSON Android attestation policy (trust anchors as PEM, applications) for fresh attestation evidence at session start. Empty: fresh evidence is refused (FRESH_ATTESTATION_UNAVAILABLE).',
  },
  SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_URL: {
    type: 'string',
    default: 'https://android.googleapis.com/attestation/status',
    pattern: /^(https:\/\/\S+|off)$/,
    patternDescription: 'an https URL, or off',
    description:
      'Where Google’s Android attestation status list is fetched for fresh attestation (stored in token_issuer_android_revocation_status); only with an Android policy. `off`: not fetched — development only (an empty value is unset: the default URL).',
  },
  SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_REFRESH_MS: {
    type: 'duration-ms',
    min: 60_000,
    max: 86_400_000,
    default: 3_600_000,
    description:
      'How often each replica fetches the Android status list (and reads back the stored copy).',
  },
  SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_AGE_MAX_MS: {
    type: 'duration-ms',
    min: 3_600_000,
    max: 30 * 86_400_000,
    default: 86_400_000,
    description:
      'Oldest stored copy of the Android status list relied on: fresh Android evidence is refused (REVOCATION_STATUS_LIST_STALE) once the copy is older, or while none was ever fetched.',
  },
  SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_CA_FILE: {
    type: 'string',
    default: '',
    description:
      'PEM file of the CA certificate(s) trusted for the status list’s HTTPS server instead of the system roots (a mirror). Empty: the system roots.',
  },
  SETTLE_TOKEN_ISSUER_APPLE_APP_ID: {
    type: 'string',
    default: '',
    pattern: /^([A-Z0-9]{10}\.[A-Za-z0-9.-]+)?$/,
    patternDescription: '<10-character team id>.<bundle id>, or empty',
    description:
      'The iOS app’s App Attest app id (team id.bundle id): App Attest assertions at session start must carry SHA-256 of it as rpIdHash. Empty: App Attest assertions are refused (FRESH_ATTESTATION_UNAVAILABLE).',
  },
  SETTLE_TOKEN_ISSUER_RATE_LIMIT_KEY_PER_MINUTE: {
    type: 'integer',
    min: 1,
    max: 100_000,
    default: 10,
    description:
      'Session starts and refreshes per binding key per minute (token bucket in PostgreSQL, shared by all replicas; burst = the same number).',
  },
  SETTLE_TOKEN_ISSUER_RATE_LIMIT_IP_PER_MINUTE: {
    type: 'integer',
    min: 1,
    max: 1_000_000,
    default: 120,
    description:
      'Refused session starts and refreshes per client address per minute (token bucket in PostgreSQL; burst = the same number): charged after a request is refused, checked before anything is verified, so the devices behind one NAT are not limited by their successes.',
  },
  SETTLE_TOKEN_ISSUER_TRUSTED_PROXIES: {
    type: 'string',
    default: '',
    pattern: /^([0-9A-Fa-f:.]+(\/[0-9]{1,3})?(,[0-9A-Fa-f:.]+(\/[0-9]{1,3})?)*)?$/,
    patternDescription: 'IP addresses and CIDRs separated by commas, or empty',
    description:
      'Proxies (addresses, CIDRs) whose X-Forwarded-For names the client for the per-address rate limit; from any other peer the header is ignored. Empty (the default): none, the TCP peer is the client.',
  },
});

/** Every environment variable the token-issuer service reads. */
export const tokenIssuerConfig = defineServiceConfig(
  'token-issuer',
  messagingConfig,
  keyCustodyConfig,
  httpTlsConfig,
  tokenIssuerSettings,
);

/** The token issuer's values as injected under SERVICE_CONFIG. */
export interface TokenIssuerSettings {
  readonly SETTLE_TOKEN_ISSUER_ISSUER: string;
  readonly SETTLE_TOKEN_ISSUER_AUDIENCE: string;
  readonly SETTLE_TOKEN_ISSUER_TOKEN_TTL_MS: number;
  readonly SETTLE_TOKEN_ISSUER_SESSION_MAX_AGE_MS: number;
  readonly SETTLE_TOKEN_ISSUER_CLOCK_SKEW_MS: number;
  readonly SETTLE_TOKEN_ISSUER_JWKS_PREPUBLISH_MS: number;
  readonly SETTLE_TOKEN_ISSUER_BINDING_MODES: string;
  readonly SETTLE_TOKEN_ISSUER_PUBLIC_URL: string;
  readonly SETTLE_TOKEN_ISSUER_ANDROID_ATTESTATION_POLICY_FILE: string;
  readonly SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_URL: string;
  readonly SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_REFRESH_MS: number;
  readonly SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_AGE_MAX_MS: number;
  readonly SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_CA_FILE: string;
  readonly SETTLE_TOKEN_ISSUER_APPLE_APP_ID: string;
  readonly SETTLE_TOKEN_ISSUER_RATE_LIMIT_KEY_PER_MINUTE: number;
  readonly SETTLE_TOKEN_ISSUER_RATE_LIMIT_IP_PER_MINUTE: number;
  readonly SETTLE_TOKEN_ISSUER_TRUSTED_PROXIES: string;
}

/** The binding modes of a deployment, parsed. */
export function bindingModesOf(
  settings: Pick<TokenIssuerSettings, 'SETTLE_TOKEN_ISSUER_BINDING_MODES'>,
): readonly BindingMode[] {
  return settings.SETTLE_TOKEN_ISSUER_BINDING_MODES.split(',') as BindingMode[];
}
