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

/** The longest rolling window and approval lifetime that can be configured: 31 days. */
export const makerCheckerDurationMsMax = 31 * 24 * 3_600_000;

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
    description:
      'Verified payments settled in one database transaction (one writer per partition).',
  },
  SETTLE_LEDGER_PAYOUT_SECOND_OPERATOR_ABOVE_MINOR: {
    type: 'integer',
    min: 0,
    max: payoutSecondOperatorAboveMinorMax,
    default: 1_000_000,
    description:
      'A payout of more than this many minor units waits until a second operator (not the requester) approves it.',
  },
  SETTLE_LEDGER_SECOND_OPERATOR_ABOVE_MINOR: {
    type: 'integer',
    min: 0,
    max: payoutSecondOperatorAboveMinorMax,
    default: 1_000_000,
    description:
      'A funding, refund or reversal of more than this many minor units waits until an operator with the checker role, other than its maker, approves it.',
  },
  SETTLE_LEDGER_OPERATOR_WINDOW_LIMIT_MINOR: {
    type: 'integer',
    min: 0,
    max: payoutSecondOperatorAboveMinorMax,
    default: 100_000_000,
    description:
      'A movement (funding, refund, reversal, payout) that takes what one operator moved in the rolling window, in its currency, above this many minor units waits for a checker.',
  },
  SETTLE_LEDGER_ACCOUNT_WINDOW_LIMIT_MINOR: {
    type: 'integer',
    min: 0,
    max: payoutSecondOperatorAboveMinorMax,
    default: 5_000_000,
    description:
      'A movement that takes what operators moved on one wallet or merchant in the rolling window above this many minor units waits for a checker.',
  },
  SETTLE_LEDGER_MOVEMENT_WINDOW_MS: {
    type: 'duration-ms',
    min: 60_000,
    max: makerCheckerDurationMsMax,
    default: 86_400_000,
    description: 'The rolling window of the per-operator and per-account limits.',
  },
  SETTLE_LEDGER_APPROVAL_TTL_MS: {
    type: 'duration-ms',
    min: 60_000,
    max: makerCheckerDurationMsMax,
    default: 86_400_000,
    description:
      'How long a movement waits for its checker; after that it can no longer be approved (status expired) and must be asked again.',
  },
});

/** Every environment variable the ledger service reads. */
export const ledgerConfig = defineServiceConfig('ledger', messagingConfig, ledgerSettings);

/** The ledger's values as injected under SERVICE_CONFIG. */
export interface LedgerSettings {
  readonly SETTLE_LEDGER_UNKNOWN_ACCOUNT_RETRY_WINDOW_MS: number;
  readonly SETTLE_LEDGER_SETTLEMENT_BATCH_SIZE: number;
  readonly SETTLE_LEDGER_PAYOUT_SECOND_OPERATOR_ABOVE_MINOR: number;
  readonly SETTLE_LEDGER_SECOND_OPERATOR_ABOVE_MINOR: number;
  readonly SETTLE_LEDGER_OPERATOR_WINDOW_LIMIT_MINOR: number;
  readonly SETTLE_LEDGER_ACCOUNT_WINDOW_LIMIT_MINOR: number;
  readonly SETTLE_LEDGER_MOVEMENT_WINDOW_MS: number;
  readonly SETTLE_LEDGER_APPROVAL_TTL_MS: number;
  readonly SETTLE_KAFKA_TOPIC_PREFIX: string;
}
