// What `npm start` needs on this machine, checked before anything starts: each missing piece is named
// with how to get it, all at once (not one per attempt). See README "Set up a fresh machine".
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import kafkaLocal from './kafka-local.cjs';

const { repositoryRoot, kafkaVersion } = kafkaLocal;
export const defaultAdminUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
const postgresTimeoutMs = 3_000;
const nodeMin = [20, 19];
const javaMin = 17;

/** The major version `java -version` reports (17 for "17.0.15", 8 for "1.8.0_392"), or null. */
export function javaMajorVersion(versionOutput) {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput ?? '');
  if (!match) return null;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

function commandOutput(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) return null;
  return `${result.stdout ?? ''}${result.stderr ?? ''}`;
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > nodeMin[0] || (major === nodeMin[0] && minor >= nodeMin[1])) return [];
  return [
    {
      what: `Node.js ${process.versions.node} is too old (needs ≥ ${nodeMin.join('.')})`,
      fix: 'install the current LTS from https://nodejs.org (or `nvm install --lts`)',
    },
  ];
}

function checkInstalled() {
  if (existsSync(path.join(repositoryRoot, 'node_modules/.bin/swc'))) return [];
  return [
    {
      what: 'the dependencies are not installed',
      fix: "run `npm ci` first (the README's command is `npm ci && npm start`)",
    },
  ];
}

function checkOpenssl() {
  if (commandOutput('openssl', ['version']) !== null) return [];
  return [
    {
      what: 'OpenSSL is missing (it makes the development certificates)',
      fix: 'install it: `sudo apt-get install openssl` (Debian/Ubuntu), `brew install openssl` (macOS)',
    },
  ];
}

/** Java 17+ always (the broker runs on it); Maven only while the Kafka jars are not in .cache yet. */
function checkKafkaTools() {
  const problems = [];
  const java = commandOutput('java', ['-version']);
  const major = javaMajorVersion(java);
  if (java === null) {
    problems.push({
      what: 'Java is missing (the local Kafka broker runs on it)',
      fix: `install a JDK ${javaMin}+: \`sudo apt-get install openjdk-17-jre-headless\`, \`brew install openjdk@17\` — or set KAFKA_BROKERS to an existing Kafka`,
    });
  } else if (major === null || major < javaMin) {
    problems.push({
      what: `Java ${major ?? '(unknown version)'} is too old (Kafka ${kafkaVersion()} needs ${javaMin}+)`,
      fix: `install a JDK ${javaMin}+ and put its java first on PATH (the broker runs the java on PATH), or set KAFKA_BROKERS`,
    });
  }
  const jarsCached = existsSync(
    path.join(repositoryRoot, '.cache/kafka', `lib-${kafkaVersion()}`, '.complete'),
  );
  if (!jarsCached && commandOutput('mvn', ['-v']) === null) {
    problems.push({
      what: 'Maven is missing (it fetches the Kafka jars once, into .cache/kafka)',
      fix: '`sudo apt-get install maven`, `brew install maven` — or set KAFKA_BROKERS to an existing Kafka',
    });
  }
  return problems;
}

/** PostgreSQL answers at the admin URL as a role that may create roles and databases. */
async function checkPostgres(adminUrl) {
  const where = (() => {
    try {
      const url = new URL(adminUrl);
      return `${url.hostname}:${url.port || 5432}`;
    } catch {
      return 'SETTLE_PG_ADMIN_URL';
    }
  })();
  const howToStart =
    'install and start PostgreSQL (`sudo apt-get install postgresql && sudo service postgresql start`, `brew services start postgresql`, or `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:17`), or set SETTLE_PG_ADMIN_URL';
  // Imported here: without node_modules (no `npm ci` yet) the other checks still run and say so.
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    connectionString: adminUrl,
    connectionTimeoutMillis: postgresTimeoutMs,
    application_name: 'settle-prerequisites',
  });
  try {
    await client.connect();
    const { rows } = await client.query(
      'SELECT rolsuper OR (rolcreaterole AND rolcreatedb) AS may FROM pg_roles WHERE rolname = current_user',
    );
    if (!rows[0]?.may)
      return [
        {
          what: `PostgreSQL at ${where}: the role ${client.user} may not create roles and databases`,
          fix: 'connect as a superuser (e.g. postgres) with SETTLE_PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres',
        },
      ];
    return [];
  } catch (error) {
    const code = error.code ?? '';
    if (
      code === 'ECONNREFUSED' ||
      code === 'ENOTFOUND' ||
      code === 'ETIMEDOUT' ||
      /timeout/i.test(error.message)
    ) {
      return [{ what: `no PostgreSQL answers at ${where}`, fix: howToStart }];
    }
    if (code === '28P01' || code === '28000') {
      return [
        {
          what: `PostgreSQL at ${where} refused ${client.user}: ${error.message}`,
          fix: 'allow trust for 127.0.0.1 in pg_hba.conf (`host all postgres 127.0.0.1/32 trust`), or give a password: SETTLE_PG_ADMIN_URL=postgres://postgres:<password>@127.0.0.1:5432/postgres',
        },
      ];
    }
    return [{ what: `PostgreSQL at ${where}: ${error.message}`, fix: howToStart }];
  } finally {
    await client.end().catch(() => undefined);
  }
}

function portFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** The services' ports must be free: another `npm start` (or anything else) on them would answer instead. */
async function checkPorts(ports) {
  const taken = [];
  for (const { name, port } of ports) if (!(await portFree(port))) taken.push(`${port} (${name})`);
  if (taken.length === 0) return [];
  return [
    {
      what: `port${taken.length > 1 ? 's' : ''} ${taken.join(', ')} already in use`,
      fix: `stop what listens there (another \`npm start\`? \`lsof -i :${taken[0].split(' ')[0]}\` names it)`,
    },
  ];
}

/**
 * Every problem found, as { what, fix }. `kafka`: whether a local broker will be started (no
 * KAFKA_BROKERS); `ports`: [{ name, port }] that must be free.
 */
export async function findPrerequisiteProblems({
  kafka = true,
  ports = [],
  adminUrl = process.env.SETTLE_PG_ADMIN_URL || defaultAdminUrl,
} = {}) {
  const installed = checkInstalled();
  return [
    ...checkNode(),
    ...installed,
    ...checkOpenssl(),
    ...(kafka ? checkKafkaTools() : []),
    ...(installed.length > 0 ? [] : await checkPostgres(adminUrl)),
    ...(await checkPorts(ports)),
  ];
}

export function formatProblems(problems) {
  return [
    `npm start cannot run yet — ${problems.length} thing${problems.length > 1 ? 's' : ''} to fix:`,
    ...problems.map((problem, index) => `  ${index + 1}. ${problem.what}\n     → ${problem.fix}`),
  ].join('\n');
}
