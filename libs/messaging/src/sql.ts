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
  connect(): Promise<PooledConnection>;
}

/** A connection taken from a {@link SqlPool}: a `pg` PoolClient. */
export interface PooledConnection extends SqlExecutor {
  release(error?: Error | boolean): void;
  /** Errors of the session itself (the server ended it) while no query runs; unhandled, they end the process. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** Callbacks to run once the transaction open on a connection commits (see {@link afterCommit}). */
const commitCallbacks = new WeakMap<SqlExecutor, Array<() => void>>();

/**
 * Runs `work` on a connection of its own, released afterwards — destroyed, not pooled, if the session
 * broke. A checked-out pg client has lost its pool's error listener: the server ending the session
 * between two queries (pg_terminate_backend, a failover) would be an unhandled 'error' that ends the
 * process. Heard here, it marks the connection broken; the query that runs next fails.
 */
export async function withConnection<T>(
  pool: SqlPool,
  work: (connection: PooledConnection, markBroken: (error: Error) => void) => Promise<T>,
): Promise<T> {
  const connection = await pool.connect();
  let broken: Error | undefined;
  const markBroken = (error: Error) => (broken ??= error);
  connection.on('error', markBroken);
  try {
    return await work(connection, markBroken);
  } finally {
    connection.removeListener('error', markBroken);
    connection.release(broken ?? false);
  }
}

/** Runs `work` in one transaction on a connection of its own. */
export function inTransaction<T>(
  pool: SqlPool,
  work: (sql: SqlExecutor) => Promise<T>,
): Promise<T> {
  return withConnection(pool, async (client, markBroken) => {
    const callbacks: Array<() => void> = [];
    commitCallbacks.set(client, callbacks);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      commitCallbacks.delete(client);
      for (const callback of callbacks) runQuietly(callback);
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(markBroken);
      throw error;
    } finally {
      commitCallbacks.delete(client);
    }
  });
}

/**
 * Runs `callback` once the transaction `sql` belongs to has committed — never if it rolls back (a
 * batch retried half by half must not count twice). For metrics and other observations, not
 * effects: a callback's error is ignored. Only transactions opened by {@link inTransaction} are
 * seen; elsewhere the callback is dropped and `false` returned.
 */
export function afterCommit(sql: SqlExecutor, callback: () => void): boolean {
  const callbacks = commitCallbacks.get(sql);
  if (callbacks === undefined) return false;
  callbacks.push(callback);
  return true;
}

function runQuietly(callback: () => void): void {
  try {
    callback();
  } catch {
    // An observation failing must not turn a committed transaction into an error.
  }
}
