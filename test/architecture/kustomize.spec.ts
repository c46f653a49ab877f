// The minimal kustomize the deployment tests render deploy/k8s with: kustomize's semantics for the
// features it supports, and a loud refusal of everything else.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type KubernetesObject,
  kustomizationRoots,
  parseManifests,
  renderKustomization,
} from './kustomize';

describe('test/architecture/kustomize.ts', () => {
  let directory: string;
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(directory, file)), { recursive: true });
    writeFileSync(path.join(directory, file), text);
  };
  const kustomization = (file: string, body: string, kind = 'Kustomization') =>
    write(
      file,
      `apiVersion: kustomize.config.k8s.io/${kind === 'Kustomization' ? 'v1beta1' : 'v1alpha1'}\nkind: ${kind}\n${body}`,
    );
  const named = (objects: KubernetesObject[], kind: string, name: string) =>
    objects.find((object) => object.kind === kind && object.metadata.name === name) as Record<
      string,
      unknown
    > &
      KubernetesObject;

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'kustomize-'));
    write(
      'base/app.yaml',
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: { name: app }',
        'spec:',
        '  template:',
        '    metadata: { labels: { app: app } }',
        '    spec:',
        '      containers:',
        '        - name: app',
        '          image: app',
        '          env: [{ name: A, value: "1" }, { name: B, value: "2" }]',
        '      volumes: [{ name: keys, secret: { secretName: keys, defaultMode: 0440 } }]',
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: { name: settings }',
        'data: { A: "1", B: "2" }',
        '---',
        'apiVersion: cert-manager.io/v1',
        'kind: Certificate',
        'metadata: { name: tls }',
        'spec: { dnsNames: [a, b] }',
        '---',
        'apiVersion: v1',
        'kind: Namespace',
        'metadata: { name: shop }',
      ].join('\n'),
    );
    write('base/dashboard.json', '{"title": "x"}\n');
    kustomization(
      'base/kustomization.yaml',
      [
        'namespace: shop',
        'labels: [{ pairs: { part-of: shop }, includeTemplates: true }]',
        'resources: [app.yaml]',
        'configMapGenerator:',
        '  - name: dashboard',
        '    files: [dashboard.json, renamed.json=dashboard.json]',
        '    literals: [K=v=w]',
        '    options: { disableNameSuffixHash: true, labels: { grafana: "1" } }',
      ].join('\n'),
    );
    kustomization(
      'release/kustomization.yaml',
      'images: [{ name: app, newName: registry.example/app, newTag: "1.2" }]',
      'Component',
    );
    write(
      'overlay/patch.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata: { B: "3", A: null }\n',
    );
    write(
      'overlay/patches.yaml',
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: { name: app }',
        'spec: { template: { spec: { containers: [{ name: app, env: [{ name: B, value: "9" }, { name: C, value: "3" }] }] } } }',
        '---',
        'apiVersion: cert-manager.io/v1',
        'kind: Certificate',
        'metadata: { name: tls }',
        'spec: { dnsNames: [c] }',
      ].join('\n'),
    );
    kustomization(
      'overlay/kustomization.yaml',
      'resources: [../base]\ncomponents: [../release]\npatches: [{ path: patch.yaml }, { path: patches.yaml }]',
    );
  });

  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('renders resources, namespaces, labels (templates included), generated ConfigMaps and images through a component', () => {
    const objects = renderKustomization(path.join(directory, 'overlay'));
    const app = named(objects, 'Deployment', 'app');
    expect(app.metadata).toEqual({ name: 'app', namespace: 'shop', labels: { 'part-of': 'shop' } });
    expect((app['spec'] as { template: { metadata: unknown } }).template.metadata).toEqual({
      labels: { app: 'app', 'part-of': 'shop' },
    });
    expect(named(objects, 'Namespace', 'shop').metadata.namespace).toBeUndefined();
    expect(named(objects, 'ConfigMap', 'dashboard')).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'dashboard',
        namespace: 'shop',
        labels: { grafana: '1', 'part-of': 'shop' },
      },
      data: { 'dashboard.json': '{"title": "x"}\n', 'renamed.json': '{"title": "x"}\n', K: 'v=w' },
    });
    const [container] = (
      app['spec'] as { template: { spec: { containers: { image: string; env: unknown }[] } } }
    ).template.spec.containers;
    expect(container!.image).toBe('registry.example/app:1.2');
  });

  it('merges patches as kustomize does: mappings key by key (null deletes), env by name, a custom resource list replaced', () => {
    const objects = renderKustomization(path.join(directory, 'overlay'));
    expect(named(objects, 'ConfigMap', 'settings')['data']).toEqual({ B: '3' });
    const [container] = (
      named(objects, 'Deployment', 'app')['spec'] as {
        template: { spec: { containers: { env: unknown }[] } };
      }
    ).template.spec.containers;
    expect(container!.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '9' },
      { name: 'C', value: '3' },
    ]);
    expect(named(objects, 'Certificate', 'tls')['spec']).toEqual({ dnsNames: ['c'] });
  });

  it('reads YAML as Kubernetes does (0440 is octal) and refuses duplicate keys', () => {
    const app = named(renderKustomization(path.join(directory, 'base')), 'Deployment', 'app');
    expect(JSON.stringify(app)).toContain('"defaultMode":288');
    expect(() => parseManifests('a: 1\na: 2\n', 'duplicate.yaml')).toThrow(/duplicate\.yaml/);
  });

  it('finds the Kustomizations (not the Components) under a directory', () => {
    expect(kustomizationRoots(directory).map((root) => path.relative(directory, root))).toEqual([
      'base',
      'overlay',
    ]);
  });

  it.each([
    [
      'a field it does not render',
      'resources: [../base]\nreplicas: [{ name: app, count: 3 }]',
      /replicas not supported/,
    ],
    [
      'a JSON 6902 patch',
      'resources: [../base]\npatches: [{ path: patch.yaml, target: { kind: ConfigMap } }]',
      /target and options are not supported/,
    ],
    [
      'a patch that matches nothing',
      'resources: [../base]\npatches: [{ patch: "apiVersion: v1\\nkind: ConfigMap\\nmetadata: { name: nothing }\\n" }]',
      /matches 0 objects/,
    ],
    [
      'a generator with a hash suffix',
      'resources: [../base]\nconfigMapGenerator: [{ name: extra, literals: [A=1] }]',
      /disableNameSuffixHash/,
    ],
    ['a resource defined twice', 'resources: [../base, ../base/app.yaml]', /defined twice/],
    ['a missing resource', 'resources: [../nowhere]', /does not exist/],
  ])('refuses %s', (_case, body, error) => {
    kustomization('overlay/kustomization.yaml', body);
    expect(() => renderKustomization(path.join(directory, 'overlay'))).toThrow(error);
  });
});
