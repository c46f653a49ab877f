import { kafkaPartitionOf, paymentTopicPartitions, topicCatalogue } from '@settle/contracts';
import fc from 'fast-check';
import { ledgerPartitionCount, partitionOf } from '../domain/hash-chain';

// kafkaPartitionOf is pinned to kafkajs's default partitioner and Kafka's murmur2 in
// libs/messaging/src/kafka/key-partitioner.spec.ts.
describe('hash chains follow the Kafka partitions of the settlement input', () => {
  it('puts every key on a chain whose number mod the topic’s partitions is the key’s Kafka partition', () => {
    const topic = topicCatalogue.find(({ name }) => name === 'payments.verified.v1');
    expect(topic?.partitions).toBe(paymentTopicPartitions);
    expect(topic?.key).toBe('consumerAccountId');
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), (key) => {
        const chain = partitionOf(key);
        expect(chain).toBeGreaterThanOrEqual(0);
        expect(chain).toBeLessThan(ledgerPartitionCount);
        expect(chain % paymentTopicPartitions).toBe(kafkaPartitionOf(key, paymentTopicPartitions));
      }),
      { numRuns: 2_000 },
    );
  });

  it('spreads a Kafka partition’s keys over its own chains', () => {
    const chains = new Set(
      Array.from({ length: 20_000 }, (_, index) => partitionOf(`acc_${index}`)),
    );
    const usable =
      Math.floor(ledgerPartitionCount / paymentTopicPartitions) * paymentTopicPartitions;
    expect(chains.size).toBeGreaterThan(0.98 * usable);
  });
});
