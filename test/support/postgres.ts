import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Client, type Pool } from 'pg';

/** The local server's admin connection; tests create and drop their own databases through it. */
export const postgresAdminUrl =
  process.env.SETTLE_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh database with a unique name, so two test runs on one machine never collide. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => dropDatabase(name),
  };
}

/** How long {@link dropDatabase} lets sessions that are already closing end on their own. */
const sessionsClosingWaitMs = 2_000;

/**
 * Drops a test database. `pool.end()` resolves before its sessions have closed; forcing the drop at
 * once terminates them mid-close, and the ending client's 'error' event (57P01) is unhandled in the
 * test process. So the sessions get a few seconds to close; only what is still open is forced.
 */
async function dropDatabase(name: string): Promise<void> {
  await withAdmin(async (client) => {
    const deadline = Date.now() + sessionsClosingWaitMs;
    const openSessions = async () =>
      (
        await client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
          [name],
        )
      ).rows[0]!.n;
    while ((await openSessions()) > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

/** Applies every numbered SQL file of a folder, in order (the services use libs/platform's runner). */
export async function applySqlFiles(pool: Pool, directory: string): Promise<void> {
  for (const file of readdirSync(directory)
    .filter((name) => name.endsWith('.sql'))
    .sort()) {
    await pool.query(readFileSync(path.join(directory, file), 'utf8'));
  }
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: postgresAdminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
