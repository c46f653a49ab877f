// deploy/k8s must stay in step with the code. Checked on what each environment applies (its overlay
// and the kustomizations nested in it, rendered by test/architecture/kustomize.ts): the Strimzi
// resources are generated from the topic catalogue and the services' consumers (a topic or a consumer
// added without regenerating them fails here) and cover every topic the code uses, a service's KafkaUser
// reads exactly the topics its code consumes, no workload may take its database URL, admin credentials or other secrets from anywhere but
// a Secret, private keys (TLS, key custody) are only mounted from Secrets, a service that ends TLS itself
// is probed over HTTPS, and no public Service exposes an admin port. Schemas, pod security and probes of
// every kustomization: deployment-validity.spec.ts; autoscaling and telemetry: deployment-operations.spec.ts.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { eventDefinitions, serviceNames, topicCatalogue } from '@settle/contracts';
import { deadLetterTopicOf, topicSpecifications } from '@settle/messaging';
/* eslint-disable @nx/enforce-module-boundaries -- applications have no package alias, the generator is a deploy script; this test reads both */
import { rebuildSourceTopics } from '../../apps/ledger/src/check-journal/rebuild-from-topic';
import {
  autoscalerKafkaUserName,
  kafkaClusterName,
  kafkaManifests,
  kafkaUserNameOf,
  readersOf,
  readsOutsideConsumers,
  resourceGuardKeyStatusServices,
  topicMinInsyncReplicas,
  topicReplicas,
} from '../../deploy/k8s/generate-kafka-resources';
/* eslint-enable @nx/enforce-module-boundaries */
import {
  at,
  environmentObjects,
  environments,
  podSpecOf,
  topicsConsumedInCode,
} from './deploy-k8s';

const root = path.join(__dirname, '../..');
const regenerate = 'node -r @swc-node/register deploy/k8s/generate-kafka-resources.ts';
/** End of support of the Node.js LTS lines (the nodejs.org release schedule): an image on a line past it fails. */
const nodeLtsEndOfLife: Readonly<Record<number, string>> = {
  22: '2027-04-30',
  24: '2028-04-30',
  26: '2029-04-30',
};
/** Variables that hold secrets: only ever from a Secret (docs/configuration.md marks them secret). */
const secretVariables = [
  'DATABASE_URL',
  'SETTLE_ADMIN_CREDENTIALS',
  'SETTLE_AUTH_DPOP_NONCE_SECRET',
] as const;
/** Every Deployment has these (a migration Job only DATABASE_URL). */
const requiredSecretVariables = ['DATABASE_URL', 'SETTLE_ADMIN_CREDENTIALS'] as const;
/** Variables naming a file with a private key (or the key-custody document): the file must come from a Secret volume. */
const secretFileVariables = [
  'SETTLE_KEY_CUSTODY_FILE',
  'SETTLE_HTTP_TLS_KEY_FILE',
  'SETTLE_KAFKA_TLS_KEY_FILE',
] as const;
/** Private key material that must never sit in a ConfigMap (PEM keys, JWKs with "d", custody documents). */
const privateKeyPattern = /PRIVATE KEY-----|"privateJwk"|"d"\s*:/;

describe('the image (Dockerfile)', () => {
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');

  it('builds and runs on a Node.js LTS line still in support, a slim base, as the numeric user the pods run as', () => {
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1] ?? '';
    const endOfLife = nodeLtsEndOfLife[Number(/^node:(\d+)[.-]/.exec(image)?.[1])];
    expect({
      image,
      lts: endOfLife !== undefined,
      inSupport: endOfLife !== undefined && Date.now() < Date.parse(`${endOfLife}T00:00:00Z`),
      slim: image.endsWith('-slim'),
    }).toEqual({
      image,
      lts: true,
      inSupport: true,
      slim: true,
    });
    expect(dockerfile.match(/^FROM \$\{NODE_IMAGE\}/gm)?.length).toBe(2);
    const [, user, group] = /^USER (\d+):(\d+)$/m.exec(dockerfile) ?? [];
    for (const environment of environments()) {
      const workloads = environmentObjects(environment).filter(
        ({ object }) =>
          podSpecOf(object) &&
          ['service', 'migration'].includes(
            object.metadata.labels?.['app.kubernetes.io/component'] ?? '',
          ),
      );
      expect(workloads.length).toBeGreaterThan(0);
      for (const { object } of workloads) {
        const pod = podSpecOf(object);
        expect({
          workload: object.metadata.name,
          user: at(pod, 'securityContext', 'runAsUser'),
          group: at(pod, 'securityContext', 'runAsGroup'),
        }).toEqual({
          workload: object.metadata.name,
          user: Number(user),
          group: Number(group),
        });
      }
    }
  });
});

