import {
  eventDefinitions,
  findTopic,
  kafkaTopicConfig,
  retentionMsForever,
  topicCatalogue,
  type EventDefinition,
} from './index';
import { readEventFixture } from './testing';

/** The fixture's envelope key and the value of the topic's key field (a dotted path) in its payload. */
function readEventFixtureKeyField(
  definition: EventDefinition,
  keyField: string,
): { key: unknown; fieldValue: unknown } {
  const fixture = readEventFixture(definition.type, definition.version) as {
    key: string;
    payload: unknown;
  };
  const fieldValue = keyField
    .split('.')
    .reduce<unknown>((node, name) => (node as Record<string, unknown>)[name], fixture.payload);
  return { key: fixture.key, fieldValue };
}

describe('topic catalogue', () => {
  it('names every topic <domain>.<family>.v<N>, once', () => {
    for (const topic of topicCatalogue)
      expect(topic.name).toMatch(/^[a-z][a-z-]*\.[a-z][a-z-]*\.v[1-9][0-9]*$/);
    const names = topicCatalogue.map((topic) => topic.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('publishes each event on a topic that exists and lists its type', () => {
    for (const definition of eventDefinitions) {
      const topic = findTopic(definition.topic);
      expect({ event: definition.type, topic: topic?.name }).toEqual({
        event: definition.type,
        topic: definition.topic,
      });
      expect(topic?.eventTypes).toContain(definition.type);
      expect(topic?.producer).toBe(definition.producer);
    }
  });

  it('lists on each topic only types that are published there, and no topic is unused', () => {
    for (const topic of topicCatalogue) {
      expect(topic.eventTypes.length).toBeGreaterThan(0);
      for (const type of topic.eventTypes) {
        const definitions = eventDefinitions.filter((definition) => definition.type === type);
        expect(definitions.map((definition) => definition.topic)).toContain(topic.name);
      }
    }
  });

  it('gives a compacted topic exactly one event type (the entity’s full state), so compaction loses no fact', () => {
    const compacted = topicCatalogue.filter((topic) => topic.cleanupPolicy === 'compact');
    expect(compacted.map((topic) => topic.name).sort()).toEqual([
      'registry.accounts.v1',
      'registry.device-check-ins.v1',
      'registry.device-offline-capability.v1',
      'registry.devices.v1',
      'registry.key-lifecycle.v1',
      'registry.merchants.v1',
      'registry.terminals.v1',
    ]);
    for (const topic of compacted) expect(topic.eventTypes).toHaveLength(1);
  });

  it('keeps payment and ledger topics forever, so a full replay works', () => {
    const forever = topicCatalogue.filter((topic) => /^(payments|ledger)\./.test(topic.name));
    expect(forever.length).toBeGreaterThan(0);
    for (const topic of forever) {
      expect({
        name: topic.name,
        cleanupPolicy: topic.cleanupPolicy,
        retentionMs: topic.retentionMs,
      }).toEqual({
        name: topic.name,
        cleanupPolicy: 'delete',
        retentionMs: retentionMsForever,
      });
      expect(topic.partitions).toBe(6);
    }
  });

  it('keys every event of a topic by the field the topic names (checked on the golden fixtures)', () => {
    for (const definition of eventDefinitions) {
      const topic = findTopic(definition.topic)!;
      const { key, fieldValue } = readEventFixtureKeyField(definition, topic.key);
      expect({ type: definition.type, key }).toEqual({ type: definition.type, key: fieldValue });
    }
  });

  it('keys payment.verified and everything the ledger produces by consumer account id, uploads by device', () => {
    const keyOf = (name: string) => findTopic(name)?.key;
    expect(keyOf('payments.verified.v1')).toBe('consumerAccountId');
    expect(keyOf('payments.settlements.v1')).toBe('consumerAccountId');
    expect(keyOf('ledger.account-status.v1')).toBe('accountId');
    expect(keyOf('ledger.entries.v1')).toBe('partitionKey');
    expect(keyOf('payments.uploaded.v1')).toBe('consumerDeviceId');
    expect(keyOf('registry.key-lifecycle.v1')).toBe('keyId');
  });

  it('turns a topic into Kafka configuration', () => {
    expect(kafkaTopicConfig(findTopic('registry.key-lifecycle.v1')!)).toEqual({
      'cleanup.policy': 'compact',
      'retention.ms': '-1',
    });
    expect(kafkaTopicConfig(findTopic('payments.verified.v1')!)).toEqual({
      'cleanup.policy': 'delete',
      'retention.ms': '-1',
    });
  });
});
