// Named prepared statements against the real PostgreSQL: one preparation per text and connection,
// the same results as a text query, values still bound as parameters.
import { Client } from 'pg';
import { postgresAdminUrl } from '@settle/test-support';
import { statementNameOf, withNamedStatements } from './named-statements';

describe('withNamedStatements', () => {
  let client: Client;

  beforeAll(async () => {
    client = new Client({ connectionString: postgresAdminUrl });
    await client.connect();
  });

  afterAll(async () => {
    await client.end();
  });

  async function preparedOnConnection(): Promise<Array<{ name: string; statement: string }>> {
    const { rows } = await client.query<{ name: string; statement: string }>(
      'SELECT name, statement FROM pg_prepared_statements ORDER BY name',
    );
    return rows;
  }

  it('prepares each text once per connection and binds new values on every execution', async () => {
    const sql = withNamedStatements(client);
    const text = 'SELECT $1::int + 1 AS next, $2::text AS label';
    const first = await sql.query<{ next: number; label: string }>(text, [1, 'a']);
    const second = await sql.query<{ next: number; label: string }>(text, [41, "it's"]);
    expect(first.rows).toEqual([{ next: 2, label: 'a' }]);
    expect(second.rows).toEqual([{ next: 42, label: "it's" }]);
    expect(await preparedOnConnection()).toEqual([
      { name: statementNameOf(text), statement: text },
    ]);
  });

  it('gives another text another name, and the same text the same name', async () => {
    const sql = withNamedStatements(client);
    const other = 'SELECT count(*)::int AS n FROM generate_series(1, $1::int)';
    expect(statementNameOf(other)).not.toBe(statementNameOf('SELECT $1::int + 1 AS next'));
    expect(statementNameOf(other)).toBe(
      statementNameOf(['SELECT count(*)::int AS n', 'FROM generate_series(1, $1::int)'].join(' ')),
    );
    expect(statementNameOf(other)).toMatch(/^s_[0-9a-f]{24}$/);
    const { rows, rowCount } = await sql.query<{ n: number }>(other, [5]);
    expect(rows).toEqual([{ n: 5 }]);
    expect(rowCount).toBe(1);
    expect((await preparedOnConnection()).map(({ name }) => name)).toContain(
      statementNameOf(other),
    );
  });

  it('reports a failing statement as the text query would, and the connection stays usable', async () => {
    const sql = withNamedStatements(client);
    await expect(sql.query('SELECT 1 / $1::int AS quotient', [0])).rejects.toThrow(
      'division by zero',
    );
    expect((await sql.query('SELECT 1 / $1::int AS quotient', [1])).rows).toEqual([
      { quotient: 1 },
    ]);
  });
});
