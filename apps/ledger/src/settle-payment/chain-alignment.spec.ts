import { kafkaKeyHash, paymentTopicPartitions, topicCatalogue } from '@settle/contracts';
import fc from 'fast-check';
import { type PartitionMetadata, Partitioners } from 'kafkajs';
import { ledgerPartitionCount, partitionOf } from '../domain/hash-chain';

/** The partition kafkajs's default partitioner (the producers' own, libs/messaging) gives a key. */
function kafkajsPartition(key: string, partitions: number): number {
  const partitionMetadata: PartitionMetadata[] = Array.from(
    { length: partitions },
    (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      offlineReplicas: [],
    }),
  );
  return Partitioners.DefaultPartitioner()({
    topic: 'payments.verified.v1',
    partitionMetadata,
    message: { key, value: null },
  });
}

describe('hash chains follow the Kafka partitions of the settlement input', () => {
  it('computes Kafka’s key hash exactly as kafkajs’s default partitioner does', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.integer({ min: 1, max: 64 }),
        (key, partitions) => {
          expect(kafkaKeyHash(key) % partitions).toBe(kafkajsPartition(key, partitions));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('puts every key on a chain whose number mod the topic’s partitions is the key’s Kafka partition', () => {
    const topic = topicCatalogue.find(({ name }) => name === 'payments.verified.v1');
    expect(topic?.partitions).toBe(paymentTopicPartitions);
    expect(topic?.key).toBe('consumerAccountId');
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), (key) => {
        const chain = partitionOf(key);
        expect(chain).toBeGreaterThanOrEqual(0);
        expect(chain).toBeLessThan(ledgerPartitionCount);
        expect(chain % paymentTopicPartitions).toBe(kafkajsPartition(key, paymentTopicPartitions));
      }),
      { numRuns: 2_000 },
    );
  });

  it('spreads a Kafka partition’s keys over its own chains', () => {
    const chains = new Set(
      Array.from({ length: 20_000 }, (_, index) => partitionOf(`acc_${index}`)),
    );
    expect(chains.size).toBeGreaterThan(
      0.98 * Math.floor(ledgerPartitionCount / paymentTopicPartitions) * paymentTopicPartitions,
    );
  });
});
