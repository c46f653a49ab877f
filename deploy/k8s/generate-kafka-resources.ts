// Generates the Strimzi resources of the event backbone from the code that defines it:
//   deploy/k8s/base/kafka/topics.yaml  one KafkaTopic per topicSpecifications() entry (the contracts'
//                                      catalogue plus one dead-letter topic per service)
//   deploy/k8s/base/kafka/users.yaml   one KafkaUser per service: TLS client certificate, ACLs from the
//                                      catalogue's writer (`producer`) and the topics the service's code
//                                      consumes (consumers-in-code.ts: its consumer classes, the resource
//                                      guard's), plus the reads outside consumers (below); and the
//                                      autoscaler's (KEDA's Kafka scaler): Describe on the scaled
//                                      consumer groups and their topics, nothing else
//
//   node -r @swc-node/register deploy/k8s/generate-kafka-resources.ts
//
// The output is committed; test/architecture/deployment.spec.ts fails when it differs from what this
// script produces now (a topic added to the catalogue, or a consumer to a service, without
// regenerating the manifests).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  paymentSettledV1,
  paymentUploadedV1,
  paymentVerifiedV1,
  type ServiceName,
  serviceNames,
  topicCatalogue,
} from '@settle/contracts';
import { deadLetterTopicOf, topicSpecifications } from '@settle/messaging';
import { consumersInCode, topicsConsumedInCode } from './consumers-in-code';

/** The Strimzi `Kafka` resource the topics and users belong to (label `strimzi.io/cluster`). */
export const kafkaClusterName = 'settle-kafka';
/** Copies of every partition: one broker may be lost (or drained) without losing acknowledged writes. */
export const topicReplicas = 3;
/** With `acks=all` a write needs this many in-sync copies, so an acknowledged event survives one broker. */
export const topicMinInsyncReplicas = 2;
/** Where the generated files go, relative to the repository root. */
export const kafkaManifestDirectory = 'deploy/k8s/base/kafka';

/** `settle-ledger`: the KafkaUser, hence the TLS principal `CN=settle-ledger` and the Secret with its certificate. */
export function kafkaUserNameOf(service: ServiceName): string {
  return `settle-${service}`;
}

type Operation = 'Describe' | 'Read' | 'Write' | 'IdempotentWrite';

/** KEDA's Kafka scaler connects as this KafkaUser (TriggerAuthentication settle-kafka-autoscaler, base/autoscaling.yaml). */
export const autoscalerKafkaUserName = 'settle-autoscaler';

/** A consumer group a ScaledObject scales its service on, and the topic whose lag it watches. */
export interface LagScaledConsumer {
  readonly service: ServiceName;
  /** The consumer's `name`: the group is `<service>.<consumer>`. */
  readonly consumer: string;
  readonly topic: string;
}

/**
 * The Kafka triggers of base/autoscaling.yaml, which the autoscaler's ACLs follow: it may Describe
 * these groups and topics (committed and log-end offsets) and do nothing else.
 * test/architecture/deployment.spec.ts fails while the ScaledObjects' triggers differ from this list.
 */
export const lagScaledConsumers: readonly LagScaledConsumer[] = [
  { service: 'verifier', consumer: 'payments', topic: paymentUploadedV1.topic },
  { service: 'verifier', consumer: 'settlement-outcomes', topic: paymentSettledV1.topic },
  { service: 'ledger', consumer: 'settle-payments', topic: paymentVerifiedV1.topic },
];

/** `verifier.payments`: the consumer group of a lag-scaled consumer. */
export function consumerGroupOf(consumer: Pick<LagScaledConsumer, 'service' | 'consumer'>): string {
  return `${consumer.service}.${consumer.consumer}`;
}

/** A topic a service reads outside its consumer classes (a one-off reader of its own). */
export interface ReadOutsideConsumers {
  readonly topic: string;
  /** Why (one line, written into users.yaml). */
  readonly reason: string;
}

/**
 * The resource guard's key-status consumer (`BindingKeyLifecycleConsumer`, libs/resource-guard) runs in
 * every service whose module lists it, in the consumer group `<service>.resource-guard-binding-keys` on
 * registry.key-lifecycle.v1; the group is covered by the `<service>.` group prefix. Read from the code
 * (the registry's guard reads key states from its own tables, so it is not among them).
 */
export const resourceGuardKeyStatusServices: readonly ServiceName[] = serviceNames.filter(
  (service) => consumersInCode(service).usesResourceGuardConsumer,
);
export const resourceGuardKeyStatusGroupSuffix = 'resource-guard-binding-keys';

/**
 * Reads that are not a consumer class, so the code reader cannot see them. The ledger's rebuild from
 * the topic (apps/ledger/src/check-journal/rebuild-from-topic.ts, `rebuildSourceTopics`) reads its
 * sources from the earliest offset in a group of its own; test/architecture/deployment.spec.ts fails
 * while this differs from `rebuildSourceTopics`.
 */
