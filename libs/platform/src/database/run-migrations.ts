import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Pool, type PoolClient } from 'pg';
import { type DataSource, type QueryRunner } from 'typeorm';

/** A directory of numbered SQL files (`0001-journal.sql`) applied under `namespace`. */
export interface MigrationSource {
  readonly namespace: string;
  readonly directory: string;
}

/** What the runner logs through; a pino logger satisfies it. */
export interface MigrationLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface MigrationReport {
  /** `namespace/file` of each migration applied by this run, in order. */
  readonly applied: readonly string[];
  /** How many were already applied before. */
  readonly alreadyApplied: number;
}

/** Same key in every service: each has its own database, so replicas of one service are all it serializes. */
export const migrationAdvisoryLockKey = 7_411_936_205_001n;
/** A replica waits this long for another one's migrations before giving up. */
export const migrationLockWaitMsMax = 300_000;
const migrationLockPollMs = 250;

const migrationFilePattern = /^(\d{4})-[a-z0-9][a-z0-9-]*\.sql$/;
const namespacePattern = /^[a-z][a-z0-9-]*$/;

/** An applied migration file was edited: the database and the code disagree about the schema. */
export class MigrationChecksumMismatchError extends Error {
  override readonly name = 'MigrationChecksumMismatchError';
  readonly code = 'MIGRATION_CHECKSUM_MISMATCH';
  readonly retriable = false;

  constructor(readonly migrationIds: readonly string[]) {
    super(
      `Applied migrations were changed after they ran: ${migrationIds.join(', ')}. ` +
        'Never edit an applied migration; add a new numbered file instead.',
    );
  }
}

/** A migration source is malformed (bad file name, duplicate number, missing directory). */
export class MigrationSourceError extends Error {
  override readonly name = 'MigrationSourceError';
  readonly code = 'MIGRATION_SOURCE_INVALID';
  readonly retriable = false;
}

interface MigrationFile {
  readonly id: string;
  readonly sql: string;
  readonly checksum: string;
}

interface Session {
  query<Row>(sql: string, parameters?: readonly unknown[]): Promise<Row[]>;
  release(): Promise<void>;
}

const silentLogger: MigrationLogger = { info: () => undefined, warn: () => undefined };

/**
 * Applies the numbered SQL files of `sources`, in source order and then file order, each in its own
 * transaction, recording `namespace/file` and the file's SHA-256 in `schema_migrations`. A
 * PostgreSQL advisory lock makes concurrent replicas wait instead of racing; once it holds the lock a
 * replica re-reads what is applied, so a second run is a no-op. Refuses (before applying anything) when
 * an applied file's checksum changed. Files cannot use statements that refuse a transaction
 * (`CREATE INDEX CONCURRENTLY`).
 *
 * @example
 * await runMigrations(dataSource, [platformMigrations, messagingMigrations, { namespace: 'ledger', directory }]);
 */
export async function runMigrations(
  target: DataSource | Pool,
  sources: readonly MigrationSource[],
  logger: MigrationLogger = silentLogger,
): Promise<MigrationReport> {
  const files = await readSources(sources);
  const session = await openSession(target);
  try {
    await acquireLock(session);
    try {
      return await applyPending(session, files, logger);
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [migrationAdvisoryLockKey.toString()]);
    }
  } finally {
    await session.release();
  }
}

