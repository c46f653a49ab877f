import { type CommonConfigDefinition, type ServiceDefinition } from '@settle/platform';
import {
  type ResourceGuardConfigValues,
  type resourceGuardConfig,
} from '../config/resource-guard-config';
import { type TestTokenIssuer } from './test-token-issuer';

/**
 * A service's production definition whose resource guard trusts `issuer`'s JWKS by default, for the
 * service-shell checks (they start the service with no environment, and the guard needs a JWKS).
 *
 * @example
 * describeServiceShell(withTestJwks(serviceDefinition, createTestTokenIssuer()), { migrations: [...] });
 */
export function withTestJwks<Config extends CommonConfigDefinition & typeof resourceGuardConfig>(
  definition: ServiceDefinition<Config>,
  issuer: TestTokenIssuer,
): ServiceDefinition<Config> {
  const jwks = definition.config.SETTLE_AUTH_JWKS;
  return {
    ...definition,
    config: {
      ...definition.config,
      SETTLE_AUTH_JWKS: {
        ...jwks,
        default: issuer.jwks() as ResourceGuardConfigValues['SETTLE_AUTH_JWKS'],
      },
    },
  };
}
