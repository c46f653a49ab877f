import { createHash } from 'node:crypto';

// Named prepared statements for hot paths that speak plain SQL. PostgreSQL parses and plans an unnamed
// statement on every execution; a named one is parsed once per connection (pg remembers which names
// each connection has prepared) and, after a few executions, runs a cached generic plan.

/** A query with a statement name, as a `pg` Pool or PoolClient takes it. */
export interface NamedQuery {
  readonly name: string;
  readonly text: string;
  readonly values?: unknown[];
}

/** What {@link withNamedStatements} needs: a `pg` Pool or PoolClient satisfies it. */
export interface NamedQueryExecutor {
  query(query: NamedQuery): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** The text-query interface the platform's and the backbone's SQL helpers take (`RateLimitSql`, `SqlExecutor`). */
export interface TextQueryExecutor {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Row[]; rowCount: number | null }>;
}

/** Statement names by text: a name is the text's digest, so one text always has one name. */
const namesByText = new Map<string, string>();

/** The statement name of `text`: `s_` and 24 hex digits of its SHA-256 (unique per text, stable across processes). */
export function statementNameOf(text: string): string {
  let name = namesByText.get(text);
  if (name === undefined) {
    name = `s_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    namesByText.set(text, name);
  }
  return name;
}

/**
 * `executor` seen as a text-query executor whose every statement is a named prepared statement: each
 * connection prepares a text once and then only binds and executes it. Only for callers whose texts are
 * a fixed set (constants, not SQL built from data): every distinct text stays prepared on each
 * connection for the connection's life. Values stay parameters, as before; results are the same.
 *
 * Not for a transaction's connection whose identity matters to other code (the backbone's
 * `afterCommit` knows the connection object, not this wrapper): pass that one as it is.
 *
 * @example
 * const sql = withNamedStatements(pool);
 * const { rows } = await sql.query('SELECT state FROM keys WHERE key_id = $1', [keyId]);
 */
export function withNamedStatements(executor: NamedQueryExecutor): TextQueryExecutor {
  return {
    query: async <Row extends Record<string, unknown>>(text: string, values?: unknown[]) => {
      const result = await executor.query({
        name: statementNameOf(text),
        text,
        ...(values === undefined ? {} : { values }),
      });
      return result as { rows: Row[]; rowCount: number | null };
    },
  };
}
