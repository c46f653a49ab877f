import path from 'node:path';

/**
 * The guard's tables (binding-key states fed by key.lifecycle-changed, the DPoP replay cache),
 * applied by the runner of each service that imports `ResourceGuardModule`.
 *
 * @example
 * migrationSources: [messagingMigrations, resourceGuardMigrations, { namespace: 'verifier', directory }]
 */
export const resourceGuardMigrations = {
  namespace: 'resource-guard',
  directory: path.join(__dirname, '..', 'migrations'),
} as const;
