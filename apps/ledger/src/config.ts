import { messagingConfig } from '@settle/messaging';
import { defineConfig, defineServiceConfig } from '@settle/platform';

/**
 * The longest wait for a payment's account or merchant. The settlement consumer asks the backbone for
 * enough attempts to outlast the window (`entityRetryAttemptsFor`), so the payment then fails with
 * UNKNOWN_ACCOUNT instead of being dead-lettered. A waiting payment holds its Kafka partition (later
 * payments on it wait too), which is why the window is bounded at all.
 */
export const unknownEntityRetryWindowMsMax = 600_000;
/** The default: long enough for the registry's events to arrive in normal operation. */
export const unknownEntityRetryWindowMsDefault = 10_000;

/** The largest threshold that can be configured: a posting's limit (10^15 minor units). */
export const payoutSecondOperatorAboveMinorMax = 1_000_000_000_000_000;

/** The ledger's own settings (docs/ledger.md lists them; docs/configuration.md should too). */
export const ledgerSettings = defineConfig({
  SETTLE_LEDGER_UNKNOWN_ACCOUNT_RETRY_WINDOW_MS: {
    type: 'duration-ms',
    min: 0,
    max: unknownEntityRetryWindowMsMax,
    default: unknownEntityRetryWindowMsDefault,
    description:
      'How long after a payment.verified was published the ledger waits for its consumer account or merchant to arrive before failing it (UNKNOWN_ACCOUNT / UNKNOWN_MERCHANT); the payments behind it on its Kafka partition wait meanwhile.',
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
