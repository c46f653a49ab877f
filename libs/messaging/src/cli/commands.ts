// The operator commands of the backbone, run from the compiled code by scripts/run.mjs:
//   npm run topics:create                      create every missing topic (KAFKA_BROKERS, SETTLE_KAFKA_TOPIC_PREFIX)
//   npm run redrive -- <service> [--reason=R] [--offset=N,...] [--execute]
// Redrive lists the service's dead letters; with --execute it re-publishes the selected ones.
import { createKafkajsPort } from '../kafka/kafkajs-adapter';
import { kafkaTlsOptions } from '../kafka/kafka-tls';
import { deadLetterTopicOf } from '../inbox/dead-letter';
import { redriveDeadLetters } from '../redrive/redrive';
import { topicSpecifications } from '../provision/topic-specifications';

const brokers = () => (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const topicPrefix = () => process.env.SETTLE_KAFKA_TOPIC_PREFIX ?? '';
const ssl = () =>
  kafkaTlsOptions({
    SETTLE_KAFKA_TLS_CA_FILE: process.env.SETTLE_KAFKA_TLS_CA_FILE ?? '',
    SETTLE_KAFKA_TLS_CERT_FILE: process.env.SETTLE_KAFKA_TLS_CERT_FILE ?? '',
    SETTLE_KAFKA_TLS_KEY_FILE: process.env.SETTLE_KAFKA_TLS_KEY_FILE ?? '',
  });

export async function createTopicsCommand(): Promise<string[]> {
  const admin = await createKafkajsPort({
    clientId: 'settle-topics',
    brokers: brokers(),
    ssl: ssl(),
  }).admin();
  try {
    return await admin.ensureTopics(topicSpecifications(topicPrefix()));
  } finally {
    await admin.disconnect();
  }
}

export async function redriveCommand(service: string, flags: readonly string[]) {
  const flag = (name: string) =>
    flags.find((value) => value.startsWith(`--${name}=`))?.slice(name.length + 3);
  const kafka = createKafkajsPort({ clientId: 'settle-redrive', brokers: brokers(), ssl: ssl() });
  const producer = kafka.producer();
  await producer.connect();
  try {
    return await redriveDeadLetters({
      kafka,
      producer,
      deadLetterTopic: `${topicPrefix()}${deadLetterTopicOf(service)}`,
      reason: flag('reason'),
      offsets: flag('offset')
        ?.split(',')
        .map((offset) => BigInt(offset)),
      dryRun: !flags.includes('--execute'),
    });
  } finally {
    await producer.disconnect();
  }
}
