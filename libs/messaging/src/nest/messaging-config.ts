import { defineConfig } from '@settle/platform';

/** The backbone's settings, added to each service's configuration (docs/configuration.md). */
export const messagingConfig = defineConfig({
  SETTLE_KAFKA_TOPIC_PREFIX: {
    type: 'string',
    default: '',
    pattern: /^([a-z0-9][a-z0-9-]{0,30}\.)?$/,
    patternDescription:
      'empty, or lowercase letters, digits and dashes ending with a dot (e.g. "staging.")',
    description: 'Prefix of every topic name, for several environments on one cluster.',
  },
  SETTLE_KAFKA_CREATE_TOPICS: {
    type: 'boolean',
    default: false,
    description:
      'Create missing topics at start-up (development; production topics come from Strimzi KafkaTopic resources).',
  },
  SETTLE_KAFKA_TLS_CA_FILE: {
    type: 'string',
    default: '',
    description:
      "PEM file of the CA that signed the brokers' certificates; set: connect to Kafka over TLS.",
  },
  SETTLE_KAFKA_TLS_CERT_FILE: {
    type: 'string',
    default: '',
    description:
      'PEM client certificate (mutual TLS, e.g. a Strimzi KafkaUser); needs SETTLE_KAFKA_TLS_KEY_FILE.',
  },
  SETTLE_KAFKA_TLS_KEY_FILE: {
    type: 'string',
    default: '',
    description:
      'PEM private key of the client certificate (read from a mounted Secret, never logged).',
  },
  SETTLE_OUTBOX_RELAY_ENABLED: {
    type: 'boolean',
    default: true,
    description:
      'Run the outbox relay in this process (replicas beyond the first stand by for its buckets).',
  },
});
