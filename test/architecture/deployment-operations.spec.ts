// What each environment applies (deploy/k8s/overlays/<environment> and its nested kustomizations,
// rendered) must run as the code expects: every pod's environment passes its service's configuration
// loader (an unknown SETTLE_* variable stops a service); every Secret referenced is made by an operator
// resource or listed in docs/deployment.md; the verifier and the ledger scale on the lag of consumer
// groups their code has, never above the partitions of the topics watched, and at full scale stay
// within PostgreSQL's max_connections; the OpenTelemetry collector receives the services' spans and
// scrapes their metrics port, and the Grafana dashboard queries only the metrics the services export,
// by the labels they carry.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type ServiceName, serviceNames, topicCatalogue } from '@settle/contracts';
import { loadServiceConfig, type ServiceDefinition } from '@settle/platform';
import { MetricAttribute, MetricName } from '@settle/telemetry';
/* eslint-disable @nx/enforce-module-boundaries -- applications have no package alias, the generator is a deploy script; this test reads both */
import { serviceDefinition as ledger } from '../../apps/ledger/src/service-definition';
import { serviceDefinition as registry } from '../../apps/registry/src/service-definition';
import { serviceDefinition as tokenIssuer } from '../../apps/token-issuer/src/service-definition';
import { serviceDefinition as verifier } from '../../apps/verifier/src/service-definition';
import {
  autoscalerKafkaUserName,
  consumerGroupOf,
  kafkaClusterName,
  lagScaledConsumers,
} from '../../deploy/k8s/generate-kafka-resources';
/* eslint-enable @nx/enforce-module-boundaries */
import {
  at,
  consumersInCode,
  containersOf,
  environmentObjects,
  environmentOf,
  environments,
  type Fields,
  fieldsAt,
  find,
  isFields,
  listAt,
  podSpecOf,
  root,
  serviceDeployments,
  textAt,
} from './deploy-k8s';
import { type KubernetesObject, parseManifests } from './kustomize';

const definitions: Record<ServiceName, ServiceDefinition> = {
  registry,
  verifier,
  ledger,
  'token-issuer': tokenIssuer,
} as Record<ServiceName, ServiceDefinition>;

/**
 * The services' metrics in Prometheus form, with their labels (issue 12 §2): libs/telemetry's MetricName
 * with counters ending _total and the histogram _seconds, which a test below checks. The dashboard may
 * query only these, `up`, and the labels the collector adds.
 */
const serviceMetrics: Record<
  string,
  { readonly labels: readonly string[]; readonly histogram?: true }
> = {
  settle_uploads_total: { labels: ['outcome', 'code'] },
  settle_verifications_total: { labels: ['verdict', 'reason'] },
  settle_settlements_total: { labels: ['outcome', 'reason'] },
  settle_consumer_lag: { labels: ['group', 'topic', 'partition'] },
  settle_outbox_backlog: { labels: ['service'] },
  settle_dead_letters_total: { labels: ['service', 'reason'] },
  settle_upload_to_settled_seconds: { labels: [], histogram: true },
};
/** Labels of every scraped series: job and instance from the scrape, namespace and pod from the collector's relabelling. */
const targetLabels = ['job', 'instance', 'namespace', 'pod'];
/** Placeholders for values the pods get from Secrets, in the form the configuration loader checks. */
const secretPlaceholders: Record<string, string> = {
  DATABASE_URL: 'postgres://placeholder@settle-pg-rw.settle.svc:5432/placeholder',
  SETTLE_ADMIN_CREDENTIALS: '[]',
  SETTLE_AUTH_DPOP_NONCE_SECRET: 'placeholder-placeholder-placeholder-placeholder',
};

