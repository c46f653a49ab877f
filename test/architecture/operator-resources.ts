// Structural schemas of the Strimzi (kafka.strimzi.io/v1: KafkaTopic, KafkaUser) and CloudNativePG
// (postgresql.cnpg.io/v1: Cluster, Database) resources, for which no schema package exists on npm.
// They are written from the operators' CRD references and cover the fields deploy/k8s uses, with
// additionalProperties false, so a misspelt or misplaced field fails here instead of being pruned
// silently by the API server. A field the manifests start to use must be added here, after checking
// it in the CRD of the operator version docs/deployment.md requires (Strimzi 0.49, CloudNativePG 1.25).
import Ajv, { type SchemaObject } from 'ajv';
import { type KubernetesObject } from './kustomize';

const dnsSubdomain = {
  type: 'string',
  maxLength: 253,
  pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
};
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const quantity = {
  type: 'string',
  pattern: '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$',
};
const strict = (properties: Record<string, unknown>, required: readonly string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});

const metadataWithCluster = (clusterLabel: string) =>
  strict(
    {
      name: dnsSubdomain,
      namespace: dnsSubdomain,
      labels:
        clusterLabel === ''
          ? stringMap
          : {
              ...stringMap,
              properties: { [clusterLabel]: { type: 'string', minLength: 1 } },
              required: [clusterLabel],
            },
      annotations: stringMap,
    },
    ['name'],
  );

const resource = (
  apiVersion: string,
  kind: string,
  metadata: SchemaObject,
  spec: SchemaObject,
): SchemaObject =>
  strict({ apiVersion: { const: apiVersion }, kind: { const: kind }, metadata, spec }, [
    'apiVersion',
    'kind',
    'metadata',
    'spec',
  ]);

const aclOperations = [
  'Read',
  'Write',
  'Create',
  'Delete',
  'Alter',
  'Describe',
  'ClusterAction',
  'AlterConfigs',
  'DescribeConfigs',
  'IdempotentWrite',
  'All',
];

const schemas: Record<string, SchemaObject> = {
  'kafka.strimzi.io/v1 KafkaTopic': resource(
    'kafka.strimzi.io/v1',
    'KafkaTopic',
    metadataWithCluster('strimzi.io/cluster'),
    strict(
      {
        // Kafka's own rule for topic names (at most 249 characters of [a-zA-Z0-9._-]).
        topicName: { type: 'string', pattern: '^[a-zA-Z0-9._-]{1,249}$' },
        partitions: { type: 'integer', minimum: 1 },
        replicas: { type: 'integer', minimum: 1, maximum: 32767 },
        config: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      },
      ['partitions', 'replicas'],
    ),
  ),
  'kafka.strimzi.io/v1 KafkaUser': resource(
    'kafka.strimzi.io/v1',
    'KafkaUser',
    metadataWithCluster('strimzi.io/cluster'),
    strict({
      authentication: strict({ type: { enum: ['tls', 'tls-external', 'scram-sha-512'] } }, [
        'type',
      ]),
      authorization: strict(
        {
          type: { const: 'simple' },
          acls: {
            type: 'array',
            items: strict(
              {
                resource: strict(
                  {
                    type: { enum: ['topic', 'group', 'cluster', 'transactionalId'] },
                    name: { type: 'string', minLength: 1 },
                    patternType: { enum: ['literal', 'prefix'] },
                  },
                  ['type'],
                ),
                type: { enum: ['allow', 'deny'] },
                host: { type: 'string' },
                operations: {
                  type: 'array',
                  minItems: 1,
                  uniqueItems: true,
                  items: { enum: aclOperations },
                },
              },
              ['resource', 'operations'],
            ),
          },
        },
        ['type', 'acls'],
      ),
    }),
  ),
  'postgresql.cnpg.io/v1 Cluster': resource(
    'postgresql.cnpg.io/v1',
    'Cluster',
    metadataWithCluster(''),
    strict(
      {
        instances: { type: 'integer', minimum: 1 },
        imageName: { type: 'string', minLength: 1 },
        primaryUpdateStrategy: { enum: ['unsupervised', 'supervised'] },
        storage: strict({ size: quantity, storageClass: { type: 'string' } }, ['size']),
        walStorage: strict({ size: quantity, storageClass: { type: 'string' } }, ['size']),
        postgresql: strict({
          // The operator's type is map[string]string: a YAML number here is refused by the API server.
          parameters: stringMap,
          pg_hba: { type: 'array', items: { type: 'string' } },
        }),
        managed: strict({
          roles: {
            type: 'array',
            items: strict(
              {
                name: { type: 'string', pattern: '^[a-z_][a-z0-9_]*$' },
                ensure: { enum: ['present', 'absent'] },
                comment: { type: 'string' },
                login: { type: 'boolean' },
                superuser: { type: 'boolean' },
                createdb: { type: 'boolean' },
                createrole: { type: 'boolean' },
                inherit: { type: 'boolean' },
                replication: { type: 'boolean' },
                bypassrls: { type: 'boolean' },
                connectionLimit: { type: 'integer' },
                inRoles: { type: 'array', items: { type: 'string' } },
                passwordSecret: strict({ name: dnsSubdomain }, ['name']),
              },
              ['name'],
            ),
          },
        }),
      },
      ['instances', 'storage'],
    ),
  ),
  'postgresql.cnpg.io/v1 Database': resource(
    'postgresql.cnpg.io/v1',
    'Database',
    metadataWithCluster(''),
    strict(
      {
        cluster: strict({ name: dnsSubdomain }, ['name']),
        name: { type: 'string', pattern: '^[a-z_][a-z0-9_]*$' },
        owner: { type: 'string', pattern: '^[a-z_][a-z0-9_]*$' },
        ensure: { enum: ['present', 'absent'] },
        databaseReclaimPolicy: { enum: ['retain', 'delete'] },
      },
      ['cluster', 'name', 'owner'],
    ),
  ),
};

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validators = new Map(
  Object.entries(schemas).map(([type, schema]) => [type, ajv.compile(schema)]),
);

/** Whether an object is one of the Strimzi or CloudNativePG types described here. */
export function hasStructuralSchema(
  object: Pick<KubernetesObject, 'apiVersion' | 'kind'>,
): boolean {
  return validators.has(`${object.apiVersion} ${object.kind}`);
}

/** What is wrong with a Strimzi or CloudNativePG object by its structural schema; empty when nothing is. */
export function structuralProblems(object: KubernetesObject): string[] {
  const validate = validators.get(`${object.apiVersion} ${object.kind}`);
  if (!validate) return [`no structural schema for ${object.apiVersion} ${object.kind}`];
  if (validate(object)) return [];
  return (validate.errors ?? []).map((error) =>
    error.keyword === 'additionalProperties'
      ? `unknown field ${error.instancePath}/${String(error.params['additionalProperty'])}`
      : `${error.instancePath || '/'} ${error.message ?? error.keyword}`,
  );
}
