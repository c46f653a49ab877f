import path from 'node:path';

/** The backbone's tables (outbox, inbox), applied by each service's migration runner. */
export const messagingMigrations = {
  namespace: 'messaging',
  directory: path.join(__dirname, '..', 'migrations'),
} as const;
