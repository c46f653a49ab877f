// npm run db:setup: creates, idempotently, one LOGIN role and one database owned by it per service
// (settle_registry, settle_verifier, settle_ledger, settle_token_issuer) on the local PostgreSQL, and
// keeps other roles from connecting to it. Connects as SETTLE_PG_ADMIN_URL
// (default postgres://postgres@127.0.0.1:5432/postgres). Passwords are not managed here: locally the
// server trusts loopback; elsewhere the database operator (CloudNativePG) owns roles and secrets.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { services } from './lib/services.mjs';

export const defaultAdminUrl = 'postgres://postgres@127.0.0.1:5432/postgres';

export async function setUpDatabases({
  adminUrl = process.env.SETTLE_PG_ADMIN_URL || defaultAdminUrl,
  log = console.log,
} = {}) {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'settle-db-setup' });
  await client.connect();
  try {
    for (const { database } of services) {
      // Names come from the fixed list above, never from input, and are quoted anyway.
      const role = database;
      const ident = client.escapeIdentifier(role);
      const roleExists =
        (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount > 0;
      if (!roleExists) await client.query(`CREATE ROLE ${ident} LOGIN`);
      const databaseExists =
        (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount >
        0;
      if (!databaseExists)
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} OWNER ${ident}`);
      await client.query(
        `REVOKE CONNECT, TEMPORARY ON DATABASE ${client.escapeIdentifier(database)} FROM PUBLIC`,
      );
      await client.query(
        `GRANT CONNECT, TEMPORARY ON DATABASE ${client.escapeIdentifier(database)} TO ${ident}`,
      );
      log(
        `[db-setup] ${database}: role ${roleExists ? 'exists' : 'created'}, database ${databaseExists ? 'exists' : 'created'}`,
      );
    }
  } finally {
    await client.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  setUpDatabases().catch((error) => {
    console.error(`[db-setup] failed: ${error.message}`);
    console.error(
      `[db-setup] is PostgreSQL running at ${new URL(process.env.SETTLE_PG_ADMIN_URL || defaultAdminUrl).host}? (${path.basename(process.argv[1])})`,
    );
    process.exit(1);
  });
}
