// What each service's code consumes from Kafka, read from its sources: the topics' readers (and so the
// Kafka read ACLs, generate-kafka-resources.ts) follow the code that consumes, and are written nowhere
// else. test/architecture reads the same (a ScaledObject must scale on a consumer the code has).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as contracts from '@settle/contracts';
import { type ServiceName } from '@settle/contracts';

const root = path.join(__dirname, '../..');

/** A Kafka consumer of a service: its `name` (the group is `<service>.<name>`) and its `topics`. */
export interface CodeConsumer {
  readonly name: string;
  readonly topics: readonly string[];
}

/**
 * The consumers in a service's non-test sources: every class with `readonly topics = [...]` and its
 * `readonly name = '…'`. A topic is a string literal or `<eventDefinition>.topic` (resolved through
 * @settle/contracts); anything else throws, so a consumer this reader cannot follow fails the
 * generator and the tests rather than going without its read ACL. Also whether the service lists the
 * resource guard's `BindingKeyLifecycleConsumer` (libs/resource-guard), which reads registry.key-lifecycle.v1.
 */
export function consumersInCode(service: ServiceName): {
  consumers: CodeConsumer[];
  usesResourceGuardConsumer: boolean;
} {
  const directory = path.join(root, 'apps', service, 'src');
  const sources = readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter(
      (file) =>
        file.endsWith('.ts') &&
        !file.endsWith('.spec.ts') &&
        !file.split(path.sep).includes('testing'),
    )
    .map((file) => ({
      file,
      source: readFileSync(path.join(directory, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/(^|[^:])\/\/.*$/gm, '$1'),
    }));
  const consumers = sources.flatMap(({ file, source }) =>
    source
      .split(/\bclass\s+/)
      .slice(1)
      .flatMap((body) => {
        const topics = /readonly\s+topics\s*=\s*\[([^\]]*)\]/.exec(body);
        if (!topics) return [];
        const name = /readonly\s+name\s*=\s*'([^']+)'/.exec(body)?.[1];
        if (name === undefined)
          throw new Error(
            `apps/${service}/src/${file}: a consumer without a literal readonly name`,
          );
        return [{ name, topics: topicsOfList(topics[1]!, `apps/${service}/src/${file}`) }];
      }),
  );
  return {
    consumers,
    usesResourceGuardConsumer: sources.some(({ source }) =>
      /\bBindingKeyLifecycleConsumer\b/.test(source),
    ),
  };
}

/** The topics a service's code consumes: its consumers' topics, and registry.key-lifecycle.v1 when it lists the resource guard's consumer. Sorted. */
export function topicsConsumedInCode(service: ServiceName): string[] {
  const { consumers, usesResourceGuardConsumer } = consumersInCode(service);
  const topics = new Set(consumers.flatMap((consumer) => consumer.topics));
  if (usesResourceGuardConsumer) topics.add(contracts.keyLifecycleChangedV1.topic);
  return [...topics].sort();
}

function topicsOfList(list: string, file: string): string[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const literal = /^'([^']+)'$/.exec(item)?.[1];
      if (literal !== undefined) return literal;
      const definition = /^([A-Za-z_$][\w$]*)\.topic$/.exec(item)?.[1];
      const topic =
        definition === undefined ? undefined : (contracts as Record<string, unknown>)[definition];
      if (
        topic !== null &&
        typeof topic === 'object' &&
        typeof (topic as { topic?: unknown }).topic === 'string'
      )
        return (topic as { topic: string }).topic;
      throw new Error(
        `${file}: cannot resolve the topic ${item} (a string literal or <@settle/contracts event definition>.topic)`,
      );
    });
}
