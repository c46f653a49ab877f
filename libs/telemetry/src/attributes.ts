import {
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
} from '@opentelemetry/semantic-conventions';

/**
 * Every span attribute name the project sets, in one file, so dashboards and tests have a single
 * place to look and two adapters never spell the same thing two ways.
 *
 * Stable OpenTelemetry names are imported from `@opentelemetry/semantic-conventions`. The messaging
 * names are still *incubating* there; OpenTelemetry advises copying incubating names instead of
 * importing the `/incubating` entry point, whose exports may change in a minor release, so they are
 * spelled out here (values as in semantic-conventions 1.45). Project-specific names use `settle.`.
 *
 * @example
 * span.setAttributes({
 *   [SpanAttribute.messagingSystem]: MessagingSystem.kafka,
 *   [SpanAttribute.messagingDestinationName]: 'payments.verified.v1',
 *   [SpanAttribute.settleEventType]: 'payment.verified',
 * });
 */
export const SpanAttribute = {
  // Stable semantic conventions.
  serviceName: ATTR_SERVICE_NAME,
  errorType: ATTR_ERROR_TYPE,
  httpRequestMethod: ATTR_HTTP_REQUEST_METHOD,
  httpResponseStatusCode: ATTR_HTTP_RESPONSE_STATUS_CODE,
  httpRoute: ATTR_HTTP_ROUTE,
  dbSystemName: ATTR_DB_SYSTEM_NAME,

  // Incubating messaging conventions (copied, see above).
  messagingSystem: 'messaging.system',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
  messagingDestinationName: 'messaging.destination.name',
  /** The Kafka partition. Replaces the deprecated `messaging.kafka.destination.partition`. */
  messagingDestinationPartitionId: 'messaging.destination.partition.id',
  messagingConsumerGroupName: 'messaging.consumer.group.name',
  messagingMessageId: 'messaging.message.id',
  messagingBatchMessageCount: 'messaging.batch.message_count',
  messagingKafkaMessageKey: 'messaging.kafka.message.key',
  messagingKafkaOffset: 'messaging.kafka.offset',
  messagingKafkaMessageTombstone: 'messaging.kafka.message.tombstone',

  // Project attributes.
  settleEventId: 'settle.event.id',
  settleEventType: 'settle.event.type',
  settleEventVersion: 'settle.event.version',
  settleCorrelationId: 'settle.correlation.id',
  settleCausationId: 'settle.causation.id',
  settleTransactionId: 'settle.transaction.id',
  /** The verifier's upload batch (`upl_…`), on the upload request's span. */
  settleUploadBatchId: 'settle.upload.batch_id',
  /** Transactions in one upload request. */
  settleUploadTransactionCount: 'settle.upload.transaction_count',
  /** The consumer group as this project names it (also set `messagingConsumerGroupName`). */
  settleConsumerGroup: 'settle.consumer.group',
  settleOutboxBatchSize: 'settle.outbox.batch_size',
  /** What the inbox did with a consumed event: `applied`, `duplicate` or `dead-lettered`. */
  settleInboxOutcome: 'settle.inbox.outcome',
  /** Why an event was dead-lettered (the `dlq-reason` header). */
  settleDeadLetterReason: 'settle.dead_letter.reason',
  settleAdminOperatorId: 'settle.admin.operator_id',
  settleAdminAction: 'settle.admin.action',
  settleMigrationId: 'settle.migration.id',
  settleResultCode: 'settle.result.code',
} as const;

export type SpanAttributeName = (typeof SpanAttribute)[keyof typeof SpanAttribute];

/** Values of `messaging.system`. */
export const MessagingSystem = { kafka: 'kafka' } as const;

/** Values of `messaging.operation.type`. */
export const MessagingOperationType = {
  create: 'create',
  send: 'send',
  receive: 'receive',
  process: 'process',
  settle: 'settle',
} as const;

/** Values of `settle.inbox.outcome`. */
export const InboxOutcome = {
  applied: 'applied',
  duplicate: 'duplicate',
  deadLettered: 'dead-lettered',
} as const;

/**
 * Label names of the project's metrics (docs/observability.md), short as Prometheus labels are: a
 * dashboard is written against them, so they never change meaning.
 */
export const MetricAttribute = {
  /** `settle.uploads` (`accepted` | `refused`) and `settle.settlements` (`settled` | `failed`). */
  outcome: 'outcome',
  /** `settle.uploads`: the refusal code; `DUPLICATE` for a transaction accepted again; absent otherwise. */
  code: 'code',
  /** `settle.verifications`: `verified` | `rejected`. */
  verdict: 'verdict',
  /** `settle.verifications`, `settle.settlements`, `settle.dead_letters`: the reason code; absent on success. */
  reason: 'reason',
  /** `settle.consumer.lag`: the consumer group (`<service>.<consumer>`). */
  group: 'group',
  topic: 'topic',
  partition: 'partition',
  /** The service whose outbox or dead letters are counted. */
  service: 'service',
} as const;
