// Every kustomization under deploy/k8s (base, base/migrations, every overlay and the kustomizations
// nested in it) renders (kustomize.ts), and every object it produces is valid: Kubernetes, KEDA and
// cert-manager objects against their OpenAPI schemas, strictly (kubernetes-schemas.ts); Strimzi and
// CloudNativePG resources against structural schemas (operator-resources.ts) and the rules below that
// no schema says. Every pod runs as a non-root user on a read-only root file system with the
// restricted Pod Security profile's settings, and every container of a Deployment is probed for
// readiness and liveness on a port it declares.
import { kafkaClusterName } from '../../deploy/k8s/generate-kafka-resources'; // eslint-disable-line @nx/enforce-module-boundaries -- a deploy script, not a library
import {
  at,
  containersOf,
  type Fields,
  find,
  isFields,
  listAt,
  podSpecOf,
  renderings,
  textAt,
} from './deploy-k8s';
import { hasSchema, schemaProblems } from './kubernetes-schemas';
import { type KubernetesObject } from './kustomize';
import { hasStructuralSchema, structuralProblems } from './operator-resources';

const allRenderings = renderings();
/** Kubernetes names: DNS-1123 subdomains, and DNS-1035 labels for Services and Namespaces (they become DNS labels). */
const subdomainName =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelName = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** The longest KafkaUser name whose certificate subject (CN) Strimzi can issue. */
const kafkaTlsUserNameMax = 64;

const where = (object: KubernetesObject) => `${object.kind} ${object.metadata.name}`;

describe('deploy/k8s kustomizations', () => {
  it('renders the base, the migrations and every overlay (with the kustomizations nested in it)', () => {
    const sources = allRenderings.map(({ source }) => source);
    expect(sources).toEqual(
      expect.arrayContaining([
        'base',
        'base/migrations',
        'overlays/production',
        'overlays/production/migrations',
        'overlays/production/postgres',
      ]),
    );
    for (const { source, objects } of allRenderings)
      expect({ source, objects: objects.length > 0 }).toEqual({ source, objects: true });
  });
});

