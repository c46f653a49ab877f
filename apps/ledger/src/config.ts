import { messagingConfig } from '@settle/messaging';
import { defineServiceConfig } from '@settle/platform';

/**
 * Every environment variable the ledger service reads: the common ones for now. Its own settings are
 * added here as `SETTLE_LEDGER_*` (docs/configuration.md lists them all).
 */
export const ledgerConfig = defineServiceConfig('ledger', messagingConfig);
