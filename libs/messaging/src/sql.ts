/**
 * What the backbone needs of a PostgreSQL connection inside a transaction. A `pg` PoolClient
 * satisfies it; so does the connection under a TypeORM query runner.
 */
export interface SqlExecutor {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Row[]; rowCount: number | null }>;
}

/** A pool of connections: a `pg` Pool satisfies it. */
export interface SqlPool extends SqlExecutor {
  connect(): Promise<SqlExecutor & { release(error?: Error | boolean): void }>;
}

/** Runs `work` in one transaction on a connection of its own. */
export async function inTransaction<T>(pool: SqlPool, work: (sql: SqlExecutor) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken ?? false);
  }
}