describe.each(environments())('deploy/k8s/overlays/%s, rendered', (environment) => {
  const manifests: Manifest[] = environmentObjects(environment).map(({ source, object }) => ({
    file: `${source}: ${object.kind} ${object.metadata.name}`,
    kind: object.kind,
    document: toYaml(object),
  }));
  const ofKind = (kind: string) => manifests.filter((manifest) => manifest.kind === kind);

  describe('Kafka resources (generated)', () => {
    it.each(Object.keys(kafkaManifests()))(
      '%s is what the generator produces from the catalogue now',
      (file) => {
        const committed = readFileSync(path.join(root, file), 'utf8');
        if (committed !== kafkaManifests()[file]) {
          throw new Error(
            `${file} is out of date with the topic catalogue or the generator; regenerate it:\n  ${regenerate}`,
          );
        }
      },
    );

    it('has one KafkaTopic per topicSpecifications() entry, with its partitions and config, 3 replicas and min.insync.replicas 2', () => {
      const topics = ofKind('KafkaTopic').map(({ document }) => ({
        cluster: text(document, 'metadata', 'labels', 'strimzi.io/cluster'),
        name: text(document, 'spec', 'topicName'),
        partitions: Number(text(document, 'spec', 'partitions')),
        replicas: Number(text(document, 'spec', 'replicas')),
        config: map(document, 'spec', 'config'),
      }));
      expect(topics).toEqual(
        topicSpecifications().map((topic) => ({
          cluster: kafkaClusterName,
          name: topic.name,
          partitions: topic.partitions,
          replicas: topicReplicas,
          config: { ...topic.config, 'min.insync.replicas': String(topicMinInsyncReplicas) },
        })),
      );
      expect(topics.map((topic) => topic.name)).toEqual(
        expect.arrayContaining(serviceNames.map(deadLetterTopicOf)),
      );
    });

    it('lets each service write only the topics it produces and its dead letters, read only those its code consumes, use only its own groups', () => {
      const users = ofKind('KafkaUser');
      expect(users.map(({ document }) => text(document, 'metadata', 'name'))).toEqual([
        ...serviceNames.map(kafkaUserNameOf),
        autoscalerKafkaUserName,
      ]);
      for (const service of serviceNames) {
        const { document } = users.find(
          (user) => text(user.document, 'metadata', 'name') === kafkaUserNameOf(service),
        )!;
        expect(text(document, 'spec', 'authentication', 'type')).toBe('tls');
        const acls = list(document, 'spec', 'authorization', 'acls').map((rule) => ({
          type: text(rule, 'resource', 'type'),
          name: optionalText(rule, 'resource', 'name'),
          patternType: optionalText(rule, 'resource', 'patternType'),
          operations: list(rule, 'operations').map((operation) => text(operation)),
        }));
        const topicsWith = (operation: string) =>
          acls
            .filter((acl) => acl.type === 'topic' && acl.operations.includes(operation))
            .map((acl) => `${acl.patternType}:${acl.name}`)
            .sort();
        expect(topicsWith('Write')).toEqual(
          [
            ...topicCatalogue
              .filter((topic) => topic.producer === service)
              .map((topic) => topic.name),
            deadLetterTopicOf(service),
          ]
            .map((name) => `literal:${name}`)
            .sort(),
        );
        const reads = new Set([
          ...topicsConsumedInCode(service),
          ...(readsOutsideConsumers[service] ?? []).map((read) => read.topic),
        ]);
        expect({ service, reads: topicsWith('Read') }).toEqual({
          service,
          reads: [...reads].map((name) => `literal:${name}`).sort(),
        });
        expect(acls.filter((acl) => acl.type === 'group')).toEqual([
          { type: 'group', name: `${service}.`, patternType: 'prefix', operations: ['Read'] },
        ]);
        expect(
          acls
            .flatMap((acl) => acl.operations)
            .filter(
              (operation) => !['Describe', 'Read', 'Write', 'IdempotentWrite'].includes(operation),
            ),
        ).toEqual([]);
      }
    });

    it('has a KafkaTopic for every topic the code uses: the catalogue, every event definition, every consumer, every dead-letter topic', () => {
      const topics = new Set(
        ofKind('KafkaTopic').map(({ document }) => text(document, 'spec', 'topicName')),
      );
      const used = new Set([
        ...topicCatalogue.map((topic) => topic.name),
        ...eventDefinitions.map((definition) => definition.topic),
        ...serviceNames.flatMap(topicsConsumedInCode),
        ...serviceNames.map(deadLetterTopicOf),
      ]);
      expect(used.size).toBeGreaterThan(topicCatalogue.length);
      expect([...used].filter((topic) => !topics.has(topic)).sort()).toEqual([]);
      for (const { document } of ofKind('KafkaTopic'))
        expect(text(document, 'metadata', 'labels', 'strimzi.io/cluster')).toBe(kafkaClusterName);
    });

    it("lets each service read every topic its code consumes (its consumers' topics, and the resource guard's key-status consumer)", () => {
      const users = ofKind('KafkaUser');
      for (const service of serviceNames) {
        const { document } = users.find(
          (user) => text(user.document, 'metadata', 'name') === kafkaUserNameOf(service),
        )!;
        const readable = list(document, 'spec', 'authorization', 'acls')
          .filter(
            (rule) =>
              text(rule, 'resource', 'type') === 'topic' &&
              list(rule, 'operations').some((operation) => text(operation) === 'Read'),
          )
          .map((rule) => text(rule, 'resource', 'name'));
        // The group <service>.resource-guard-binding-keys is covered by the group prefix checked above.
        expect({
          service,
          unreadable: topicsConsumedInCode(service).filter((topic) => !readable.includes(topic)),
        }).toEqual({ service, unreadable: [] });
      }
      expect(resourceGuardKeyStatusServices).toEqual(['verifier']);
      expect(topicsConsumedInCode('verifier')).toContain('registry.key-lifecycle.v1');
    });

    it("names each topic's readers in docs/events.md as the code reads it", () => {
      const document = readFileSync(path.join(root, 'docs/events.md'), 'utf8');
      const documented = topicCatalogue.map((topic) => {
        const row = new RegExp(
          `^\\| \`${topic.name.replaceAll('.', '\\.')}\` \\|.*\\| ([^|]*) \\|$`,
          'm',
        ).exec(document);
        const named = (row?.[1] ?? '')
          .split(/,\s*|\s+/)
          .filter((word): word is (typeof serviceNames)[number] =>
            (serviceNames as readonly string[]).includes(word),
          );
        return { topic: topic.name, readers: [...named].sort() };
      });
      expect(documented).toEqual(
        topicCatalogue.map((topic) => ({
          topic: topic.name,
          readers: [...readersOf(topic.name)].sort(),
        })),
      );
    });

    it("grants the reads outside consumer classes: the ledger's rebuild from the topic reads exactly its source topics", () => {
      expect(Object.keys(readsOutsideConsumers)).toEqual(['ledger']);
      expect((readsOutsideConsumers.ledger ?? []).map((read) => read.topic).sort()).toEqual(
        Object.values(rebuildSourceTopics).flat().sort(),
      );
    });
  });

  describe('workloads', () => {
    const workloads = [...ofKind('Deployment'), ...ofKind('Job')].map((manifest) => ({
      ...manifest,
      name: text(manifest.document, 'metadata', 'name'),
      pod: map(manifest.document, 'spec', 'template', 'spec'),
    }));
    const containersOf = (pod: Yaml) => [
      ...(optionalList(pod, 'initContainers') ?? []),
      ...list(pod, 'containers'),
    ];
    const envOf = (container: Yaml | undefined, name: string) =>
      (optionalList(container, 'env') ?? []).find((entry) => text(entry, 'name') === name);
    const deploymentOf = (service: string) =>
      workloads.find((workload) => workload.kind === 'Deployment' && workload.name === service);
    /** The services' Deployments and Jobs (the collector's Deployment is app.kubernetes.io/component=telemetry). */
    const serviceWorkloads = workloads.filter((workload) =>
      ['service', 'migration'].includes(
        optionalText(workload.document, 'metadata', 'labels', 'app.kubernetes.io/component') ?? '',
      ),
    );
    const configMaps = ofKind('ConfigMap');

    it('has a Deployment, Service and PodDisruptionBudget per service, and a migration Job per service', () => {
      const namesOf = (kind: string) =>
        ofKind(kind)
          .map(({ document }) => text(document, 'metadata', 'name'))
          .sort();
      expect(
        serviceWorkloads
          .filter((workload) => workload.kind === 'Deployment')
          .map((workload) => workload.name)
          .sort(),
      ).toEqual([...serviceNames].sort());
      const services = ofKind('Service').filter(
        ({ document }) =>
          text(document, 'metadata', 'labels', 'app.kubernetes.io/component') === 'service',
      );
      expect(services.map(({ document }) => text(document, 'metadata', 'name')).sort()).toEqual(
        [...serviceNames].sort(),
      );
      expect(namesOf('PodDisruptionBudget')).toEqual([...serviceNames].sort());
      expect(namesOf('Job')).toEqual(serviceNames.map((service) => `${service}-migrate`).sort());
    });

    it('takes DATABASE_URL, SETTLE_ADMIN_CREDENTIALS and SETTLE_AUTH_DPOP_NONCE_SECRET only from Secrets (every service Deployment has the first two)', () => {
      expect(workloads.length).toBeGreaterThan(0);
      for (const workload of workloads) {
        const containers = containersOf(workload.pod);
        for (const container of containers) {
          for (const variable of secretVariables) {
            const entry = envOf(container, variable);
            if (!entry) continue;
            const where = `${workload.file}: ${workload.kind} ${workload.name}, ${variable}`;
            expect({
              where,
              value: optionalText(entry, 'value'),
              configMapKeyRef: get(entry, 'valueFrom', 'configMapKeyRef'),
            }).toEqual({ where, value: undefined, configMapKeyRef: undefined });
            expect({
              where,
              secret: text(entry, 'valueFrom', 'secretKeyRef', 'name').length > 0,
              key: text(entry, 'valueFrom', 'secretKeyRef', 'key'),
            }).toEqual({ where, secret: true, key: variable });
          }
          // envFrom may name ConfigMaps only if they hold no secret variable (checked below) and exist here.
          for (const source of optionalList(container, 'envFrom') ?? []) {
            const configMap = optionalText(source, 'configMapRef', 'name');
            if (configMap !== undefined)
              expect(
                configMaps.map(({ document }) => text(document, 'metadata', 'name')),
              ).toContain(configMap);
          }
        }
        if (!serviceWorkloads.includes(workload)) continue;
        const required =
          workload.kind === 'Deployment' ? requiredSecretVariables : (['DATABASE_URL'] as const);
        for (const variable of required) {
          expect({
            workload: workload.name,
            variable,
            found: containers.some((container) => envOf(container, variable) !== undefined),
          }).toEqual({ workload: workload.name, variable, found: true });
        }
      }
    });

    it('puts no secret variable and no private key in a ConfigMap (generated ones included)', () => {
      for (const { file, document } of configMaps) {
        const data = optionalMap(document, 'data') ?? {};
        expect({
          file,
          keys: Object.keys(data).filter((key) =>
            (secretVariables as readonly string[]).includes(key),
          ),
        }).toEqual({ file, keys: [] });
        expect({
          file,
          privateKeys: Object.keys(data).filter((key) => privateKeyPattern.test(String(data[key]))),
        }).toEqual({ file, privateKeys: [] });
      }
    });

    it('migrates in the Jobs (node dist/libs/platform …) and not at start-up, with the service selected by the command', () => {
      expect(existsSync(path.join(root, 'libs/platform/src/index.ts'))).toBe(true);
      for (const service of serviceNames) {
        const deployment = deploymentOf(service)!;
        const [container] = list(deployment.pod, 'containers');
        expect(list(container, 'command').map((part) => text(part))).toEqual([
          'node',
          `dist/apps/${service}/src/main.js`,
        ]);
        expect(text(envOf(container, 'SETTLE_MIGRATE_ON_START')!, 'value')).toBe('false');
        const job = workloads.find(
          (workload) => workload.kind === 'Job' && workload.name === `${service}-migrate`,
        )!;
        const command = list(list(job.pod, 'containers')[0], 'command').map((part) => text(part));
        expect(command[0]).toBe('node');
        expect(command.join(' ')).toContain('./dist/libs/platform/src/index.js');
        expect(command.at(-1)).toBe(service);
        expect(existsSync(path.join(root, `apps/${service}/src/service-definition.ts`))).toBe(true);
      }
    });

    it('runs non-root on a read-only root file system, without service-link variables (unknown SETTLE_* variables stop a service)', () => {
      for (const workload of workloads) {
        const where = `${workload.kind} ${workload.name}`;
        expect({
          where,
          enableServiceLinks: optionalText(workload.pod, 'enableServiceLinks'),
          runAsNonRoot: optionalText(workload.pod, 'securityContext', 'runAsNonRoot'),
        }).toEqual({
          where,
          enableServiceLinks: 'false',
          runAsNonRoot: 'true',
        });
        for (const container of containersOf(workload.pod)) {
          expect({
            where,
            readOnly: optionalText(container, 'securityContext', 'readOnlyRootFilesystem'),
            escalation: optionalText(container, 'securityContext', 'allowPrivilegeEscalation'),
          }).toEqual({
            where,
            readOnly: 'true',
            escalation: 'false',
          });
        }
      }
    });

    it('probes /health/ready and /health/live, and gives SIGTERM more time than preStop + SETTLE_SHUTDOWN_GRACE_MS + 5 s', () => {
      const baseConfig = configMaps.find(
        ({ document }) => text(document, 'metadata', 'name') === 'settle-config',
      )!;
      const graceSeconds =
        Number(text(baseConfig.document, 'data', 'SETTLE_SHUTDOWN_GRACE_MS')) / 1000;
      for (const service of serviceNames) {
        const deployment = deploymentOf(service)!;
        const [container] = list(deployment.pod, 'containers');
        expect(text(container, 'readinessProbe', 'httpGet', 'path')).toBe('/health/ready');
        expect(text(container, 'livenessProbe', 'httpGet', 'path')).toBe('/health/live');
        const preStop = optionalList(container, 'lifecycle', 'preStop', 'exec', 'command')?.map(
          (part) => text(part),
        );
        const preStopSeconds = preStop?.[0] === 'sleep' ? Number(preStop[1]) : 0;
        expect(Number(text(deployment.pod, 'terminationGracePeriodSeconds'))).toBeGreaterThan(
          preStopSeconds + graceSeconds + 5,
        );
        // Two replicas, or none where a ScaledObject owns the count (deployment-operations.spec.ts).
        const scaled = ofKind('ScaledObject').some(
          ({ document }) => text(document, 'spec', 'scaleTargetRef', 'name') === service,
        );
        expect({
          service,
          replicas: optionalText(deployment.document, 'spec', 'replicas'),
        }).toEqual({ service, replicas: scaled ? undefined : '2' });
      }
    });

    /** A variable's value in a container: its literal `value`, else the key of an envFrom ConfigMap. */
    const valueOf = (container: Yaml | undefined, name: string): string | undefined => {
      const entry = envOf(container, name);
      if (entry) return optionalText(entry, 'value');
      for (const source of optionalList(container, 'envFrom') ?? []) {
        const configMap = configMaps.find(
          ({ document }) =>
            text(document, 'metadata', 'name') === optionalText(source, 'configMapRef', 'name'),
        );
        const value = configMap ? optionalText(configMap.document, 'data', name) : undefined;
        if (value !== undefined) return value;
      }
      return undefined;
    };
    /** The volume a file path lies in (through the container's volumeMounts), or undefined. */
    const volumeOf = (pod: Yaml, container: Yaml | undefined, file: string): Yaml | undefined => {
      const mount = (optionalList(container, 'volumeMounts') ?? []).find((candidate) =>
        file.startsWith(`${text(candidate, 'mountPath').replace(/\/$/, '')}/`),
      );
      return mount
        ? (optionalList(pod, 'volumes') ?? []).find(
            (volume) => text(volume, 'name') === text(mount, 'name'),
          )
        : undefined;
    };

    it('reads private keys and key-custody documents only from files mounted from Secrets', () => {
      for (const workload of workloads) {
        for (const container of containersOf(workload.pod)) {
          for (const variable of secretFileVariables) {
            const file = valueOf(container, variable);
            if (file === undefined || file === '') continue;
            const where = `${workload.kind} ${workload.name}, ${variable}=${file}`;
            expect({
              where,
              fromSecretVolume:
                optionalText(volumeOf(workload.pod, container, file), 'secret', 'secretName') !==
                undefined,
            }).toEqual({ where, fromSecretVolume: true });
          }
        }
      }
    });

    it('serves HTTPS itself (probed with scheme HTTPS) wherever token binding needs TLS in the process', () => {
      for (const service of serviceNames) {
        const deployment = deploymentOf(service)!;
        const [container] = list(deployment.pod, 'containers');
        const tls = (valueOf(container, 'SETTLE_HTTP_TLS_CERT_FILE') ?? '') !== '';
        const guardInTokenBindingMode =
          valueOf(container, 'SETTLE_AUTH_JWKS_URL') !== undefined &&
          (valueOf(container, 'SETTLE_AUTH_MODE') ?? 'token-binding') === 'token-binding';
        const issuerWithTokenBinding =
          service === 'token-issuer' &&
          (valueOf(container, 'SETTLE_TOKEN_ISSUER_BINDING_MODES') ?? 'token-binding').includes(
            'token-binding',
          );
        if (guardInTokenBindingMode || issuerWithTokenBinding)
          expect({ service, tls }).toEqual({ service, tls: true });
        const schemes = ['startupProbe', 'readinessProbe', 'livenessProbe'].map(
          (probe) => optionalText(container, probe, 'httpGet', 'scheme') ?? 'HTTP',
        );
        expect({ service, schemes }).toEqual({
          service,
          schemes: [tls ? 'HTTPS' : 'HTTP', tls ? 'HTTPS' : 'HTTP', tls ? 'HTTPS' : 'HTTP'],
        });
      }
    });

    it('exposes services publicly only through layer-4 load balancers to pods that end TLS themselves (no TLS-ending ingress)', () => {
      expect(ofKind('Ingress')).toEqual([]);
      for (const { file, document } of ofKind('Service').filter(({ document }) =>
        isPublic(document),
      )) {
        const name = text(document, 'metadata', 'name');
        const service = serviceNames.find((candidate) => name === `${candidate}-public`);
        const [container] = service ? list(deploymentOf(service)!.pod, 'containers') : [undefined];
        const tls =
          container !== undefined && (valueOf(container, 'SETTLE_HTTP_TLS_CERT_FILE') ?? '') !== '';
        const targets = list(document, 'spec', 'ports').map((port) => text(port, 'targetPort'));
        expect({ file, name, service, type: text(document, 'spec', 'type'), tls, targets }).toEqual(
          {
            file,
            name,
            service: expect.any(String),
            type: 'LoadBalancer',
            tls: true,
            targets: ['https'],
          },
        );
      }
    });

    /** Not a ClusterIP Service of the services or the collector: a LoadBalancer, a NodePort, external IPs, or anything labelled otherwise. */
    const isPublic = (document: Yaml) =>
      (optionalText(document, 'spec', 'type') ?? 'ClusterIP') !== 'ClusterIP' ||
      optionalList(document, 'spec', 'externalIPs') !== undefined ||
      !['service', 'telemetry'].includes(
        text(document, 'metadata', 'labels', 'app.kubernetes.io/component'),
      );

    /** The container port named `admin` and SETTLE_ADMIN_PORT of a service's Deployment, if it has an admin listener. */
    const adminPortOf = (
      service: string,
    ): { containerPort: string | undefined; variable: string | undefined } => {
      const [container] = list(deploymentOf(service)!.pod, 'containers');
      const port = (optionalList(container, 'ports') ?? []).find(
        (candidate) => text(candidate, 'name') === 'admin',
      );
      return {
        containerPort: optionalText(port, 'containerPort'),
        variable: valueOf(container, 'SETTLE_ADMIN_PORT'),
      };
    };
    /** Every service keeps its admin routes on the admin port: the public ones (edge.yaml) and the ledger, which moves money (issue 13 §2). */
    const adminPortServices = ['registry', 'token-issuer', 'verifier', 'ledger'];

    it('serves the admin routes of every service on a separate admin port, named admin', () => {
      for (const service of adminPortServices) {
        const { containerPort, variable } = adminPortOf(service);
        expect({ service, containerPort, variable }).toEqual({
          service,
          containerPort: expect.stringMatching(/^[1-9]\d*$/),
          variable: containerPort,
        });
      }
      for (const service of serviceNames) {
        const { containerPort, variable } = adminPortOf(service);
        // Either both or neither: a named port without the variable would point at nothing.
        expect({ service, containerPort, variable }).toEqual({
          service,
          containerPort: variable,
          variable: containerPort,
        });
      }
    });

    it('never exposes the admin port through a public Service (LoadBalancer, NodePort, external IPs or not component=service)', () => {
      const adminPortNumbers = new Set(
        serviceNames
          .map((service) => adminPortOf(service).containerPort)
          .filter((port) => port !== undefined),
      );
      const services = ofKind('Service');
      const publicServices = services.filter(({ document }) => isPublic(document));
      expect(
        publicServices.map(({ document }) => text(document, 'metadata', 'name')).sort(),
      ).toEqual(
        expect.arrayContaining(['registry-public', 'token-issuer-public', 'verifier-public']),
      );
      for (const { file, document } of publicServices) {
        const name = text(document, 'metadata', 'name');
        for (const port of list(document, 'spec', 'ports')) {
          const exposed = [
            optionalText(port, 'name'),
            optionalText(port, 'targetPort'),
            optionalText(port, 'port'),
          ];
          const admin = exposed.some(
            (value) => value === 'admin' || (value !== undefined && adminPortNumbers.has(value)),
          );
          expect({ file, name, exposed, admin }).toEqual({ file, name, exposed, admin: false });
        }
      }
      // The in-cluster Services that do carry it are ClusterIP, and a NetworkPolicy limits who reaches it.
      for (const service of adminPortServices) {
        const { document } = services.find(
          ({ document: candidate }) => text(candidate, 'metadata', 'name') === service,
        )!;
        expect(optionalText(document, 'spec', 'type') ?? 'ClusterIP').toBe('ClusterIP');
        expect(list(document, 'spec', 'ports').map((port) => text(port, 'targetPort'))).toContain(
          'admin',
        );
      }
    });

    it("admits to the admin port only the operators' labelled pods in the operators' namespaces (NetworkPolicy)", () => {
      for (const service of adminPortServices) {
        const policies = ofKind('NetworkPolicy').filter(
          ({ document }) =>
            optionalText(
              document,
              'spec',
              'podSelector',
              'matchLabels',
              'app.kubernetes.io/name',
            ) === service,
        );
        const adminRules = policies.flatMap(({ document }) =>
          (optionalList(document, 'spec', 'ingress') ?? []).filter((rule) =>
            (optionalList(rule, 'ports') ?? []).some(
              (port) => optionalText(port, 'port') === 'admin',
            ),
          ),
        );
        expect({ service, policies: policies.length, adminRules: adminRules.length }).toEqual({
          service,
          policies: 1,
          adminRules: 1,
        });
        const sources = list(adminRules[0], 'from');
        expect(sources).toEqual([
          {
            namespaceSelector: { matchLabels: { 'settle.io/operators': 'true' } },
            podSelector: { matchLabels: { 'settle.io/admin-client': 'true' } },
          },
        ]);
        // No other rule opens the admin port (a rule without ports opens every port).
        for (const rule of optionalList(policies[0]!.document, 'spec', 'ingress') ?? []) {
          const ports = (optionalList(rule, 'ports') ?? []).map((port) =>
            optionalText(port, 'port'),
          );
          expect({ service, ports }).toEqual({
            service,
            ports: expect.arrayContaining([expect.anything()]),
          });
        }
      }
    });

    it("fetches the token issuer's JWKS over HTTPS from its Service, trusting a CA mounted from a Secret", () => {
      for (const workload of workloads.filter((candidate) => candidate.kind === 'Deployment')) {
        const [container] = list(workload.pod, 'containers');
        const url = valueOf(container, 'SETTLE_AUTH_JWKS_URL');
        if (url === undefined) continue;
        expect({ service: workload.name, url }).toEqual({
          service: workload.name,
          url: expect.stringMatching(
            /^https:\/\/token-issuer\.settle\.svc(\.cluster\.local)?(:443)?\/\.well-known\/jwks\.json$/,
          ),
        });
        const ca = valueOf(container, 'NODE_EXTRA_CA_CERTS') ?? '';
        expect({
          service: workload.name,
          caFromSecret:
            optionalText(volumeOf(workload.pod, container, ca), 'secret', 'secretName') !==
            undefined,
        }).toEqual({ service: workload.name, caFromSecret: true });
      }
    });
  });
});

