import { type ServiceName } from './services';

/** Payment and ledger topics are spread widely: they carry the load and are keyed per wallet/device. */
export const paymentTopicPartitions = 6;
/** Registry, attestation and session topics carry little traffic. */
export const registryTopicPartitions = 3;
/** `retention.ms` value meaning "keep forever". */
export const retentionMsForever = -1;
/** Attestation traffic (evidence is large, and only the registry's state matters afterwards). */
export const attestationRetentionMs = 30 * 24 * 60 * 60 * 1000;
/** Session audit events. */
export const sessionRetentionMs = 400 * 24 * 60 * 60 * 1000;

export type CleanupPolicy = 'compact' | 'delete';

/**
 * One Kafka topic. Topics are created by the project (never auto-created) from this list.
 *
 * A compacted topic carries exactly one event type whose payload is the entity's full latest state,
 * so compaction (which keeps only the latest message per key) never loses a fact. Payment and
 * ledger topics keep everything, so that any consumer, and the ledger itself, can replay from zero.
 */
export interface TopicDefinition {
  /** `<domain>.<family>.v<N>`. A new N is a new topic, for a change that cannot be upcast (e.g. the key). */
  readonly name: string;
  readonly partitions: number;
  readonly cleanupPolicy: CleanupPolicy;
  /** `retention.ms`; `retentionMsForever` (-1) keeps everything. Ignored by compaction itself. */
  readonly retentionMs: number;
  readonly eventTypes: readonly string[];
  /** The payload field that is the message key (every event type on the topic uses the same). */
  readonly key: string;
  /**
   * The only service allowed to write (Kafka ACLs follow this). Who reads a topic is not written here:
   * it follows from the consumers in the services' code (deploy/k8s/consumers-in-code.ts), and the
   * Kafka read ACLs are generated from them.
   */
  readonly producer: ServiceName;
  readonly description: string;
}

const compacted = { cleanupPolicy: 'compact', retentionMs: retentionMsForever } as const;
const keptForever = { cleanupPolicy: 'delete', retentionMs: retentionMsForever } as const;

/**
 * Every topic of the system. Order: registry, verifier, ledger, token issuer. Kept literal (`as const`)
 * so that a consumer's handler is typed from the topics it declares (`EventOn` in catalogue.ts).
 */
