import { httpTlsServerOptions, loadServiceConfig } from '@settle/platform';
import { bindingModesOf, tokenIssuerConfig } from './config';

describe('token issuer configuration', () => {
  const load = (env: NodeJS.ProcessEnv) =>
    loadServiceConfig('token-issuer', tokenIssuerConfig, env);

  it('defaults to token binding, 5-minute tokens and 12-hour sessions, plain HTTP without TLS files', () => {
    const config = load({});
    expect([
      bindingModesOf(config),
      config.SETTLE_TOKEN_ISSUER_TOKEN_TTL_MS,
      config.SETTLE_TOKEN_ISSUER_SESSION_MAX_AGE_MS,
    ]).toEqual([['token-binding'], 300_000, 43_200_000]);
    expect(httpTlsServerOptions(config)).toBeUndefined();
  });

  it('accepts both binding modes and refuses unknown ones', () => {
    expect(
      bindingModesOf(load({ SETTLE_TOKEN_ISSUER_BINDING_MODES: 'token-binding,dpop' })),
    ).toEqual(['token-binding', 'dpop']);
    expect(() => load({ SETTLE_TOKEN_ISSUER_BINDING_MODES: 'bearer' })).toThrow(
      /SETTLE_TOKEN_ISSUER_BINDING_MODES/,
    );
  });

  it('needs both TLS files, readable', () => {
    expect(() =>
      httpTlsServerOptions(load({ SETTLE_HTTP_TLS_CERT_FILE: '/nonexistent.crt' })),
    ).toThrow(/must be set together/);
    expect(() =>
      httpTlsServerOptions(
        load({
          SETTLE_HTTP_TLS_CERT_FILE: '/nonexistent.crt',
          SETTLE_HTTP_TLS_KEY_FILE: '/nonexistent.key',
        }),
      ),
    ).toThrow(/cannot read \/nonexistent\.crt \(ENOENT\)/);
  });
});
