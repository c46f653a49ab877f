import { kafkaTopicConfig, serviceNames, topicCatalogue } from '@settle/contracts';
import { deadLetterTopicOf } from '../inbox/dead-letter';
import type { TopicSpecification } from '../kafka/kafka-port';

export const deadLetterTopicPartitions = 1;
/** Dead letters wait for an operator: kept 30 days. */
export const deadLetterRetentionMs = 30 * 24 * 60 * 60 * 1000;

/** Every topic the project uses: the contracts' catalogue plus one dead-letter topic per service. */
export function topicSpecifications(topicPrefix = ''): TopicSpecification[] {
  return [
    ...topicCatalogue.map((topic) => ({
      name: `${topicPrefix}${topic.name}`,
      partitions: topic.partitions,
      config: kafkaTopicConfig(topic),
    })),
    ...serviceNames.map((service) => ({
      name: `${topicPrefix}${deadLetterTopicOf(service)}`,
      partitions: deadLetterTopicPartitions,
      config: { 'cleanup.policy': 'delete', 'retention.ms': String(deadLetterRetentionMs) },
    })),
  ];
}
