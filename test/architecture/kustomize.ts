// A minimal kustomize (what `kubectl kustomize <dir>` does) for the features deploy/k8s uses, so the
// tests check the objects an overlay really produces without a kubectl or kustomize binary (neither is
// on the machines, and no kustomize implementation is published on npm). Supported, with kustomize's
// semantics: Kustomizations and Components; `resources` (files and directories), `components`,
// `namespace`, `labels` (pairs, includeTemplates), `images`, `patches` (strategic-merge patches by
// path or inline) and `configMapGenerator` (files and literals, with disableNameSuffixHash).
// Transformers run in kustomize's order: patches, namespace, labels, images. Anything else — another
// field, a JSON 6902 patch, a patch target, a generator with a hash suffix, a list merge this file does
// not know — throws, so a manifest written beyond this subset fails the tests loudly instead of being
// rendered wrongly.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** One Kubernetes object as rendered: plain JSON data, typed values (numbers, booleans) as the API server reads them. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const kustomizationFile = 'kustomization.yaml';
const supportedFields = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'labels',
  'resources',
  'components',
  'patches',
  'images',
  'configMapGenerator',
]);
const apiVersionOfKind: Record<string, string> = {
  Kustomization: 'kustomize.config.k8s.io/v1beta1',
  Component: 'kustomize.config.k8s.io/v1alpha1',
};

/**
 * Every document of a YAML stream, parsed as Kubernetes parses manifests (YAML 1.1: `0440` is octal,
 * `yes` is a boolean), duplicate keys refused. Empty documents (comments only) are dropped.
 */
export function parseManifests(source: string, file: string): Json[] {
  return parseAllDocuments(source, { version: '1.1', uniqueKeys: true }).flatMap((document) => {
    const [problem] = [...document.errors, ...document.warnings];
    if (problem) throw new Error(`${file}: ${problem.message}`);
    const value = document.toJS({ maxAliasCount: 0 }) as Json | undefined;
    return value === null || value === undefined ? [] : [value];
  });
}

/** The directories under `directory` (itself included) whose kustomization.yaml is a Kustomization (Components render only inside one). */
export function kustomizationRoots(directory: string): string[] {
  const candidates = [
    directory,
    ...readdirSync(directory, { recursive: true, encoding: 'utf8' }).map((entry) =>
      path.join(directory, entry),
    ),
  ];
  return candidates
    .filter(
      (candidate) =>
        statSync(candidate).isDirectory() && existsSync(path.join(candidate, kustomizationFile)),
    )
    .filter((candidate) => loadKustomization(candidate).kind === 'Kustomization')
    .sort();
}

/** What `kubectl kustomize <directory>` prints, as objects. */
export function renderKustomization(directory: string): KubernetesObject[] {
  return build(path.resolve(directory), 'Kustomization');
}

interface Kustomization {
  readonly directory: string;
  readonly kind: 'Kustomization' | 'Component';
  readonly fields: JsonObject;
}

function loadKustomization(directory: string): Kustomization {
  const file = path.join(directory, kustomizationFile);
  const [document, ...rest] = parseManifests(readFileSync(file, 'utf8'), file);
  const fields = asObject(document, file);
  if (rest.length > 0) throw new Error(`${file}: one document expected`);
  const unsupported = Object.keys(fields).filter((field) => !supportedFields.has(field));
  if (unsupported.length > 0)
    throw new Error(
      `${file}: ${unsupported.join(', ')} not supported by test/architecture/kustomize.ts`,
    );
  const kind = fields['kind'];
  if (
    (kind !== 'Kustomization' && kind !== 'Component') ||
    fields['apiVersion'] !== apiVersionOfKind[kind]
  ) {
    throw new Error(
      `${file}: expected kind Kustomization (${apiVersionOfKind['Kustomization']}) or Component (${apiVersionOfKind['Component']})`,
    );
  }
  return { directory, kind, fields };
}

function build(directory: string, kind: Kustomization['kind']): KubernetesObject[] {
  const kustomization = loadKustomization(directory);
  if (kustomization.kind !== kind)
    throw new Error(`${directory}: a ${kustomization.kind} where a ${kind} is expected`);
  return accumulate(kustomization, []);
}

/**
 * kustomize's order: the resources (a Component adds them to what its parent has accumulated), then the
 * components, then the generators, then the transformers over all of it.
 */