export const readsOutsideConsumers: Partial<Record<ServiceName, readonly ReadOutsideConsumers[]>> =
  {
    ledger: [
      'registry.accounts.v1',
      'registry.merchants.v1',
      'ledger.entries.v1',
      'payments.settlements.v1',
      'payments.verified.v1',
    ].map((topic) => ({ topic, reason: 'for its rebuild from the topic (check-journal)' })),
  };

const topicsConsumedByService = new Map(
  serviceNames.map((service) => [service, topicsConsumedInCode(service)]),
);

/** Every topic a service reads: what its code consumes, then its reads outside consumers. */
export function readsOf(service: ServiceName): string[] {
  return [
    ...new Set([
      ...topicsConsumedByService.get(service)!,
      ...(readsOutsideConsumers[service] ?? []).map((read) => read.topic),
    ]),
  ];
}

/** The services that read a topic, in serviceNames order. */
export function readersOf(topic: string): ServiceName[] {
  return serviceNames.filter((service) => readsOf(service).includes(topic));
}

export interface AclRule {
  readonly type: 'topic' | 'group' | 'transactionalId' | 'cluster';
  readonly name?: string;
  readonly patternType?: 'literal' | 'prefix';
  readonly operations: readonly Operation[];
  readonly comment: string;
}

const generatedHeader = (what: string) =>
  [
    `# ${what}`,
    '# GENERATED by deploy/k8s/generate-kafka-resources.ts from topicSpecifications() (libs/messaging), the',
    "# topic catalogue (libs/contracts/src/topics.ts) and the services' consumers (consumers-in-code.ts).",
    '# Do not edit: change those, then run',
    '#   node -r @swc-node/register deploy/k8s/generate-kafka-resources.ts',
  ].join('\n');

/** Every KafkaTopic, in topicSpecifications() order. */
export function renderKafkaTopics(): string {
  const documents = topicSpecifications().map((topic) => {
    const definition = topicCatalogue.find((candidate) => candidate.name === topic.name);
    const readers = readersOf(topic.name);
    const about = definition
      ? `written by ${definition.producer}; read by ${readers.length > 0 ? readers.join(', ') : 'no service (operators, analytics)'}. ${definition.description}`
      : `dead letters of the ${serviceOfDeadLetterTopic(topic.name)} service; read by operators (npm run redrive).`;
    const config = { ...topic.config, 'min.insync.replicas': String(topicMinInsyncReplicas) };
    return [
      '---',
      `# ${topic.name}: ${about}`,
      'apiVersion: kafka.strimzi.io/v1',
      'kind: KafkaTopic',
      'metadata:',
      `  name: ${resourceName(topic.name)}`,
      '  labels:',
      `    strimzi.io/cluster: ${kafkaClusterName}`,
      'spec:',
      `  topicName: ${resourceName(topic.name)}`,
      `  partitions: ${topic.partitions}`,
      `  replicas: ${topicReplicas}`,
      '  config:',
      ...Object.entries(config).map(([key, value]) => `    ${key}: ${JSON.stringify(value)}`),
    ].join('\n');
  });
  return `${generatedHeader('Kafka topics of the settlement services (Strimzi Topic Operator).')}\n${documents.join('\n')}\n`;
}

/** One KafkaUser per service, in serviceNames order, then the autoscaler's. */
export function renderKafkaUsers(): string {
  const documents = [
    ...serviceNames.map((service) =>
      renderKafkaUser(kafkaUserNameOf(service), `The ${service} service`, aclRulesOf(service)),
    ),
    renderKafkaUser(
      autoscalerKafkaUserName,
      "KEDA's Kafka scaler (base/autoscaling.yaml)",
      autoscalerAclRules(),
    ),
  ];
  return `${generatedHeader("Kafka users of the settlement services (Strimzi User Operator), one per service, and the autoscaler's.")}\n${documents.join('\n')}\n`;
}

function renderKafkaUser(name: string, who: string, acls: readonly AclRule[]): string {
  const rules = acls.flatMap((rule) => [
    `      # ${rule.comment}`,
    '      - resource:',
    `          type: ${rule.type}`,
    ...(rule.name === undefined ? [] : [`          name: ${JSON.stringify(rule.name)}`]),
    ...(rule.patternType === undefined ? [] : [`          patternType: ${rule.patternType}`]),
    `        operations: [${rule.operations.join(', ')}]`,
    '        host: "*"',
  ]);
  return [
    '---',
    `# ${who}: TLS client certificate (Secret ${name}, principal CN=${name}).`,
    'apiVersion: kafka.strimzi.io/v1',
    'kind: KafkaUser',
    'metadata:',
    `  name: ${name}`,
    '  labels:',
    `    strimzi.io/cluster: ${kafkaClusterName}`,
    'spec:',
    '  authentication:',
    '    type: tls',
    '  authorization:',
    '    type: simple',
    '    acls:',
    ...rules,
  ].join('\n');
}