describe.each(environments())('deploy/k8s/overlays/%s, rendered', (environment) => {
  const objects = environmentObjects(environment).map(({ object }) => object);
  const deployments = serviceDeployments(objects);
  const serviceOf = (object: KubernetesObject) =>
    object.metadata.labels?.['app.kubernetes.io/name'] as ServiceName;
  const mainContainer = (object: KubernetesObject) =>
    listAt(podSpecOf(object), 'containers').filter(isFields)[0]!;
  const settleConfig = fieldsAt(find(objects, 'ConfigMap', 'settle-config')[0], 'data');

  describe('configuration', () => {
    const workloads = [
      ...deployments,
      ...find(objects, 'Job').filter(
        (job) => job.metadata.labels?.['app.kubernetes.io/component'] === 'migration',
      ),
    ];

    it.each(
      workloads.map(
        (workload) => [`${workload.kind} ${workload.metadata.name}`, workload] as const,
      ),
    )(
      '%s: its environment passes its service configuration loader (no unknown SETTLE_* variable, every value parses)',
      (_name, workload) => {
        const service = serviceOf(workload);
        expect(serviceNames).toContain(service);
        const environmentVariables = Object.fromEntries(
          [...environmentOf(mainContainer(workload), objects)].map(([name, value]) => {
            if (!value.startsWith('secretKeyRef:')) return [name, value];
            const placeholder = secretPlaceholders[name];
            if (placeholder === undefined)
              throw new Error(
                `${name} comes from a Secret: add a placeholder to secretPlaceholders`,
              );
            return [name, placeholder];
          }),
        );
        expect(() =>
          loadServiceConfig(service, definitions[service].config, environmentVariables),
        ).not.toThrow();
      },
    );

    it('pins every image by a version tag or a digest, never latest', () => {
      const images = objects.flatMap((object) => {
        const pod = podSpecOf(object);
        return pod
          ? containersOf(pod).map((container) => ({
              object: `${object.kind} ${object.metadata.name}`,
              image: String(at(container, 'image')),
            }))
          : [];
      });
      expect(images.length).toBeGreaterThan(0);
      expect(
        images.filter(
          ({ image }) =>
            !/@sha256:[0-9a-f]{64}$|:(?!latest$)[\w][\w.-]*$/.test(image.replace(/^[^/]*\//, '')),
        ),
      ).toEqual([]);
    });

    it('references only Secrets an operator resource makes or docs/deployment.md tells the operators to create', () => {
      const made = new Set([
        ...find(objects, 'KafkaUser').map((user) => user.metadata.name),
        `${kafkaClusterName}-cluster-ca-cert`,
        ...find(objects, 'Certificate').map((certificate) =>
          textAt(certificate, 'spec', 'secretName')!,
        ),
        ...find(objects, 'Cluster').map((cluster) => `${cluster.metadata.name}-ca`),
        ...documentedSecrets(),
      ]);
      const missing = objects.flatMap((object) =>
        secretReferences(object)
          .filter((name) => !made.has(name))
          .map((name) => `${object.kind} ${object.metadata.name}: ${name}`),
      );
      expect(missing).toEqual([]);
    });
  });

  describe('autoscaling (KEDA)', () => {
    const scaledObjects = find(objects, 'ScaledObject');
    const kafkaTriggers = scaledObjects.flatMap((scaled) =>
      listAt(scaled, 'spec', 'triggers')
        .filter((trigger) => textAt(trigger, 'type') === 'kafka')
        .map((trigger) => ({ scaled, trigger, metadata: fieldsAt(trigger, 'metadata') })),
    );
    const partitionsOf = (topic: string) =>
      Number(
        at(
          find(objects, 'KafkaTopic').find(
            (candidate) => textAt(candidate, 'spec', 'topicName') === topic,
          ),
          'spec',
          'partitions',
        ),
      );

    it('scales the verifier and the ledger Deployments, which leave their replica count to it, from 2 replicas', () => {
      expect(
        scaledObjects.map((scaled) => textAt(scaled, 'spec', 'scaleTargetRef', 'name')).sort(),
      ).toEqual(['ledger', 'verifier']);
      for (const scaled of scaledObjects) {
        const target = textAt(scaled, 'spec', 'scaleTargetRef', 'name')!;
        const [deployment] = deployments.filter((candidate) => candidate.metadata.name === target);
        expect({
          target,
          kind: textAt(scaled, 'spec', 'scaleTargetRef', 'kind') ?? 'Deployment',
          deploymentFound: deployment !== undefined,
          // A replicas field would be reset by every kubectl apply, fighting the autoscaler.
          deploymentReplicas: at(deployment, 'spec', 'replicas'),
          min: at(scaled, 'spec', 'minReplicaCount'),
        }).toEqual({
          target,
          kind: 'Deployment',
          deploymentFound: true,
          deploymentReplicas: undefined,
          min: 2,
        });
      }
    });

    it('never scales above the partition count of a topic it watches (extra consumers would idle)', () => {
      expect(kafkaTriggers.length).toBeGreaterThan(0);
      for (const { scaled, metadata } of kafkaTriggers) {
        const topic = String(metadata['topic']);
        const max = Number(at(scaled, 'spec', 'maxReplicaCount'));
        expect({
          scaled: scaled.metadata.name,
          topic,
          maxWithinPartitions:
            max <= partitionsOf(topic) &&
            max <= (topicCatalogue.find((entry) => entry.name === topic)?.partitions ?? 0),
          idleConsumers: metadata['allowIdleConsumers'] ?? 'false',
        }).toEqual({
          scaled: scaled.metadata.name,
          topic,
          maxWithinPartitions: true,
          idleConsumers: 'false',
        });
        expect(max).toBeGreaterThanOrEqual(Number(at(scaled, 'spec', 'minReplicaCount')));
      }
    });

    it('scales on the lag of consumer groups its service has, on topics they consume, as lagScaledConsumers (the autoscaler ACLs) lists', () => {
      const triggers = kafkaTriggers.map(({ scaled, metadata }) => ({
        service: textAt(scaled, 'spec', 'scaleTargetRef', 'name'),
        group: metadata['consumerGroup'],
        topic: metadata['topic'],
      }));
      const sortKey = (entry: { group: unknown; topic: unknown }) =>
        `${String(entry.group)} ${String(entry.topic)}`;
      expect([...triggers].sort((a, b) => sortKey(a).localeCompare(sortKey(b)))).toEqual(
        lagScaledConsumers
          .map((consumer) => ({
            service: consumer.service,
            group: consumerGroupOf(consumer),
            topic: consumer.topic,
          }))
          .sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
      );
      for (const consumer of lagScaledConsumers) {
        const inCode = consumersInCode(consumer.service).consumers.find(
          (candidate) => candidate.name === consumer.consumer,
        );
        expect({
          consumer,
          consumesTopic: inCode?.topics.includes(consumer.topic) ?? false,
        }).toEqual({ consumer, consumesTopic: true });
      }
    });

    it("reads the lag from the services' brokers over mutual TLS as the autoscaler's KafkaUser, from the offset the consumers start at", () => {
      // The consumers subscribe fromBeginning: a group without offsets starts at the earliest message.
      expect(
        readFileSync(path.join(root, 'libs/messaging/src/inbox/inbox-consumer.ts'), 'utf8'),
      ).toMatch(/fromBeginning:\s*true/);
      for (const { scaled, trigger, metadata } of kafkaTriggers) {
        const [authentication] = find(
          objects,
          'TriggerAuthentication',
          textAt(trigger, 'authenticationRef', 'name'),
        );
        const secrets = Object.fromEntries(
          listAt(authentication, 'spec', 'secretTargetRef').map((reference) => [
            textAt(reference, 'parameter'),
            `${textAt(reference, 'name')}/${textAt(reference, 'key')}`,
          ]),
        );
        expect({
          scaled: scaled.metadata.name,
          bootstrapServers: metadata['bootstrapServers'],
          tls: metadata['tls'],
          sasl: metadata['sasl'],
          offsetResetPolicy: metadata['offsetResetPolicy'],
          lagThreshold: /^[1-9]\d*$/.test(String(metadata['lagThreshold'])),
          secrets,
        }).toEqual({
          scaled: scaled.metadata.name,
          bootstrapServers: settleConfig['KAFKA_BROKERS'],
          tls: 'enable',
          sasl: 'none',
          offsetResetPolicy: 'earliest',
          lagThreshold: true,
          secrets: {
            ca: `${kafkaClusterName}-cluster-ca-cert/ca.crt`,
            cert: `${autoscalerKafkaUserName}/user.crt`,
            key: `${autoscalerKafkaUserName}/user.key`,
          },
        });
      }
      // It may describe the scaled groups and their topics, and do nothing else.
      const acls = listAt(
        find(objects, 'KafkaUser', autoscalerKafkaUserName)[0],
        'spec',
        'authorization',
        'acls',
      ).map(
        (acl) =>
          `${textAt(acl, 'resource', 'type')} ${textAt(acl, 'resource', 'patternType')}:${textAt(acl, 'resource', 'name')} ${listAt(acl, 'operations').join(',')}`,
      );
      expect(acls.sort()).toEqual(
        [
          ...new Set(
            kafkaTriggers.flatMap(({ metadata }) => [
              `group literal:${String(metadata['consumerGroup'])} Describe`,
              `topic literal:${String(metadata['topic'])} Describe`,
            ]),
          ),
        ].sort(),
      );
    });

    it("stays within the PostgreSQL cluster's max_connections at full scale, during a rollout, with the migration Jobs", () => {
      const [cluster] = find(objects, 'Cluster');
      const parameters = fieldsAt(cluster, 'spec', 'postgresql', 'parameters');
      const available =
        Number(parameters['max_connections'] ?? 100) -
        Number(parameters['superuser_reserved_connections'] ?? 3);
      const needed = deployments.reduce((sum, deployment) => {
        const scaled = scaledObjects.find(
          (candidate) =>
            textAt(candidate, 'spec', 'scaleTargetRef', 'name') === deployment.metadata.name,
        );
        const replicas = Number(
          scaled ? at(scaled, 'spec', 'maxReplicaCount') : at(deployment, 'spec', 'replicas'),
        );
        const surge = Number(at(deployment, 'spec', 'strategy', 'rollingUpdate', 'maxSurge') ?? 1);
        const pool = Number(
          environmentOf(mainContainer(deployment), objects).get('SETTLE_DATABASE_POOL_MAX') ??
            definitions[serviceOf(deployment)].config.SETTLE_DATABASE_POOL_MAX.default,
        );
        return sum + (replicas + surge) * pool;
      }, find(objects, 'Job').length);
      expect({ needed, withinMaxConnections: needed <= available }).toEqual({
        needed,
        withinMaxConnections: true,
      });
    });
  });

  describe('telemetry', () => {
    const [collector] = find(objects, 'Deployment', 'otel-collector');
    const collectorPod = podSpecOf(collector!)!;
    const collectorContainer = mainContainer(collector!);
    const collectorConfigText = String(
      at(find(objects, 'ConfigMap', 'otel-collector-config')[0], 'data', 'config.yaml'),
    );
    const [collectorConfig] = parseManifests(
      collectorConfigText,
      'ConfigMap otel-collector-config config.yaml',
    ) as Fields[];
    const collectorLabels = fieldsAt(collector, 'spec', 'template', 'metadata', 'labels');
    const metricsPortName = 'metrics';

    it("exposes every service's metrics on a container port named metrics, at SETTLE_METRICS_PORT", () => {
      for (const deployment of deployments) {
        const container = mainContainer(deployment);
        const port = listAt(container, 'ports').find(
          (candidate) => textAt(candidate, 'name') === metricsPortName,
        );
        const variable = environmentOf(container, objects).get('SETTLE_METRICS_PORT');
        expect({
          service: deployment.metadata.name,
          containerPort: at(port, 'containerPort'),
          variable: Number(variable),
        }).toEqual({
          service: deployment.metadata.name,
          containerPort: Number(variable),
          variable: expect.any(Number),
        });
      }
    });

    it("sends every service's spans to the collector Service, whose port reaches its OTLP/HTTP receiver", () => {
      const receiverPort = Number(
        /:(\d+)$/.exec(
          String(at(collectorConfig, 'receivers', 'otlp', 'protocols', 'http', 'endpoint')),
        )?.[1],
      );
      for (const deployment of deployments) {
        const endpoint = new URL(
          environmentOf(mainContainer(deployment), objects).get('OTEL_EXPORTER_OTLP_ENDPOINT') ??
            'http://unset',
        );
        const [serviceName, namespace] = endpoint.hostname.split('.');
        const [service] = find(objects, 'Service', serviceName).filter(
          (candidate) => candidate.metadata.namespace === namespace,
        );
        const servicePort = listAt(service, 'spec', 'ports').find(
          (port) => at(port, 'port') === Number(endpoint.port),
        );
        const containerPort = listAt(collectorContainer, 'ports').find(
          (port) =>
            textAt(port, 'name') === at(servicePort, 'targetPort') ||
            at(port, 'containerPort') === at(servicePort, 'targetPort'),
        );
        const selects = Object.entries(fieldsAt(service, 'spec', 'selector')).every(
          ([label, value]) => collectorLabels[label] === value,
        );
        expect({
          service: deployment.metadata.name,
          endpoint: endpoint.href,
          selectsCollector: selects,
          reachesReceiver: at(containerPort, 'containerPort') === receiverPort,
        }).toEqual({
          service: deployment.metadata.name,
          endpoint: endpoint.href,
          selectsCollector: true,
          reachesReceiver: true,
        });
      }
    });

    it('scrapes the service pods (not the Jobs) of its own namespace on the metrics port, without relabelling onto a metric label', () => {
      const scrapes = listAt(
        collectorConfig,
        'receivers',
        'prometheus',
        'config',
        'scrape_configs',
      );
      expect(scrapes.length).toBeGreaterThan(0);
      const metricLabels = new Set(
        Object.values(serviceMetrics).flatMap((metric) => metric.labels),
      );
      for (const scrape of scrapes) {
        const relabels = listAt(scrape, 'relabel_configs');
        const keeps = (source: string) =>
          relabels.find(
            (rule) =>
              textAt(rule, 'action') === 'keep' && listAt(rule, 'source_labels').includes(source),
          );
        expect({
          discovery: listAt(scrape, 'kubernetes_sd_configs').map((sd) => ({
            role: at(sd, 'role'),
            ownNamespace: at(sd, 'namespaces', 'own_namespace'),
          })),
          keepsPort: textAt(keeps('__meta_kubernetes_pod_container_port_name'), 'regex'),
          keepsServices: textAt(
            keeps('__meta_kubernetes_pod_label_app_kubernetes_io_component'),
            'regex',
          ),
          clashingLabels: relabels
            .map((rule) => textAt(rule, 'target_label'))
            .filter((label) => label !== undefined && metricLabels.has(label)),
        }).toEqual({
          discovery: [{ role: 'pod', ownNamespace: true }],
          keepsPort: metricsPortName,
          keepsServices: 'service',
          clashingLabels: [],
        });
      }
      expect(listAt(collectorConfig, 'service', 'pipelines', 'metrics', 'receivers')).toContain(
        'prometheus',
      );
    });

    it('runs pipelines whose every component is defined, memory_limiter first, exporting to the backends of otel-collector-backends', () => {
      const pipelines = fieldsAt(collectorConfig, 'service', 'pipelines');
      const used = new Set<string>();
      for (const [name, pipeline] of Object.entries(pipelines)) {
        for (const section of ['receivers', 'processors', 'exporters']) {
          for (const component of listAt(pipeline, section)) {
            used.add(`${section}.${String(component)}`);
            expect({
              pipeline: name,
              component: `${section}.${String(component)}`,
              defined: at(collectorConfig, section, String(component)) !== undefined,
            }).toEqual({
              pipeline: name,
              component: `${section}.${String(component)}`,
              defined: true,
            });
          }
        }
        expect({ pipeline: name, first: listAt(pipeline, 'processors')[0] }).toEqual({
          pipeline: name,
          first: 'memory_limiter',
        });
      }
      const defined = ['receivers', 'processors', 'exporters'].flatMap((section) =>
        Object.keys(fieldsAt(collectorConfig, section)).map(
          (component) => `${section}.${component}`,
        ),
      );
      expect(defined.filter((component) => !used.has(component))).toEqual([]);
      expect(Object.keys(pipelines).sort()).toEqual(['metrics', 'traces']);
      expect(listAt(pipelines, 'traces', 'receivers')).toContain('otlp');
      // Every ${env:…} the configuration names is set in the collector's container; any other $ would be
      // expanded by the collector (a relabelling's $1 must be written $$1).
      const environmentVariables = environmentOf(collectorContainer, objects);
      const references = [...collectorConfigText.matchAll(/\$\{env:([A-Z_][A-Z0-9_]*)\}/g)].map(
        ([, name]) => name!,
      );
      expect(references.filter((name) => !environmentVariables.has(name))).toEqual([]);
      expect(
        collectorConfigText.replace(/\$\{env:[A-Z_][A-Z0-9_]*\}/g, '').replace(/\$\$/g, ''),
      ).not.toContain('$');
      for (const exporter of Object.values(fieldsAt(collectorConfig, 'exporters'))) {
        const variable = /^\$\{env:([A-Z_][A-Z0-9_]*)\}$/.exec(
          String(at(exporter, 'endpoint')),
        )?.[1];
        expect({
          exporter,
          fromBackends:
            variable !== undefined &&
            at(find(objects, 'ConfigMap', 'otel-collector-backends')[0], 'data', variable) !==
              undefined,
        }).toEqual({ exporter, fromBackends: true });
      }
    });

    it("admits the collector to the metrics port wherever a NetworkPolicy guards a service's pods, and only the services to the collector's OTLP ports", () => {
      const policies = find(objects, 'NetworkPolicy');
      const selects = (selector: unknown, labels: Fields) =>
        Object.entries(fieldsAt(selector, 'matchLabels')).every(
          ([label, value]) => labels[label] === value,
        );
      for (const deployment of deployments) {
        const labels = fieldsAt(deployment, 'spec', 'template', 'metadata', 'labels');
        for (const policy of policies.filter((candidate) =>
          selects(at(candidate, 'spec', 'podSelector'), labels),
        )) {
          const admitsCollector = listAt(policy, 'spec', 'ingress').some(
            (rule) =>
              listAt(rule, 'ports').some((port) => at(port, 'port') === metricsPortName) &&
              listAt(rule, 'from').some(
                (source) =>
                  at(source, 'namespaceSelector') === undefined &&
                  selects(at(source, 'podSelector'), collectorLabels),
              ),
          );
          expect({
            service: deployment.metadata.name,
            policy: policy.metadata.name,
            admitsCollector,
          }).toEqual({
            service: deployment.metadata.name,
            policy: policy.metadata.name,
            admitsCollector: true,
          });
        }
      }
      const [collectorPolicy] = policies.filter((candidate) =>
        selects(at(candidate, 'spec', 'podSelector'), collectorLabels),
      );
      const otlpPorts = listAt(collectorContainer, 'ports')
        .map((port) => textAt(port, 'name'))
        .filter((name) => name?.startsWith('otlp'));
      // A rule without ports opens every port, one without sources admits everyone.
      const otlpRules = listAt(collectorPolicy, 'spec', 'ingress').filter(
        (rule) =>
          listAt(rule, 'ports').length === 0 ||
          listAt(rule, 'ports').some((port) => otlpPorts.includes(textAt(port, 'port'))),
      );
      const otlpSources = otlpRules.flatMap((rule) => listAt(rule, 'from'));
      expect({
        rules: otlpRules.length > 0,
        everyRuleHasSources: otlpRules.every((rule) => listAt(rule, 'from').length > 0),
      }).toEqual({ rules: true, everyRuleHasSources: true });
      // Only pods of this namespace with the services' labels (no namespace selector, no address block).
      expect(
        otlpSources.filter(
          (source) =>
            Object.keys(source as Fields).join() !== 'podSelector' ||
            Object.keys(fieldsAt(source, 'podSelector', 'matchLabels')).length === 0,
        ),
      ).toEqual([]);
      for (const deployment of deployments) {
        const labels = fieldsAt(deployment, 'spec', 'template', 'metadata', 'labels');
        expect({
          service: deployment.metadata.name,
          admitted: otlpSources.some((source) => selects(at(source, 'podSelector'), labels)),
        }).toEqual({ service: deployment.metadata.name, admitted: true });
      }
      expect(
        otlpSources.some((source) => selects(at(source, 'podSelector'), collectorLabels)),
      ).toBe(false);
    });

    it('gives a service-account token to the collector alone, bound to a Role that only lists and watches pods', () => {
      const withToken = objects.filter((object) => {
        const pod = podSpecOf(object);
        return pod !== undefined && at(pod, 'automountServiceAccountToken') !== false;
      });
      expect(withToken.map((object) => `${object.kind} ${object.metadata.name}`)).toEqual([
        'Deployment otel-collector',
      ]);
      const account = textAt(collectorPod, 'serviceAccountName');
      const bindings = find(objects, 'RoleBinding').filter((binding) =>
        listAt(binding, 'subjects').some(
          (subject) =>
            textAt(subject, 'kind') === 'ServiceAccount' && textAt(subject, 'name') === account,
        ),
      );
      expect(find(objects, 'ClusterRoleBinding')).toEqual([]);
      const rules = bindings.flatMap((binding) =>
        listAt(
          find(objects, textAt(binding, 'roleRef', 'kind')!, textAt(binding, 'roleRef', 'name'))[0],
          'rules',
        ),
      );
      expect(rules).toEqual([
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      ]);
    });

    describe('the Grafana dashboard', () => {
      const dashboards = find(objects, 'ConfigMap').filter(
        (configMap) => configMap.metadata.labels?.['grafana_dashboard'] === '1',
      );
      const dashboardOf = (configMap: KubernetesObject) =>
        Object.entries(fieldsAt(configMap, 'data')).map(([file, json]) => ({
          file,
          dashboard: JSON.parse(String(json)) as Fields,
        }));

      it('knows the metrics as libs/telemetry makes them (counters end _total, the histogram _seconds), with its labels', () => {
        expect(
          Object.keys(serviceMetrics)
            .map((name) => name.replace(/_(total|seconds)$/, ''))
            .sort(),
        ).toEqual(
          Object.values(MetricName)
            .map((name) => name.replaceAll('.', '_'))
            .sort(),
        );
        const attributes: readonly string[] = Object.values(MetricAttribute);
        expect(
          Object.values(serviceMetrics).flatMap((metric) =>
            metric.labels.filter((label) => !attributes.includes(label)),
          ),
        ).toEqual([]);
      });

      it('is provisioned by a ConfigMap the Grafana sidecar finds (label grafana_dashboard "1"), one JSON dashboard per key', () => {
        expect(dashboards.length).toBeGreaterThan(0);
        for (const configMap of dashboards) {
          for (const { file, dashboard } of dashboardOf(configMap)) {
            const ids = allPanels(dashboard).map((panel) => at(panel, 'id'));
            expect({
              file,
              uid: /^[a-zA-Z0-9_-]{1,40}$/.test(String(at(dashboard, 'uid'))),
              title: typeof at(dashboard, 'title'),
              uniqueIds: new Set(ids).size === ids.length,
            }).toEqual({
              file,
              uid: true,
              title: 'string',
              uniqueIds: true,
            });
          }
        }
      });

      it('queries every service metric and no other, by the labels each carries', () => {
        const queried = new Set<string>();
        for (const configMap of dashboards) {
          for (const { file, dashboard } of dashboardOf(configMap)) {
            for (const expression of prometheusExpressions(dashboard)) {
              const { metrics, problems } = promqlProblems(expression);
              metrics.forEach((metric) => queried.add(metric));
              expect({ file, expression, problems }).toEqual({ file, expression, problems: [] });
            }
          }
        }
        expect(Object.keys(serviceMetrics).filter((metric) => !queried.has(metric))).toEqual([]);
      });

      it("links to the traces: Tempo queries, a payment's trace by transaction id, exemplars on the latency, datasources chosen by variables", () => {
        for (const configMap of dashboards) {
          for (const { file, dashboard } of dashboardOf(configMap)) {
            const variables = listAt(dashboard, 'templating', 'list').map((variable) => ({
              name: textAt(variable, 'name'),
              type: textAt(variable, 'type'),
              query: textAt(variable, 'query'),
            }));
            const datasourceVariables = new Map(
              variables
                .filter((variable) => variable.type === 'datasource')
                .map((variable) => [`\${${variable.name}}`, variable.query]),
            );
            const targets = allPanels(dashboard).flatMap((panel) =>
              listAt(panel, 'targets').map((target) => ({ panel, target })),
            );
            const tempo = targets.filter(
              ({ target }) => textAt(target, 'datasource', 'type') === 'tempo',
            );
            expect({
              file,
              // Every target's datasource is a variable of its type (no installation-specific uid).
              wrongDatasources: targets.filter(
                ({ target }) =>
                  datasourceVariables.get(textAt(target, 'datasource', 'uid') ?? '') !==
                  textAt(target, 'datasource', 'type'),
              ).length,
              traceQueries: tempo.length > 0,
              traceByTransaction: tempo.some(({ target }) =>
                /settle\.transaction\.id\s*=\s*"\$transaction"/.test(textAt(target, 'query') ?? ''),
              ),
              transactionVariable: variables.some((variable) => variable.name === 'transaction'),
              exemplarsOnLatency: targets.some(
                ({ target }) =>
                  at(target, 'exemplar') === true &&
                  /settle_upload_to_settled_seconds_bucket/.test(textAt(target, 'expr') ?? ''),
              ),
            }).toEqual({
              file,
              wrongDatasources: 0,
              traceQueries: true,
              traceByTransaction: true,
              transactionVariable: true,
              exemplarsOnLatency: true,
            });
          }
        }
      });
    });
  });
});

/** The Secret names listed in docs/deployment.md "Secrets to create", `<service>` expanded. */
function documentedSecrets(): string[] {
  const document = readFileSync(path.join(root, 'docs/deployment.md'), 'utf8');
  const section = document.slice(
    document.indexOf('## Secrets to create'),
    document.indexOf('\n## ', document.indexOf('## Secrets to create') + 1),
  );
  return [...section.matchAll(/^\| `([^`]+)`/gm)].flatMap(([, name]) =>
    name!.includes('<service>')
      ? serviceNames.map((service) => name!.replace('<service>', service))
      : [name!],
  );
}

/** Every Secret an object names: pod volumes and variables, TriggerAuthentication, Issuer, CloudNativePG role passwords. */
function secretReferences(object: KubernetesObject): string[] {
  const pod = podSpecOf(object);
  const fromPod = pod
    ? [
        ...listAt(pod, 'volumes').map((volume) => textAt(volume, 'secret', 'secretName')),
        ...listAt(pod, 'volumes').flatMap((volume) =>
          listAt(volume, 'projected', 'sources').map((source) => textAt(source, 'secret', 'name')),
        ),
        ...containersOf(pod).flatMap((container) => [
          ...listAt(container, 'env').map((entry) =>
            textAt(entry, 'valueFrom', 'secretKeyRef', 'name'),
          ),
          ...listAt(container, 'envFrom').map((source) => textAt(source, 'secretRef', 'name')),
        ]),
      ]
    : [];
  return [
    ...fromPod,
    ...listAt(object, 'spec', 'secretTargetRef').map((reference) => textAt(reference, 'name')),
    textAt(object, 'spec', 'ca', 'secretName'),
    ...listAt(object, 'spec', 'managed', 'roles').map((role) =>
      textAt(role, 'passwordSecret', 'name'),
    ),
  ].filter((name): name is string => name !== undefined);
}

// --- the dashboard ---------------------------------------------------------------------------------

function allPanels(dashboard: Fields): Fields[] {
  return listAt(dashboard, 'panels')
    .filter(isFields)
    .flatMap((panel) => [panel, ...listAt(panel, 'panels').filter(isFields)]);
}

function prometheusExpressions(dashboard: Fields): string[] {
  return allPanels(dashboard).flatMap((panel) =>
    listAt(panel, 'targets')
      .filter((target) => textAt(target, 'datasource', 'type') === 'prometheus')
      .map((target) => textAt(target, 'expr') ?? ''),
  );
}

/**
 * The service metrics a PromQL expression reads, and what is wrong with it: a metric the services do
 * not export, a label (in a selector or a by/without clause) none of its metrics carries, a variable
 * the dashboard does not define.
 */
function promqlProblems(expression: string): { metrics: string[]; problems: string[] } {
  const problems: string[] = [];
  const names = [...expression.matchAll(/\b(settle_[a-z0-9_]+|up)\b(?=\s*[{[)]|\s*$)/g)].map(
    ([, name]) => name!,
  );
  const metrics = names.map((name) => {
    const histogram = /^(.*)_(bucket|sum|count)$/.exec(name);
    return histogram && serviceMetrics[histogram[1]!]?.histogram ? histogram[1]! : name;
  });
  for (const metric of metrics)
    if (metric !== 'up' && !serviceMetrics[metric]) problems.push(`unknown metric ${metric}`);
  if (metrics.length === 0) problems.push('reads no metric');
  const allowed = new Set([
    ...targetLabels,
    ...metrics.flatMap((metric) => serviceMetrics[metric]?.labels ?? []),
    ...(names.some((name) => name.endsWith('_bucket')) ? ['le'] : []),
  ]);
  const selectorLabels = [...expression.matchAll(/\{([^}]*)\}/g)].flatMap(([, selector]) =>
    [...selector!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map(
      ([, label]) => label!,
    ),
  );
  const groupingLabels = [...expression.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap(
    ([, labels]) =>
      labels!
        .split(',')
        .map((label) => label.trim())
        .filter((label) => label !== ''),
  );
  for (const label of [...selectorLabels, ...groupingLabels])
    if (!allowed.has(label)) problems.push(`label ${label} is on none of ${metrics.join(', ')}`);
  for (const [, variable] of expression.matchAll(/\$(\w+)/g))
    if (!['namespace', '__rate_interval', '__range', '__interval'].includes(variable!))
      problems.push(`undefined variable $${variable}`);
  return { metrics, problems };
}
