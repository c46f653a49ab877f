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
  /** The consumer group as this project names it (also set `messagingConsumerGroupName`). */
  settleConsumerGroup: 'settle.consumer.group',
  settleOutboxBatchSize: 'settle.outbox.batch_size',
  settleInboxOutcome: 'settle.inbox.outcome',
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