// --- manifests as text -------------------------------------------------------------------------------
// The checks below read the rendered objects with every scalar as its text ("2", "false"), as written.

interface Manifest {
  /** The kustomization (relative to deploy/k8s), kind and name. */
  readonly file: string;
  readonly kind: string;
  readonly document: Yaml;
}

type Yaml = string | null | Yaml[] | { [key: string]: Yaml };

function toYaml(value: unknown): Yaml {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(toYaml);
  if (typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, toYaml(field)]));
  return String(value);
}

function get(node: Yaml | undefined, ...keys: string[]): Yaml | undefined {
  let current = node;
  for (const key of keys) {
    if (
      current === null ||
      current === undefined ||
      typeof current !== 'object' ||
      Array.isArray(current)
    )
      return undefined;
    current = current[key];
  }
  return current;
}

function optionalText(node: Yaml | undefined, ...keys: string[]): string | undefined {
  const value = get(node, ...keys);
  if (value !== undefined && typeof value !== 'string')
    throw new Error(`${keys.join('.')} is not a scalar`);
  return value;
}

function text(node: Yaml | undefined, ...keys: string[]): string {
  const value = optionalText(node, ...keys);
  if (value === undefined) throw new Error(`${keys.join('.')} is missing`);
  return value;
}

function optionalList(node: Yaml | undefined, ...keys: string[]): Yaml[] | undefined {
  const value = get(node, ...keys);
  if (value !== undefined && value !== null && !Array.isArray(value))
    throw new Error(`${keys.join('.')} is not a list`);
  return value ?? undefined;
}

function list(node: Yaml | undefined, ...keys: string[]): Yaml[] {
  const value = optionalList(node, ...keys);
  if (value === undefined) throw new Error(`${keys.join('.')} is missing`);
  return value;
}

function optionalMap(
  node: Yaml | undefined,
  ...keys: string[]
): { [key: string]: Yaml } | undefined {
  const value = get(node, ...keys);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${keys.join('.')} is not a mapping`);
  return value;
}

function map(node: Yaml | undefined, ...keys: string[]): { [key: string]: Yaml } {
  const value = optionalMap(node, ...keys);
  if (value === undefined) throw new Error(`${keys.join('.')} is missing`);
  return value;
}