function accumulate(
  kustomization: Kustomization,
  inherited: readonly KubernetesObject[],
): KubernetesObject[] {
  const { directory, fields } = kustomization;
  let resources = [
    ...inherited,
    ...strings(fields['resources'], `${directory} resources`).flatMap((resource) => {
      const target = path.resolve(directory, resource);
      if (!existsSync(target)) throw new Error(`${directory}: resource ${resource} does not exist`);
      return statSync(target).isDirectory() ? build(target, 'Kustomization') : readObjects(target);
    }),
  ];
  for (const component of strings(fields['components'], `${directory} components`)) {
    resources = accumulate(loadComponent(path.resolve(directory, component)), resources);
  }
  const all = [...resources, ...generateConfigMaps(directory, fields['configMapGenerator'])];
  refuseDuplicates(all, directory);
  return [patch, setNamespace, addLabels, setImages].reduce(
    (current, transformer) => transformer(current, fields, directory),
    all,
  );
}

function loadComponent(directory: string): Kustomization {
  const component = loadKustomization(directory);
  if (component.kind !== 'Component')
    throw new Error(`${directory}: components must be of kind Component`);
  return component;
}

function readObjects(file: string): KubernetesObject[] {
  return parseManifests(readFileSync(file, 'utf8'), file).map((document) =>
    asKubernetesObject(document, file),
  );
}

function asKubernetesObject(value: Json, where: string): KubernetesObject {
  const object = asObject(value, where);
  const metadata = object['metadata'];
  if (
    typeof object['apiVersion'] !== 'string' ||
    typeof object['kind'] !== 'string' ||
    !isObject(metadata) ||
    typeof metadata['name'] !== 'string'
  ) {
    throw new Error(`${where}: every document needs apiVersion, kind and metadata.name`);
  }
  return object as unknown as KubernetesObject;
}

