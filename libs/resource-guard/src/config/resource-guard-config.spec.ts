import { ConfigurationError, defineServiceConfig, loadServiceConfig } from '@settle/platform';
import { resourceGuardConfig, resourceGuardSettingsFrom } from './resource-guard-config';

const definition = defineServiceConfig('verifier', resourceGuardConfig);
const jwks = JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k' }] });

describe('resourceGuardConfig', () => {
  it("defaults to token-binding mode and the token issuer's default iss, and needs one JWKS source", () => {
    const config = loadServiceConfig('verifier', definition, {
      SETTLE_AUTH_ISSUER: 'https://tokens.settle.test',
      SETTLE_AUTH_JWKS_URL: 'https://tokens.settle.test/jwks.json',
    });
    expect(resourceGuardSettingsFrom(config)).toEqual({
      mode: 'token-binding',
      issuer: 'https://tokens.settle.test',
      audience: 'settle',
      jwks: { url: 'https://tokens.settle.test/jwks.json', trustMsMax: 3_600_000 },
    });
    const missing = loadServiceConfig('verifier', definition, {});
    expect(() => resourceGuardSettingsFrom(missing)).toThrow(ConfigurationError);
    expect(
      resourceGuardSettingsFrom(
        loadServiceConfig('verifier', definition, { SETTLE_AUTH_JWKS: jwks }),
      ).issuer,
    ).toBe('urn:settle:token-issuer');
    const both = loadServiceConfig('verifier', definition, {
      SETTLE_AUTH_ISSUER: 'i',
      SETTLE_AUTH_JWKS_URL: 'https://t/j',
      SETTLE_AUTH_JWKS: jwks,
    });
    expect(() => resourceGuardSettingsFrom(both)).toThrow(
      /exactly one of SETTLE_AUTH_JWKS_URL and SETTLE_AUTH_JWKS/,
    );
  });

  it('in DPoP mode needs the external base URL and nonce secrets (rotation: several, comma-separated)', () => {
    const env = { SETTLE_AUTH_MODE: 'dpop', SETTLE_AUTH_ISSUER: 'i', SETTLE_AUTH_JWKS: jwks };
    expect(() => resourceGuardSettingsFrom(loadServiceConfig('verifier', definition, env))).toThrow(
      /SETTLE_AUTH_EXTERNAL_BASE_URL.*\n.*SETTLE_AUTH_DPOP_NONCE_SECRET/,
    );
    const secrets = `${'a'.repeat(32)},${'b'.repeat(40)}`;
    const settings = resourceGuardSettingsFrom(
      loadServiceConfig('verifier', definition, {
        ...env,
        SETTLE_AUTH_EXTERNAL_BASE_URL: 'https://api.settle.test/verifier/',
        SETTLE_AUTH_DPOP_NONCE_SECRET: secrets,
      }),
    );
    expect(settings).toMatchObject({
      mode: 'dpop',
      externalBaseUrl: 'https://api.settle.test/verifier',
      nonceSecrets: ['a'.repeat(32), 'b'.repeat(40)],
    });
  });

  it('refuses a short nonce secret, a private key in a static JWKS and a plain-HTTP JWKS URL without echoing secrets', () => {
    expect(() =>
      loadServiceConfig('verifier', definition, { SETTLE_AUTH_DPOP_NONCE_SECRET: 'short-secret' }),
    ).toThrow(/SETTLE_AUTH_DPOP_NONCE_SECRET/);
    expect(() =>
      loadServiceConfig('verifier', definition, { SETTLE_AUTH_DPOP_NONCE_SECRET: 'short-secret' }),
    ).not.toThrow(/short-secret/);
    expect(() =>
      loadServiceConfig('verifier', definition, {
        SETTLE_AUTH_JWKS: JSON.stringify({ keys: [{ kty: 'EC', d: 'x' }] }),
      }),
    ).toThrow(/SETTLE_AUTH_JWKS/);
    expect(() =>
      loadServiceConfig('verifier', definition, {
        SETTLE_AUTH_JWKS_URL: 'http://tokens.settle.test/jwks.json',
      }),
    ).toThrow(/SETTLE_AUTH_JWKS_URL/);
  });
});