describe.each(allRenderings.map((rendering) => [rendering.source, rendering.objects] as const))(
  'deploy/k8s/%s, rendered',
  (_source, objects) => {
    it('has a schema for every object: Kubernetes 1.33, KEDA, cert-manager, or the structural ones of Strimzi and CloudNativePG', () => {
      expect(
        objects
          .filter((object) => !hasSchema(object) && !hasStructuralSchema(object))
          .map((object) => `${object.apiVersion} ${object.kind}`),
      ).toEqual([]);
    });

    it('matches the Kubernetes, KEDA and cert-manager schemas, unknown fields included', () => {
      expect(
        objects
          .filter(hasSchema)
          .flatMap((object) =>
            schemaProblems(object).map((problem) => `${where(object)}: ${problem}`),
          ),
      ).toEqual([]);
    });

    it('names and labels every object validly, all as part of settle', () => {
      for (const object of objects) {
        const pattern = ['Service', 'Namespace'].includes(object.kind) ? labelName : subdomainName;
        expect({
          object: where(object),
          validName: pattern.test(object.metadata.name),
          partOf: object.metadata.labels?.['app.kubernetes.io/part-of'],
        }).toEqual({
          object: where(object),
          validName: true,
          partOf: 'settle',
        });
      }
    });

    it('runs every pod as a non-root user on a read-only root file system, with the restricted Pod Security settings', () => {
      const problems = objects.flatMap((object) => {
        const pod = podSpecOf(object);
        return pod ? podSecurityProblems(pod).map((problem) => `${where(object)}: ${problem}`) : [];
      });
      expect(problems).toEqual([]);
    });

    it('probes every container of every Deployment for readiness and liveness, on a port the container declares', () => {
      const problems = find(objects, 'Deployment').flatMap((deployment) =>
        containersOf(podSpecOf(deployment)!).flatMap((container) =>
          probeProblems(container).map((problem) => `${where(deployment)}: ${problem}`),
        ),
      );
      expect(problems).toEqual([]);
    });

    it('matches the structural schemas of the Strimzi and CloudNativePG resources', () => {
      expect(
        objects
          .filter(hasStructuralSchema)
          .flatMap((object) =>
            structuralProblems(object).map((problem) => `${where(object)}: ${problem}`),
          ),
      ).toEqual([]);
    });

    it('keeps the Strimzi rules no schema says: the cluster label, a name Kafka and TLS accept, min.insync.replicas below the replicas, ACLs that name their resource', () => {
      for (const topic of find(objects, 'KafkaTopic')) {
        const config = (at(topic, 'spec', 'config') ?? {}) as Fields;
        expect({
          topic: where(topic),
          cluster: topic.metadata.labels?.['strimzi.io/cluster'],
          kafkaName: /^[a-zA-Z0-9._-]{1,249}$/.test(
            textAt(topic, 'spec', 'topicName') ?? topic.metadata.name,
          ),
          insyncBelowReplicas:
            Number(config['min.insync.replicas'] ?? 1) < Number(at(topic, 'spec', 'replicas')),
          cleanupPolicy: ['delete', 'compact', 'compact,delete', 'delete,compact'].includes(
            String(config['cleanup.policy'] ?? 'delete'),
          ),
          retention: /^-1$|^\d+$/.test(String(config['retention.ms'] ?? '-1')),
        }).toEqual({
          topic: where(topic),
          cluster: kafkaClusterName,
          kafkaName: true,
          insyncBelowReplicas: true,
          cleanupPolicy: true,
          retention: true,
        });
      }
      for (const user of find(objects, 'KafkaUser')) {
        expect({
          user: where(user),
          cluster: user.metadata.labels?.['strimzi.io/cluster'],
          nameFitsCertificate: user.metadata.name.length <= kafkaTlsUserNameMax,
        }).toEqual({
          user: where(user),
          cluster: kafkaClusterName,
          nameFitsCertificate: true,
        });
        for (const acl of listAt(user, 'spec', 'authorization', 'acls')) {
          const type = textAt(acl, 'resource', 'type');
          const named =
            textAt(acl, 'resource', 'name') !== undefined &&
            textAt(acl, 'resource', 'patternType') !== undefined;
          // The cluster resource has no name; topics, groups and transactional ids need one and its pattern type.
          expect({ user: where(user), type, named }).toEqual({
            user: where(user),
            type,
            named: type !== 'cluster',
          });
        }
      }
    });

    it('keeps the CloudNativePG rules no schema says: a pinned image, 3 instances, each Database owned by a login role of its Cluster, TLS-only pg_hba rules', () => {
      const clusters = find(objects, 'Cluster');
      for (const cluster of clusters) {
        const roles = listAt(cluster, 'spec', 'managed', 'roles').filter(isFields);
        expect({
          cluster: where(cluster),
          imagePinned:
            /:[^:/]+$/.test(textAt(cluster, 'spec', 'imageName') ?? '') &&
            !/:latest$/.test(textAt(cluster, 'spec', 'imageName') ?? ''),
          instances: Number(at(cluster, 'spec', 'instances')) >= 3,
          rolesWithPasswordSecrets: roles.every(
            (role) => textAt(role, 'passwordSecret', 'name') !== undefined,
          ),
          hbaProblems: listAt(cluster, 'spec', 'postgresql', 'pg_hba').flatMap((rule) =>
            pgHbaProblems(String(rule)),
          ),
        }).toEqual({
          cluster: where(cluster),
          imagePinned: true,
          instances: true,
          rolesWithPasswordSecrets: true,
          hbaProblems: [],
        });
      }
      for (const database of find(objects, 'Database')) {
        const [cluster] = clusters.filter(
          (candidate) => candidate.metadata.name === textAt(database, 'spec', 'cluster', 'name'),
        );
        const owner = listAt(cluster, 'spec', 'managed', 'roles').find(
          (role) => textAt(role, 'name') === textAt(database, 'spec', 'owner'),
        );
        const rules = listAt(cluster, 'spec', 'postgresql', 'pg_hba').map(String);
        const name = textAt(database, 'spec', 'name')!;
        const ownerName = textAt(database, 'spec', 'owner')!;
        const ownRule = rules.findIndex(
          (rule) =>
            rule.split(/\s+/).join(' ') === `hostssl ${name} ${ownerName} all scram-sha-256`,
        );
        const rejectRule = rules.findIndex((rule) =>
          /^host\s+all\s+(\S+)\s+all\s+reject$/.exec(rule)?.[1]?.split(',').includes(ownerName),
        );
        expect({
          database: where(database),
          clusterFound: cluster !== undefined,
          ownerLogs:
            at(owner, 'login') === true && (textAt(owner, 'ensure') ?? 'present') === 'present',
          // Its own database over TLS only, and every other connection of the role rejected after that rule.
          tlsRuleThenReject: ownRule >= 0 && rejectRule > ownRule,
        }).toEqual({
          database: where(database),
          clusterFound: true,
          ownerLogs: true,
          tlsRuleThenReject: true,
        });
      }
    });
  },
);