const idOf = (object: KubernetesObject) =>
  `${object.apiVersion.replace(/\/[^/]*$/, '')} ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;

function refuseDuplicates(objects: readonly KubernetesObject[], directory: string): void {
  const seen = new Set<string>();
  for (const object of objects) {
    const id = idOf(object);
    if (seen.has(id)) throw new Error(`${directory}: ${id} is defined twice`);
    seen.add(id);
  }
}

// --- generators -----------------------------------------------------------------------------------

function generateConfigMaps(directory: string, generators: Json | undefined): KubernetesObject[] {
  return mappings(generators, `${directory} configMapGenerator`).map((generator) => {
    const where = `${directory} configMapGenerator ${String(generator['name'])}`;
    only(generator, ['name', 'files', 'literals', 'behavior', 'options'], where);
    if ((generator['behavior'] ?? 'create') !== 'create')
      throw new Error(`${where}: only behavior create is supported`);
    const options = isObject(generator['options']) ? generator['options'] : {};
    only(options, ['disableNameSuffixHash', 'labels', 'annotations'], `${where} options`);
    // A hash suffix would need every reference to the ConfigMap rewritten (kustomize's nameReference).
    if (options['disableNameSuffixHash'] !== true)
      throw new Error(
        `${where}: set options.disableNameSuffixHash (name suffixes are not rendered)`,
      );
    const data: Record<string, string> = {};
    for (const entry of strings(generator['files'], `${where} files`)) {
      const [key, file] = entry.includes('=')
        ? (entry.split(/=(.*)/s) as [string, string])
        : [path.basename(entry), entry];
      data[key] = readFileSync(path.resolve(directory, file), 'utf8');
    }
    for (const entry of strings(generator['literals'], `${where} literals`)) {
      const [key, value] = entry.split(/=(.*)/s) as [string, string | undefined];
      if (value === undefined) throw new Error(`${where}: literal ${entry} is not key=value`);
      data[key] = value;
    }
    const metadata: ObjectMeta = { name: String(generator['name']) };
    if (isObject(options['labels']))
      metadata.labels = stringMap(options['labels'], `${where} labels`);
    if (isObject(options['annotations']))
      metadata.annotations = stringMap(options['annotations'], `${where} annotations`);
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data };
  });
}

// --- transformers ---------------------------------------------------------------------------------

type Transformer = (
  objects: KubernetesObject[],
  fields: JsonObject,
  directory: string,
) => KubernetesObject[];

/** Strategic-merge patches; each document names its target by apiVersion, kind and name. */
const patch: Transformer = (objects, fields, directory) => {
  let result = objects;
  for (const entry of mappings(fields['patches'], `${directory} patches`)) {
    only(entry, ['path', 'patch'], `${directory} patches (target and options are not supported)`);
    const file =
      typeof entry['path'] === 'string'
        ? path.resolve(directory, entry['path'])
        : `${directory} inline patch`;
    const source = typeof entry['path'] === 'string' ? readFileSync(file, 'utf8') : entry['patch'];
    if (typeof source !== 'string') throw new Error(`${directory}: a patch needs path or patch`);
    for (const document of parseManifests(source, file)) {
      const patchObject = asKubernetesObject(document, file);
      const matches = result.filter(
        (object) =>
          object.apiVersion === patchObject.apiVersion &&
          object.kind === patchObject.kind &&
          object.metadata.name === patchObject.metadata.name &&
          (patchObject.metadata.namespace === undefined ||
            object.metadata.namespace === patchObject.metadata.namespace),
      );
      if (matches.length !== 1)
        throw new Error(
          `${file}: the patch of ${idOf(patchObject)} matches ${matches.length} objects`,
        );
      result = result.map((object) =>
        object === matches[0]
          ? (mergePatch(object, patchObject, [], isBuiltIn(object)) as unknown as KubernetesObject)
          : object,
      );
    }
  }
  return result;
};

/** List fields of built-in kinds merged element by element, by their patchMergeKey (as kubectl does). */
const listMergeKeys: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
};

function mergePatch(
  target: unknown,
  patchValue: unknown,
  fieldPath: readonly string[],
  builtIn: boolean,
): unknown {
  if (isObject(patchValue)) {
    const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
    for (const [key, value] of Object.entries(patchValue)) {
      if (key.startsWith('$'))
        throw new Error(`patch directive ${key} at ${fieldPath.join('.')} is not supported`);
      if (value === null) delete result[key];
      else result[key] = mergePatch(result[key], value, [...fieldPath, key], builtIn);
    }
    return result;
  }
  if (Array.isArray(patchValue) && Array.isArray(target) && builtIn && patchValue.some(isObject)) {
    const key = listMergeKeys[fieldPath.at(-1) ?? ''];
    if (key === undefined)
      throw new Error(`merging the list ${fieldPath.join('.')} is not supported`);
    const merged = target.map((element) => {
      const replacement = patchValue.find(
        (candidate) => isObject(candidate) && isObject(element) && candidate[key] === element[key],
      );
      return replacement === undefined
        ? element
        : mergePatch(element, replacement, fieldPath, builtIn);
    });
    const added = patchValue.filter(
      (candidate) =>
        !target.some(
          (element) => isObject(candidate) && isObject(element) && candidate[key] === element[key],
        ),
    );
    return [...merged, ...added];
  }
  // Scalars, lists of scalars, and every list of a custom resource (no schema, so kustomize replaces it).
  return patchValue;
}

const isBuiltIn = (object: KubernetesObject) =>
  !object.apiVersion.includes('/') || /^[a-z]+\/|\.k8s\.io\//.test(object.apiVersion);

/** Kinds without a namespace (the ones a manifest here might hold); everything else is namespaced. */
const clusterScopedKinds = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'ClusterIssuer',
  'ClusterTriggerAuthentication',
  'IngressClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
]);

const setNamespace: Transformer = (objects, fields, directory) => {
  const namespace = fields['namespace'];
  if (namespace === undefined) return objects;
  if (typeof namespace !== 'string') throw new Error(`${directory}: namespace must be a string`);
  return objects.map((object) => {
    if (object.kind === 'Namespace' && object.metadata.name !== namespace)
      throw new Error(`${directory}: renaming Namespace ${object.metadata.name} is not supported`);
    if (clusterScopedKinds.has(object.kind)) return object;
    const result: KubernetesObject = { ...object, metadata: { ...object.metadata, namespace } };
    // kustomize's default (setRoleBindingSubjects: defaultOnly): ServiceAccount subjects without a namespace, or in "default".
    if (
      (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') &&
      Array.isArray(object['subjects'])
    ) {
      result['subjects'] = object['subjects'].map((subject: unknown) =>
        isObject(subject) &&
        subject['kind'] === 'ServiceAccount' &&
        (subject['namespace'] === undefined || subject['namespace'] === 'default')
          ? { ...subject, namespace }
          : subject,
      );
    }
    return result;
  });
};

/** Pod templates a label with includeTemplates reaches, by kind (kustomize's fieldSpecs). */
const templatePaths: Record<string, readonly string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

const addLabels: Transformer = (objects, fields, directory) => {
  let result = objects;
  for (const entry of mappings(fields['labels'], `${directory} labels`)) {
    only(entry, ['pairs', 'includeTemplates', 'includeSelectors'], `${directory} labels`);
    if (entry['includeSelectors'] === true)
      throw new Error(`${directory}: labels with includeSelectors are not supported`);
    const pairs = stringMap(entry['pairs'], `${directory} labels pairs`);
    result = result.map((object) => {
      const labelled = {
        ...object,
        metadata: { ...object.metadata, labels: { ...object.metadata.labels, ...pairs } },
      };
      const templatePath = templatePaths[object.kind];
      return entry['includeTemplates'] === true && templatePath
        ? (updateAt(labelled, [...templatePath, 'metadata', 'labels'], (labels) => ({
            ...(isObject(labels) ? labels : {}),
            ...pairs,
          })) as KubernetesObject)
        : labelled;
    });
  }
  return result;
};

const setImages: Transformer = (objects, fields, directory) => {
  const images = mappings(fields['images'], `${directory} images`);
  if (images.length === 0) return objects;
  for (const image of images)
    only(image, ['name', 'newName', 'newTag', 'digest'], `${directory} images`);
  const rewrite = (reference: string): string => {
    const [, name = reference, digest, tag] = /^(.*?)(?:@(.*)|:([^:/]*))?$/.exec(reference) ?? [];
    const rule = images.find((candidate) => candidate['name'] === name);
    if (!rule) return reference;
    const newName = typeof rule['newName'] === 'string' ? rule['newName'] : name;
    if (typeof rule['digest'] === 'string') return `${newName}@${rule['digest']}`;
    if (typeof rule['newTag'] === 'string') return `${newName}:${rule['newTag']}`;
    return digest === undefined && tag === undefined ? newName : reference.replace(name, newName);
  };
  return objects.map((object) => {
    const templatePath = templatePaths[object.kind];
    if (!templatePath) return object;
    return updateAt(object, [...templatePath, 'spec'], (pod) => {
      if (!isObject(pod)) return pod;
      const containersOf = (key: string) =>
        Array.isArray(pod[key])
          ? pod[key].map((container) =>
              isObject(container) && typeof container['image'] === 'string'
                ? { ...container, image: rewrite(container['image']) }
                : container,
            )
          : pod[key];
      return {
        ...pod,
        containers: containersOf('containers'),
        ...(pod['initContainers'] === undefined
          ? {}
          : { initContainers: containersOf('initContainers') }),
      };
    }) as KubernetesObject;
  });
};

// --- small helpers --------------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function asObject(value: Json | undefined, where: string): JsonObject {
  if (!isObject(value)) throw new Error(`${where}: a mapping expected`);
  return value;
}

function only(object: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const extra = Object.keys(object).filter((key) => !allowed.includes(key));
  if (extra.length > 0)
    throw new Error(
      `${where}: ${extra.join(', ')} not supported by test/architecture/kustomize.ts`,
    );
}

function strings(value: Json | undefined, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
    throw new Error(`${where}: a list of strings expected`);
  return value as string[];
}

function mappings(value: Json | undefined, where: string): JsonObject[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every(isObject))
    throw new Error(`${where}: a list of mappings expected`);
  return value as JsonObject[];
}

function stringMap(value: Json | undefined, where: string): Record<string, string> {
  if (!isObject(value) || !Object.values(value).every((item) => typeof item === 'string'))
    throw new Error(`${where}: a mapping of strings expected`);
  return value as Record<string, string>;
}

/** A copy of `object` with the value at `fieldPath` replaced by `update(old)`; missing mappings on the way are created. */
function updateAt(
  object: unknown,
  fieldPath: readonly string[],
  update: (value: unknown) => unknown,
): unknown {
  const [head, ...rest] = fieldPath;
  if (head === undefined) return update(object);
  const current = isObject(object) ? object : {};
  return { ...current, [head]: updateAt(current[head], rest, update) };
}
