import { messagingConfig } from '@settle/messaging';
import { defineConfig, defineServiceConfig } from '@settle/platform';

/**
 * The backbone retries an event naming an entity not seen yet 8 times, 100 ms doubling to 5 s: about
 * 11.3 s in all, after which it dead-letters it (RETRIES_EXHAUSTED). The ledger's window must end
 * before that, so that the payment fails with UNKNOWN_ACCOUNT instead of being dead-lettered.
 */
export const unknownEntityRetryWindowMsMax = 10_000;

/** The largest threshold that can be configured: a posting's limit (10^15 minor units). */
export const payoutSecondOperatorAboveMinorMax = 1_000_000_000_000_000;

/** The ledger's own settings (docs/ledger.md lists them; docs/configuration.md should too). */
export const ledgerSettings = defineConfig({
  SETTLE_LEDGER_UNKNOWN_ACCOUNT_RETRY_WINDOW_MS: {
    type: 'duration-ms',
    min: 0,
    max: unknownEntityRetryWindowMsMax,
    default: unknownEntityRetryWindowMsMax,
    description:
      'How long after a payment.verified was published the ledger waits for its consumer account or merchant to arrive before failing it (UNKNOWN_ACCOUNT / UNKNOWN_MERCHANT).',
  },
  SETTLE_LEDGER_SETTLEMENT_BATCH_SIZE: {
    type: 'integer',
    min: 1,
    max: 1_000,
    default: 1_000,
    description: 'Verified payments settled in one database transaction (one writer per partition).',
  },
  SETTLE_LEDGER_PAYOUT_SECOND_OPERATOR_ABOVE_MINOR: {
    type: 'integer',
    min: 0,
    max: payoutSecondOperatorAboveMinorMax,
    default: 1_000_000,
    description: 'A payout of more than this many minor units waits until a second operator (not the requester) approves it.',
  },
});

/** Every environment variable the ledger service reads. */
export const ledgerConfig = defineServiceConfig('ledger', messagingConfig, ledgerSettings);

/** The ledger's values as injected under SERVICE_CONFIG. */
export interface LedgerSettings {
  readonly SETTLE_LEDGER_UNKNOWN_ACCOUNT_RETRY_WINDOW_MS: number;
  readonly SETTLE_LEDGER_SETTLEMENT_BATCH_SIZE: number;
  readonly SETTLE_LEDGER_PAYOUT_SECOND_OPERATOR_ABOVE_MINOR: number;
  readonly SETTLE_KAFKA_TOPIC_PREFIX: string;
}
