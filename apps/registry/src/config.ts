import { messagingConfig } from '@settle/messaging';
import { defineServiceConfig } from '@settle/platform';

/**
 * Every environment variable the registry service reads: the common ones for now. Its own settings are
 * added here as `SETTLE_REGISTRY_*` (docs/configuration.md lists them all).
 */
export const registryConfig = defineServiceConfig('registry', messagingConfig);
