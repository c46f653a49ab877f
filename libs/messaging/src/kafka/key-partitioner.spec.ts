import { kafkaKeyHash } from '@settle/contracts';
import fc from 'fast-check';
import { type Message, type PartitionMetadata, Partitioners } from 'kafkajs';
import { keyPartitioner } from './key-partitioner';

function metadata(partitions: number): PartitionMetadata[] {
  return Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    offlineReplicas: [],
  }));
}

describe('keyPartitioner', () => {
  const ours = keyPartitioner();
  const kafkajs = Partitioners.DefaultPartitioner();
  const place = (partitioner: typeof ours, message: Message, partitions: number) =>
    partitioner({ topic: 't', partitionMetadata: metadata(partitions), message });

  it('places every string key where kafkajs’s default (Java-compatible) partitioner does', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.integer({ min: 1, max: 64 }),
        (key, partitions) => {
          const message = { key, value: null };
          expect(place(ours, message, partitions)).toBe(place(kafkajs, message, partitions));
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('matches Kafka’s own murmur2 on the values of Kafka’s and Akka’s tests', () => {
    // Utils.murmur2(bytes) of Kafka's Java client (UtilsTest; akka's Murmur2Spec), as signed ints:
    // the key hash is their non-negative part (Utils.toPositive).
    const javaMurmur2: Record<string, number> = {
      '21': -973932308,
      foobar: -790332482,
      abc: 479470107,
      '1': -1993445489,
      '12': 126087238,
      '123': -267702483,
      '1234': -1614185708,
      '12345': -1188365604,
    };
    for (const [key, value] of Object.entries(javaMurmur2))
      expect(kafkaKeyHash(key)).toBe(value & 0x7fffffff);
  });

  it('leaves an explicit partition and a Buffer key to kafkajs', () => {
    expect(place(ours, { key: 'acc_1', value: null, partition: 5 }, 6)).toBe(5);
    const key = Buffer.from('acc_1');
    expect(place(ours, { key, value: null }, 6)).toBe(place(kafkajs, { key, value: null }, 6));
  });
});
