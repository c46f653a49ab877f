import { messagingConfig } from '@settle/messaging';
import { defineServiceConfig } from '@settle/platform';

/**
 * Every environment variable the verifier service reads: the common ones for now. Its own settings are
 * added here as `SETTLE_VERIFIER_*` (docs/configuration.md lists them all).
 */
export const verifierConfig = defineServiceConfig('verifier', messagingConfig);
