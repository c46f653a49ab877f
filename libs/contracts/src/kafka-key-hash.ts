/**
 * Kafka's key hash: murmur2 of the key's UTF-8 bytes with Kafka's seed, made non-negative
 * (`& 0x7fffffff`), as Kafka's Java `DefaultPartitioner` and kafkajs's `Partitioners.DefaultPartitioner`
 * compute it. A keyed message goes to partition `kafkaKeyHash(key) % partitions`
 * (`kafkaPartitionOf`). Here because both sides of the topic catalogue need it: producers place
 * messages with it (libs/messaging) and the ledger aligns its hash chains with it;
 * libs/messaging/src/kafka/key-partitioner.spec.ts pins it to kafkajs's partitioner and to Kafka's
 * own values. 32-bit `Math.imul` arithmetic, where kafkajs emulates it with 64-bit Long objects.
 */
export function kafkaKeyHash(key: string): number {
  const data = utf8.encode(key);
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= data[whole + 2]! << 16;
    if (tail >= 2) h ^= data[whole + 1]! << 8;
    h ^= data[whole]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h & 0x7fffffff;
}

/** The partition Kafka's default partitioner gives a keyed message on a topic of `partitions`. */
export function kafkaPartitionOf(key: string, partitions: number): number {
  return kafkaKeyHash(key) % partitions;
}

const utf8 = new TextEncoder();
