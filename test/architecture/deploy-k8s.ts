// What the deployment tests share: deploy/k8s rendered (every kustomization, and what each environment
// under overlays/ applies), small typed readers for the rendered objects, and what the services' code
// says about its Kafka consumers.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as contracts from '@settle/contracts';
import { type ServiceName } from '@settle/contracts';
import { type KubernetesObject, kustomizationRoots, renderKustomization } from './kustomize';

export const root = path.join(__dirname, '../..');
export const k8sDirectory = path.join(root, 'deploy/k8s');

/** One rendered kustomization: its directory relative to deploy/k8s, and its objects. */
export interface Rendering {
  readonly source: string;
  readonly objects: readonly KubernetesObject[];
}

/** Every Kustomization under deploy/k8s (base, base/migrations, every overlay and its nested ones), rendered. */
export function renderings(): Rendering[] {
  return kustomizationRoots(k8sDirectory).map((directory) => ({ source: path.relative(k8sDirectory, directory) || '.', objects: renderKustomization(directory) }));
}

/** The environments: the directories under deploy/k8s/overlays. */
export function environments(): string[] {
  return readdirSync(path.join(k8sDirectory, 'overlays'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/**
 * What an environment applies: its overlay and the kustomizations nested in it (migrations, postgres),
 * each object tagged with the kustomization it came from.
 */
export function environmentObjects(environment: string): { readonly source: string; readonly object: KubernetesObject }[] {
  const prefix = `overlays/${environment}`;
  return renderings()
    .filter(({ source }) => source === prefix || source.startsWith(`${prefix}/`))
    .flatMap(({ source, objects }) => objects.map((object) => ({ source, object })));
}

// --- typed readers ---------------------------------------------------------------------------------

export type Fields = Record<string, unknown>;

export function isFields(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The value at a path of mapping keys, or undefined. */
export function at(value: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>((current, key) => (isFields(current) ? current[key] : undefined), value);
}

export function fieldsAt(value: unknown, ...keys: string[]): Fields {
  const found = at(value, ...keys);
  return isFields(found) ? found : {};
}

export function listAt(value: unknown, ...keys: string[]): unknown[] {
  const found = at(value, ...keys);
  return Array.isArray(found) ? found : [];
}

export function textAt(value: unknown, ...keys: string[]): string | undefined {
  const found = at(value, ...keys);
  return typeof found === 'string' ? found : undefined;
}

/** The pod template of a workload (Deployment, Job, …), or undefined for other kinds. */
export function podSpecOf(object: KubernetesObject): Fields | undefined {
  const template = object.kind === 'CronJob' ? at(object, 'spec', 'jobTemplate', 'spec', 'template', 'spec') : at(object, 'spec', 'template', 'spec');
  return isFields(template) ? template : undefined;
}

export function containersOf(pod: Fields): Fields[] {
  return [...listAt(pod, 'initContainers'), ...listAt(pod, 'containers')].filter(isFields);
}

/** Objects of one kind (and name). */
export function find(objects: readonly KubernetesObject[], kind: string, name?: string): KubernetesObject[] {
  return objects.filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
}

/** The service Deployments: labelled app.kubernetes.io/component=service. */
export function serviceDeployments(objects: readonly KubernetesObject[]): KubernetesObject[] {
  return find(objects, 'Deployment').filter((object) => object.metadata.labels?.['app.kubernetes.io/component'] === 'service');
}

/**
 * A container's environment as the process sees it (envFrom ConfigMaps first, then `env`, which wins):
 * literal values, or a marker for values from elsewhere (`secretKeyRef:<name>/<key>`, `fieldRef:…`).
 */
export function environmentOf(container: Fields, objects: readonly KubernetesObject[]): Map<string, string> {
  const environment = new Map<string, string>();
  for (const source of listAt(container, 'envFrom')) {
    const configMap = textAt(source, 'configMapRef', 'name');
    if (configMap === undefined) throw new Error(`envFrom other than configMapRef: ${JSON.stringify(source)}`);
    const [found] = find(objects, 'ConfigMap', configMap);
    if (!found) throw new Error(`envFrom names the ConfigMap ${configMap}, which is not rendered`);
    for (const [key, value] of Object.entries(fieldsAt(found, 'data'))) environment.set(key, String(value));
  }
  for (const entry of listAt(container, 'env')) {
    const name = textAt(entry, 'name')!;
    const secret = at(entry, 'valueFrom', 'secretKeyRef');
    const field = textAt(entry, 'valueFrom', 'fieldRef', 'fieldPath');
    if (secret !== undefined) environment.set(name, `secretKeyRef:${textAt(secret, 'name')}/${textAt(secret, 'key')}`);
    else if (field !== undefined) environment.set(name, `fieldRef:${field}`);
    else environment.set(name, String(at(entry, 'value') ?? ''));
  }
  return environment;
}

// --- the services' code ----------------------------------------------------------------------------

/** A Kafka consumer of a service: its `name` (the group is `<service>.<name>`) and its `topics`. */
export interface CodeConsumer {
  readonly name: string;
  readonly topics: readonly string[];
}

/**
 * The consumers in a service's non-test sources: every class with `readonly topics = [...]` and its
 * `readonly name = '…'`. A topic is a string literal or `<eventDefinition>.topic` (resolved through
 * @settle/contracts); anything else throws, so a consumer this reader cannot follow fails the tests.
 * Also whether the service lists the resource guard's `BindingKeyLifecycleConsumer`.
 */
export function consumersInCode(service: ServiceName): { consumers: CodeConsumer[]; usesResourceGuardConsumer: boolean } {
  const directory = path.join(root, 'apps', service, 'src');
  const sources = readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.split(path.sep).includes('testing'))
    .map((file) => ({ file, source: readFileSync(path.join(directory, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1') }));
  const consumers = sources.flatMap(({ file, source }) =>
    source
      .split(/\bclass\s+/)
      .slice(1)
      .flatMap((body) => {
        const topics = /readonly\s+topics\s*=\s*\[([^\]]*)\]/.exec(body);
        if (!topics) return [];
        const name = /readonly\s+name\s*=\s*'([^']+)'/.exec(body)?.[1];
        if (name === undefined) throw new Error(`apps/${service}/src/${file}: a consumer without a literal readonly name`);
        return [{ name, topics: topicsOfList(topics[1]!, `apps/${service}/src/${file}`) }];
      }),
  );
  return { consumers, usesResourceGuardConsumer: sources.some(({ source }) => /\bBindingKeyLifecycleConsumer\b/.test(source)) };
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
      const topic = definition === undefined ? undefined : (contracts as Record<string, unknown>)[definition];
      if (isFields(topic) && typeof topic['topic'] === 'string') return topic['topic'];
      throw new Error(`${file}: cannot resolve the topic ${item} (a string literal or <@settle/contracts event definition>.topic)`);
    });
}