export const topicCatalogue = [
  {
    name: 'registry.accounts.v1',
    partitions: registryTopicPartitions,
    ...compacted,
    eventTypes: ['account.opened'],
    key: 'accountId',
    producer: 'registry',
    description: 'Consumer accounts (wallets), latest state per account.',
  },
  {
    name: 'registry.merchants.v1',
    partitions: registryTopicPartitions,
    ...compacted,
    eventTypes: ['merchant.onboarded'],
    key: 'merchantId',
    producer: 'registry',
    description: 'Merchants, latest state per merchant.',
  },
  {
    name: 'registry.terminals.v1',
    partitions: registryTopicPartitions,
    ...compacted,
    eventTypes: ['terminal.registered'],
    key: 'terminalId',
    producer: 'registry',
    description: 'POS terminals, latest state per terminal.',
  },
  {
    name: 'registry.devices.v1',
    partitions: registryTopicPartitions,
    ...compacted,
    eventTypes: ['device.enrolled'],
    key: 'deviceId',
    producer: 'registry',
    description: 'Consumer devices, latest state per device.',
  },
  {
    name: 'registry.device-offline-capability.v1',
    partitions: registryTopicPartitions,
    ...compacted,
    eventTypes: ['device.offline-capability-changed'],
    key: 'deviceId',
    producer: 'registry',
    description: 'Each device’s offline capability, limits and last check-in.',
  },
  {
    name: 'registry.device-check-ins.v1',
    partitions: registryTopicPartitions,
    ...compacted,
    eventTypes: ['device.checked-in'],
    key: 'deviceId',
    producer: 'registry',
    description: 'Each device’s latest online check-ins (credential issued, caps, expiry).',
  },
  {
    name: 'registry.key-lifecycle.v1',
    partitions: registryTopicPartitions,
    ...compacted,
    eventTypes: ['key.lifecycle-changed'],
    key: 'keyId',
    producer: 'registry',
    description: 'Every key with its whole lifecycle history.',
  },
  {
    name: 'registry.attestation-requests.v1',
    partitions: registryTopicPartitions,
    cleanupPolicy: 'delete',
    retentionMs: attestationRetentionMs,
    eventTypes: ['attestation.requested'],
    key: 'keyId',
    producer: 'registry',
    description: 'Attestation evidence for the verifier to check.',
  },
  {
    name: 'verifier.attestation-results.v1',
    partitions: registryTopicPartitions,
    cleanupPolicy: 'delete',
    retentionMs: attestationRetentionMs,
    eventTypes: ['attestation.completed'],
    key: 'keyId',
    producer: 'verifier',
    description: 'Attestation verdicts.',
  },
  {
    name: 'payments.uploaded.v1',
    partitions: paymentTopicPartitions,
    ...keptForever,
    eventTypes: ['payment.uploaded'],
    key: 'consumerDeviceId',
    producer: 'verifier',
    description: 'Uploaded offline transactions, in each device’s order.',
  },
  {
    name: 'payments.verified.v1',
    partitions: paymentTopicPartitions,
    ...keptForever,
    eventTypes: ['payment.verified'],
    key: 'consumerAccountId',
    producer: 'verifier',
    description: 'Transactions that passed verification, per wallet.',
  },
  {
    name: 'payments.rejected.v1',
    partitions: paymentTopicPartitions,
    ...keptForever,
    eventTypes: ['payment.rejected'],
    key: 'consumerDeviceId',
    producer: 'verifier',
    description: 'Transactions the verifier rejected (final).',
  },
  {
    name: 'verifier.fraud-signals.v1',
    partitions: registryTopicPartitions,
    ...keptForever,
    eventTypes: ['fraud.signal-raised'],
    key: 'subject.id',
    producer: 'verifier',
    description: 'Fraud signals for operators and risk models.',
  },
  {
    name: 'ledger.entries.v1',
    partitions: paymentTopicPartitions,
    ...keptForever,
    eventTypes: ['ledger.entry-posted'],
    key: 'partitionKey',
    producer: 'ledger',
    description:
      'The journal, entry by entry, with each partition’s hash chain (the ledger rebuilds from it, with the payment entries that payment.settled v2 and v3 carry).',
  },
  {
    name: 'payments.settlements.v1',
    partitions: paymentTopicPartitions,
    ...keptForever,
    eventTypes: ['payment.settled', 'payment.settlement-failed'],
    key: 'consumerAccountId',
    producer: 'ledger',
    description: 'Final ledger outcome of each verified payment.',
  },
  {
    name: 'ledger.account-status.v1',
    partitions: paymentTopicPartitions,
    ...keptForever,
    eventTypes: ['account.overdrawn', 'account.back-in-funds'],
    key: 'accountId',
    producer: 'ledger',
    description: 'Wallets going below zero and back.',
  },
  {
    name: 'token-issuer.sessions.v1',
    partitions: registryTopicPartitions,
    cleanupPolicy: 'delete',
    retentionMs: sessionRetentionMs,
    eventTypes: ['session.started', 'session.ended'],
    key: 'sessionId',
    producer: 'token-issuer',
    description: 'Session audit trail.',
  },
] as const satisfies readonly TopicDefinition[];

/** The name of a topic of the catalogue. */
export type TopicName = (typeof topicCatalogue)[number]['name'];

/** The event types a topic carries, e.g. `EventTypeOn<'ledger.account-status.v1'>`. */
export type EventTypeOn<TTopic extends TopicName> = Extract<
  (typeof topicCatalogue)[number],
  { readonly name: TTopic }
>['eventTypes'][number];

const topicsByName = new Map<string, TopicDefinition>(
  topicCatalogue.map((topic) => [topic.name, topic]),
);

/** The topic of that name, or undefined. */
export function findTopic(name: string): TopicDefinition | undefined {
  return topicsByName.get(name);
}

/**
 * The Kafka topic configuration to create the topic with. Replication and `min.insync.replicas`
 * belong to the deployment, not to the contract, so they are not here.
 */
export function kafkaTopicConfig(topic: TopicDefinition): Record<string, string> {
  return { 'cleanup.policy': topic.cleanupPolicy, 'retention.ms': String(topic.retentionMs) };
}