/**
 * What KEDA's Kafka scaler needs to compute a group's lag on a topic: Describe on the topic (metadata,
 * log-end offsets) and on the group (its committed offsets). It reads no message and joins no group.
 */
export function autoscalerAclRules(): AclRule[] {
  const topics = [...new Set(lagScaledConsumers.map((consumer) => consumer.topic))];
  return [
    ...topics.map((topic) => ({
      type: 'topic' as const,
      name: topic,
      patternType: 'literal' as const,
      operations: ['Describe' as const],
      comment: `log-end offsets of ${topic}`,
    })),
    ...lagScaledConsumers.map((consumer) => ({
      type: 'group' as const,
      name: consumerGroupOf(consumer),
      patternType: 'literal' as const,
      operations: ['Describe' as const],
      comment: `committed offsets of the ${consumer.service} consumer ${consumer.consumer} on ${consumer.topic}`,
    })),
  ];
}

/**
 * What one service may do: write the topics it produces (the catalogue's single writer) and its own
 * dead-letter topic, read the topics it consumes, use its consumer groups (`<service>.<consumer>`),
 * and run its outbox relay as an idempotent producer (and, scoped to its own prefix, as a
 * transactional one). Nothing else: no topic creation, no configuration changes, no other group.
 */
export function aclRulesOf(service: ServiceName): AclRule[] {
  const topics = new Map<
    string,
    { operations: Set<Operation>; reasons: string[]; notes: string[] }
  >();
  const grant = (topic: string, operation: Operation, reason: string, note?: string) => {
    const entry = topics.get(topic) ?? {
      operations: new Set<Operation>(['Describe']),
      reasons: [],
      notes: [],
    };
    entry.operations.add(operation);
    entry.reasons.push(reason);
    if (note !== undefined) entry.notes.push(note);
    topics.set(topic, entry);
  };
  const consumed = topicsConsumedByService.get(service)!;
  for (const topic of readsOf(service)) {
    if (!topicCatalogue.some((candidate) => candidate.name === topic))
      throw new Error(`${service} reads ${topic}, which is not in the topic catalogue`);
  }
  for (const topic of topicCatalogue) {
    if (topic.producer === service) grant(topic.name, 'Write', 'writes');
    if (consumed.includes(topic.name)) grant(topic.name, 'Read', 'reads');
  }
  for (const read of readsOutsideConsumers[service] ?? []) {
    if (topics.get(read.topic)?.operations.has('Read')) continue;
    grant(read.topic, 'Read', 'reads', read.reason);
  }
  grant(deadLetterTopicOf(service), 'Write', 'writes its dead letters to');
  const operationOrder: readonly Operation[] = ['Describe', 'Read', 'Write'];
  return [
    ...[...topics].map(([name, { operations, reasons, notes }]) => ({
      type: 'topic' as const,
      name,
      patternType: 'literal' as const,
      operations: operationOrder.filter((operation) => operations.has(operation)),
      comment: `${service} ${reasons.join(' and ')} ${name}${notes.length > 0 ? ` ${notes.join('; ')}` : ''}`,
    })),
    {
      type: 'group',
      name: `${service}.`,
      patternType: 'prefix',
      operations: ['Read'],
      comment: `its consumer groups: ${service}.<consumer name>${resourceGuardKeyStatusServices.includes(service) ? ` (${service}.${resourceGuardKeyStatusGroupSuffix} included)` : ''}`,
    },
    {
      type: 'transactionalId',
      name: `${service}.`,
      patternType: 'prefix',
      operations: ['Describe', 'Write'],
      comment: `transactional ids of its outbox relay, should it become transactional: ${service}.<id>`,
    },
    {
      type: 'cluster',
      operations: ['IdempotentWrite'],
      comment: 'its outbox relay is an idempotent producer (acks=all)',
    },
  ];
}

function serviceOfDeadLetterTopic(topic: string): ServiceName {
  const service = serviceNames.find((candidate) => deadLetterTopicOf(candidate) === topic);
  if (!service)
    throw new Error(`topic ${topic} is neither in the catalogue nor a dead-letter topic`);
  return service;
}

/** Topic names double as Kubernetes resource names (DNS-1123 subdomains); refuse one that is not. */
function resourceName(topic: string): string {
  if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(topic))
    throw new Error(`topic name ${JSON.stringify(topic)} is not a valid Kubernetes resource name`);
  return topic;
}

/** The files this script writes, by path relative to the repository root. */
export function kafkaManifests(): Record<string, string> {
  return {
    [`${kafkaManifestDirectory}/topics.yaml`]: renderKafkaTopics(),
    [`${kafkaManifestDirectory}/users.yaml`]: renderKafkaUsers(),
  };
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..', '..');
  for (const [file, content] of Object.entries(kafkaManifests())) {
    writeFileSync(path.join(root, file), content);
    process.stdout.write(`wrote ${file}\n`);
  }
}