async function applyPending(
  session: Session,
  files: readonly MigrationFile[],
  logger: MigrationLogger,
): Promise<MigrationReport> {
  await session.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id              text        PRIMARY KEY,
    checksum_sha256 text        NOT NULL,
    applied_at      timestamptz NOT NULL DEFAULT now(),
    duration_ms     integer     NOT NULL
  )`);
  const rows = await session.query<{ id: string; checksum_sha256: string }>(
    'SELECT id, checksum_sha256 FROM schema_migrations',
  );
  const appliedChecksums = new Map(rows.map((row) => [row.id, row.checksum_sha256]));
  const changed = files.filter(
    (file) => appliedChecksums.has(file.id) && appliedChecksums.get(file.id) !== file.checksum,
  );
  if (changed.length > 0) throw new MigrationChecksumMismatchError(changed.map((file) => file.id));
  const known = new Set(files.map((file) => file.id));
  const unknown = [...appliedChecksums.keys()].filter((id) => !known.has(id));
  if (unknown.length > 0)
    logger.warn(
      { migrations: unknown },
      'database has migrations this code does not know (newer code ran here?)',
    );

  const applied: string[] = [];
  for (const file of files.filter((candidate) => !appliedChecksums.has(candidate.id))) {
    const started = performance.now();
    await session.query('BEGIN');
    try {
      await session.query(file.sql);
      await session.query(
        'INSERT INTO schema_migrations (id, checksum_sha256, duration_ms) VALUES ($1, $2, $3)',
        [file.id, file.checksum, Math.round(performance.now() - started)],
      );
      await session.query('COMMIT');
    } catch (error) {
      await session.query('ROLLBACK');
      throw new Error(
        `Migration ${file.id} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    applied.push(file.id);
    logger.info(
      { migration: file.id, durationMs: Math.round(performance.now() - started) },
      'migration applied',
    );
  }
  return { applied, alreadyApplied: files.length - applied.length };
}

async function acquireLock(session: Session): Promise<void> {
  const deadline = Date.now() + migrationLockWaitMsMax;
  for (;;) {
    const [row] = await session.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1) AS locked',
      [migrationAdvisoryLockKey.toString()],
    );
    if (row?.locked) return;
    if (Date.now() > deadline) {
      throw new Error(
        `Another process has held the migration lock for over ${migrationLockWaitMsMax} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, migrationLockPollMs));
  }
}

/** Reads every source up front, so a malformed one fails before anything is applied. */
async function readSources(sources: readonly MigrationSource[]): Promise<MigrationFile[]> {
  const namespaces = sources.map((source) => source.namespace);
  const duplicate = namespaces.find((namespace, index) => namespaces.indexOf(namespace) !== index);
  if (duplicate) throw new MigrationSourceError(`Migration namespace ${duplicate} is listed twice`);
  const files: MigrationFile[] = [];
  for (const source of sources) files.push(...(await readSource(source)));
  return files;
}

async function readSource(source: MigrationSource): Promise<MigrationFile[]> {
  if (!namespacePattern.test(source.namespace)) {
    throw new MigrationSourceError(
      `Migration namespace ${JSON.stringify(source.namespace)} must be lower-case letters, digits and "-"`,
    );
  }
  let names: string[];
  try {
    names = (await readdir(source.directory)).filter((name) => name.endsWith('.sql')).sort();
  } catch (error) {
    throw new MigrationSourceError(
      `Cannot read migrations of ${source.namespace} in ${source.directory}`,
      { cause: error },
    );
  }
  const numbers = new Set<string>();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const number = migrationFilePattern.exec(name)?.[1];
    if (!number)
      throw new MigrationSourceError(
        `${source.namespace}/${name}: name must look like 0001-create-journal.sql`,
      );
    if (numbers.has(number))
      throw new MigrationSourceError(`${source.namespace}: two migrations are numbered ${number}`);
    numbers.add(number);
    const bytes = await readFile(path.join(source.directory, name));
    files.push({
      id: `${source.namespace}/${name}`,
      sql: bytes.toString('utf8'),
      checksum: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  return files;
}

/** One dedicated connection: the advisory lock and each transaction must stay on it. */
async function openSession(target: DataSource | Pool): Promise<Session> {
  if ('createQueryRunner' in target) {
    const runner: QueryRunner = target.createQueryRunner();
    await runner.connect();
    return {
      query: async <Row>(sql: string, parameters?: readonly unknown[]) =>
        (await runner.query(sql, parameters ? [...parameters] : undefined)) as Row[],
      release: () => runner.release(),
    };
  }
  const client: PoolClient = await target.connect();
  return {
    query: async <Row>(sql: string, parameters?: readonly unknown[]) =>
      (await client.query(sql, parameters ? [...parameters] : undefined)).rows as Row[],
    release: async () => client.release(),
  };
}
