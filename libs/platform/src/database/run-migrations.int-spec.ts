// The migration runner against the real PostgreSQL: order, checksums, idempotence, the advisory
// lock under concurrent replicas, one transaction per file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@settle/test-support';
import { createDataSource } from './data-source';
import { platformMigrations } from './platform-migrations';
import {
  MigrationChecksumMismatchError,
  MigrationSourceError,
  type MigrationSource,
  runMigrations,
} from './run-migrations';

/** pg-pool emits an idle client's error on the pool; DROP DATABASE … WITH (FORCE) can cause one. */
function quietPool(connectionString: string, max: number): Pool {
  const created = new Pool({ connectionString, max });
  created.on('error', () => undefined);
  return created;
}

function sourceWith(namespace: string, files: Record<string, string>): MigrationSource {
  const directory = mkdtempSync(path.join(os.tmpdir(), `settle-migrations-${namespace}-`));
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(directory, name), sql);
  return { namespace, directory };
}

describe('runMigrations', () => {
  let database: TestDatabase;
  let pool: Pool;
  const directories: string[] = [];

  function source(namespace: string, files: Record<string, string>): MigrationSource {
    const created = sourceWith(namespace, files);
    directories.push(created.directory);
    return created;
  }

  beforeEach(async () => {
    database = await createTestDatabase('settle_test_migrations');
    pool = quietPool(database.url, 4);
  });

  afterEach(async () => {
    await pool.end();
    await database.drop();
    for (const directory of directories.splice(0))
      rmSync(directory, { recursive: true, force: true });
  });

  async function appliedIds(): Promise<string[]> {
    return (
      await pool.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY applied_at, id')
    ).rows.map((row) => row.id);
  }

  it('applies sources in order and files by number, and a second run is a no-op', async () => {
    const ledger = source('ledger', {
      '0002-entries.sql':
        'CREATE TABLE entries (id bigint PRIMARY KEY, journal_id bigint NOT NULL REFERENCES journal (id));',
      '0001-journal.sql': 'CREATE TABLE journal (id bigint PRIMARY KEY);',
      'README.md': 'not a migration',
    });
    const first = await runMigrations(pool, [platformMigrations, ledger]);
    expect(first).toEqual({
      applied: [
        'platform/0001-admin-audit-log.sql',
        'platform/0002-rate-limits.sql',
        'platform/0003-admin-audit-refusals.sql',
        'ledger/0001-journal.sql',
        'ledger/0002-entries.sql',
      ],
      alreadyApplied: 0,
    });
    expect(await appliedIds()).toEqual(first.applied);

    expect(await runMigrations(pool, [platformMigrations, ledger])).toEqual({
      applied: [],
      alreadyApplied: 5,
    });
  });

  it('works through a TypeORM DataSource as well as a pg pool', async () => {
    const dataSource = await createDataSource({
      url: database.url,
      poolMax: 2,
      applicationName: 'migration-test',
    }).initialize();
    try {
      expect((await runMigrations(dataSource, [platformMigrations])).applied).toEqual([
        'platform/0001-admin-audit-log.sql',
        'platform/0002-rate-limits.sql',
        'platform/0003-admin-audit-refusals.sql',
      ]);
      expect((await runMigrations(dataSource, [platformMigrations])).applied).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('refuses to run when an applied file changed, before applying anything new', async () => {
    const ledger = source('ledger', {
      '0001-journal.sql': 'CREATE TABLE journal (id bigint PRIMARY KEY);',
    });
    await runMigrations(pool, [ledger]);
    writeFileSync(
      path.join(ledger.directory, '0001-journal.sql'),
      'CREATE TABLE journal (id bigint PRIMARY KEY, extra text);',
    );
    writeFileSync(path.join(ledger.directory, '0002-later.sql'), 'CREATE TABLE later (id bigint);');

    const rejected = runMigrations(pool, [ledger]);
    await expect(rejected).rejects.toBeInstanceOf(MigrationChecksumMismatchError);
    await expect(rejected).rejects.toThrow(
      'Applied migrations were changed after they ran: ledger/0001-journal.sql',
    );
    expect(await appliedIds()).toEqual(['ledger/0001-journal.sql']);
    expect((await pool.query("SELECT to_regclass('later') AS found")).rows[0].found).toBeNull();
  });

  it('runs each file in its own transaction: a failing file leaves no trace and stops the run', async () => {
    const ledger = source('ledger', {
      '0001-good.sql': 'CREATE TABLE good (id bigint);',
      '0002-bad.sql': 'CREATE TABLE half (id bigint); SELECT no_such_function();',
      '0003-never.sql': 'CREATE TABLE never (id bigint);',
    });
    await expect(runMigrations(pool, [ledger])).rejects.toThrow(
      /Migration ledger\/0002-bad.sql failed: function no_such_function\(\) does not exist/,
    );
    expect(await appliedIds()).toEqual(['ledger/0001-good.sql']);
    const tables = await pool.query(
      "SELECT to_regclass('good') AS good, to_regclass('half') AS half, to_regclass('never') AS never",
    );
    expect(tables.rows[0]).toEqual({ good: 'good', half: null, never: null });
  });

  it('lets concurrent replicas wait on the advisory lock: every file is applied exactly once', async () => {
    const ledger = source('ledger', {
      '0001-counter.sql':
        "CREATE TABLE applications (migration text NOT NULL); INSERT INTO applications VALUES ('0001');",
      '0002-slow.sql': "SELECT pg_sleep(0.2); INSERT INTO applications VALUES ('0002');",
    });
    const replicas = Array.from({ length: 4 }, () => quietPool(database.url, 1));
    try {
      const reports = await Promise.all(
        replicas.map((replica) => runMigrations(replica, [platformMigrations, ledger])),
      );
      expect(reports.flatMap((report) => report.applied).sort()).toEqual([
        'ledger/0001-counter.sql',
        'ledger/0002-slow.sql',
        'platform/0001-admin-audit-log.sql',
        'platform/0002-rate-limits.sql',
        'platform/0003-admin-audit-refusals.sql',
      ]);
      expect(
        (await pool.query('SELECT migration FROM applications ORDER BY migration')).rows,
      ).toEqual([{ migration: '0001' }, { migration: '0002' }]);
    } finally {
      await Promise.all(replicas.map((replica) => replica.end()));
    }
  });

  it.each([
    [
      'a file name without a number',
      { 'journal.sql': 'SELECT 1;' },
      'name must look like 0001-create-journal.sql',
    ],
    [
      'two files with one number',
      { '0001-a.sql': 'SELECT 1;', '0001-b.sql': 'SELECT 1;' },
      'two migrations are numbered 0001',
    ],
  ])('refuses %s', async (_case, files, message) => {
    const rejected = runMigrations(pool, [source('ledger', files)]);
    await expect(rejected).rejects.toBeInstanceOf(MigrationSourceError);
    await expect(rejected).rejects.toThrow(message);
  });

  it('refuses a missing directory and a namespace listed twice', async () => {
    await expect(
      runMigrations(pool, [{ namespace: 'ledger', directory: '/no/such/directory' }]),
    ).rejects.toThrow('Cannot read migrations of ledger');
    await expect(runMigrations(pool, [platformMigrations, platformMigrations])).rejects.toThrow(
      'Migration namespace platform is listed twice',
    );
  });
});