/** What keeps a pod from the restricted Pod Security profile or runs it as root or on a writable root file system. */
function podSecurityProblems(pod: Fields): string[] {
  const podContext = (at(pod, 'securityContext') ?? {}) as Fields;
  const problems = ['hostNetwork', 'hostPID', 'hostIPC']
    .filter((field) => at(pod, field) === true)
    .map((field) => `${field} is true`);
  problems.push(
    ...listAt(pod, 'volumes')
      .filter((volume) => at(volume, 'hostPath') !== undefined)
      .map((volume) => `volume ${textAt(volume, 'name')} is a hostPath`),
  );
  for (const container of containersOf(pod)) {
    const context = (at(container, 'securityContext') ?? {}) as Fields;
    const effective = (field: string) => context[field] ?? podContext[field];
    const name = `container ${textAt(container, 'name')}`;
    if (effective('runAsNonRoot') !== true)
      problems.push(`${name}: runAsNonRoot is not true (a root container)`);
    for (const id of ['runAsUser', 'runAsGroup']) {
      const value = effective(id);
      if (typeof value !== 'number' || value === 0)
        problems.push(
          `${name}: ${id} is ${String(value)} (a non-zero id is needed: the kubelet cannot check a named image user)`,
        );
    }
    if (context['readOnlyRootFilesystem'] !== true)
      problems.push(`${name}: a writable root file system (readOnlyRootFilesystem is not true)`);
    if (context['allowPrivilegeEscalation'] !== false)
      problems.push(`${name}: allowPrivilegeEscalation is not false`);
    if (context['privileged'] === true) problems.push(`${name}: privileged`);
    if (!listAt(context, 'capabilities', 'drop').includes('ALL'))
      problems.push(`${name}: capabilities do not drop ALL`);
    if (listAt(context, 'capabilities', 'add').length > 0)
      problems.push(`${name}: adds capabilities`);
    const seccomp = textAt(effective('seccompProfile'), 'type');
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      problems.push(`${name}: seccompProfile is ${String(seccomp)}, not RuntimeDefault`);
  }
  return problems;
}

/** A missing readiness or liveness probe, or a probe on a port the container does not declare. */
function probeProblems(container: Fields): string[] {
  const name = `container ${textAt(container, 'name')}`;
  const ports = listAt(container, 'ports').flatMap((port) => [
    textAt(port, 'name'),
    at(port, 'containerPort'),
  ]);
  return ['readinessProbe', 'livenessProbe', 'startupProbe'].flatMap((probe) => {
    const definition = at(container, probe);
    if (definition === undefined) return probe === 'startupProbe' ? [] : [`${name}: no ${probe}`];
    const port =
      at(definition, 'httpGet', 'port') ??
      at(definition, 'tcpSocket', 'port') ??
      at(definition, 'grpc', 'port');
    if (at(definition, 'exec') !== undefined) return [];
    return ports.includes(port as string | number)
      ? []
      : [`${name}: ${probe} on port ${String(port)}, which the container does not declare`];
  });
}

/** A pg_hba line that is not `<type> <database> <user> <address> <method>`, or one that trusts without a password. */
function pgHbaProblems(rule: string): string[] {
  const fields = rule.trim().split(/\s+/);
  const [type, , , , method] = fields;
  if (fields.length !== 5 || !['host', 'hostssl', 'hostnossl'].includes(type!))
    return [
      `pg_hba "${rule}": expected <host|hostssl|hostnossl> <database> <user> <address> <method>`,
    ];
  if (!['scram-sha-256', 'cert', 'reject'].includes(method!))
    return [`pg_hba "${rule}": method ${method} (scram-sha-256, cert or reject only)`];
  if (type !== 'hostssl' && method !== 'reject')
    return [`pg_hba "${rule}": admits a connection without TLS`];
  return [];
}
