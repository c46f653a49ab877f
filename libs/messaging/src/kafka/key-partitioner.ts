import { kafkaPartitionOf } from '@settle/contracts';
import { type ICustomPartitioner, Partitioners } from 'kafkajs';

/**
 * kafkajs's default partitioner (murmur2 of the key, as Kafka's Java client) with the key hash in
 * 32-bit arithmetic (`kafkaKeyHash`, @settle/contracts): every string key gets the same partition as
 * before, without kafkajs's 64-bit Long emulation: 0.55–0.66 instead of 2.1–2.7 µs a message
 * (bench/results/ledger-profile.md, seventh pass).
 * A message with its own partition, or without a string key, goes to kafkajs's partitioner.
 */
export const keyPartitioner: ICustomPartitioner = () => {
  const kafkajsPartitioner = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    if (
      (message.partition === undefined || message.partition === null) &&
      typeof message.key === 'string'
    )
      return kafkaPartitionOf(message.key, partitionMetadata.length);
    return kafkajsPartitioner(args);
  };
};
