import { messagingConfig } from '@settle/messaging';
import { defineServiceConfig } from '@settle/platform';

/**
 * Every environment variable the token-issuer service reads: the common ones for now. Its own settings are
 * added here as `SETTLE_TOKEN_ISSUER_*` (docs/configuration.md lists them all).
 */
export const tokenIssuerConfig = defineServiceConfig('token-issuer', messagingConfig);
