// Validation of rendered objects against the Kubernetes OpenAPI schemas, offline: the schemas ship
// compiled in the pinned npm packages kubernetes-models 4.5.1 (Kubernetes 1.33 API),
// @kubernetes-models/keda 0.4.2 and @kubernetes-models/cert-manager 4.4.4 (their CRDs). Only the API
// versions listed below are accepted: a removed or beta API (extensions/v1beta1, autoscaling/v2beta2)
// has no schema here and fails like a typo in a kind does.
//
// Strict like `kubectl apply` (field validation Strict, its default): the Kubernetes schemas do not
// forbid unknown fields, so each object is handed to the validator behind a proxy that records every
// field the validator reads; a field it never read is not in the schema ("readinessProbe.periodSecond").
import * as certManager from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as batch from 'kubernetes-models/batch/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as rbac from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as core from 'kubernetes-models/v1';
import { type KubernetesObject } from './kustomize';

interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  readonly prototype: { validate(this: unknown): void };
}

const isModelClass = (value: unknown): value is ModelClass =>
  typeof value === 'function' &&
  typeof (value as Partial<ModelClass>).apiVersion === 'string' &&
  typeof (value as Partial<ModelClass>).kind === 'string';

const models = new Map<string, ModelClass>(
  [core, apps, batch, policy, networking, rbac, autoscaling, keda, certManager]
    .flatMap((module) => Object.values(module).filter(isModelClass))
    .map((model) => [`${model.apiVersion} ${model.kind}`, model]),
);

/** `apiVersion kind` of every type this module can validate. */
export function validatedTypes(): string[] {
  return [...models.keys()].sort();
}

/** Whether the schemas here cover the object's type. */
export function hasSchema(object: Pick<KubernetesObject, 'apiVersion' | 'kind'>): boolean {
  return models.has(`${object.apiVersion} ${object.kind}`);
}

/**
 * Everything wrong with an object by its schema: type errors, missing required fields, values outside
 * an enum, and fields the schema does not have. Empty when it is valid.
 */
export function schemaProblems(object: KubernetesObject): string[] {
  const model = models.get(`${object.apiVersion} ${object.kind}`);
  if (!model) return [`no schema for ${object.apiVersion} ${object.kind}`];
  const reads = new ReadTracker();
  const problems: string[] = [];
  try {
    model.prototype.validate.call(reads.track(object, ''));
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  problems.push(...reads.unread().map((field) => `unknown field ${field}`));
  return problems;
}

/** Wraps objects in proxies that remember which own fields were read, at any depth. */
class ReadTracker {
  private readonly reads = new Map<
    object,
    { readonly path: string; readonly fields: Set<string> }
  >();
  private readonly proxies = new Map<object, object>();

  track(value: unknown, path: string): unknown {
    if (value === null || typeof value !== 'object') return value;
    const known = this.proxies.get(value);
    if (known) return known;
    const fields = new Set<string>();
    this.reads.set(value, { path, fields });
    const proxy = new Proxy(value, {
      get: (target, key, receiver) => {
        const field: unknown = Reflect.get(target, key, receiver);
        if (typeof key !== 'string' || !Object.hasOwn(target, key)) return field;
        fields.add(key);
        return this.track(field, `${path}/${key}`);
      },
    });
    this.proxies.set(value, proxy);
    return proxy;
  }

  /** JSON pointers of the fields of objects (not arrays) the validator never looked at. */
  unread(): string[] {
    return [...this.reads].flatMap(([value, { path, fields }]) =>
      Array.isArray(value)
        ? []
        : Object.keys(value)
            .filter((key) => !fields.has(key))
            .map((key) => `${path}/${key}`),
    );
  }
}
