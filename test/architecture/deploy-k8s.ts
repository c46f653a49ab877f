// What the deployment tests share: deploy/k8s rendered (every kustomization, and what each environment
// under overlays/ applies), small typed readers for the rendered objects, and what the services' code
// says about its Kafka consumers.
import { readdirSync } from 'node:fs';
import path from 'node:path';
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
  return kustomizationRoots(k8sDirectory).map((directory) => ({
    source: path.relative(k8sDirectory, directory) || '.',
    objects: renderKustomization(directory),
  }));
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
export function environmentObjects(
  environment: string,
): { readonly source: string; readonly object: KubernetesObject }[] {
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
  return keys.reduce<unknown>(
    (current, key) => (isFields(current) ? current[key] : undefined),
    value,
  );
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
  const template =
    object.kind === 'CronJob'
      ? at(object, 'spec', 'jobTemplate', 'spec', 'template', 'spec')
      : at(object, 'spec', 'template', 'spec');
  return isFields(template) ? template : undefined;
}

export function containersOf(pod: Fields): Fields[] {
  return [...listAt(pod, 'initContainers'), ...listAt(pod, 'containers')].filter(isFields);
}

/** Objects of one kind (and name). */
export function find(
  objects: readonly KubernetesObject[],
  kind: string,
  name?: string,
): KubernetesObject[] {
  return objects.filter(
    (object) => object.kind === kind && (name === undefined || object.metadata.name === name),
  );
}

/** The service Deployments: labelled app.kubernetes.io/component=service. */
export function serviceDeployments(objects: readonly KubernetesObject[]): KubernetesObject[] {
  return find(objects, 'Deployment').filter(
    (object) => object.metadata.labels?.['app.kubernetes.io/component'] === 'service',
  );
}

/**
 * A container's environment as the process sees it (envFrom ConfigMaps first, then `env`, which wins):
 * literal values, or a marker for values from elsewhere (`secretKeyRef:<name>/<key>`, `fieldRef:…`).
 */
export function environmentOf(
  container: Fields,
  objects: readonly KubernetesObject[],
): Map<string, string> {
  const environment = new Map<string, string>();
  for (const source of listAt(container, 'envFrom')) {
    const configMap = textAt(source, 'configMapRef', 'name');
    if (configMap === undefined)
      throw new Error(`envFrom other than configMapRef: ${JSON.stringify(source)}`);
    const [found] = find(objects, 'ConfigMap', configMap);
    if (!found) throw new Error(`envFrom names the ConfigMap ${configMap}, which is not rendered`);
    for (const [key, value] of Object.entries(fieldsAt(found, 'data')))
      environment.set(key, String(value));
  }
  for (const entry of listAt(container, 'env')) {
    const name = textAt(entry, 'name')!;
    const secret = at(entry, 'valueFrom', 'secretKeyRef');
    const field = textAt(entry, 'valueFrom', 'fieldRef', 'fieldPath');
    if (secret !== undefined)
      environment.set(name, `secretKeyRef:${textAt(secret, 'name')}/${textAt(secret, 'key')}`);
    else if (field !== undefined) environment.set(name, `fieldRef:${field}`);
    else environment.set(name, String(at(entry, 'value') ?? ''));
  }
  return environment;
}

// --- the services' code ----------------------------------------------------------------------------

// The reader of the services' consumers lives beside the generator that derives the Kafka ACLs from it.
// eslint-disable-next-line @nx/enforce-module-boundaries -- the generator is a deploy script, not a library
export {
  type CodeConsumer,
  consumersInCode,
  topicsConsumedInCode,
} from '../../deploy/k8s/consumers-in-code';
