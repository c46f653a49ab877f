// A real single-node Apache Kafka (KRaft) started from the jars on Maven Central.
//
// The jars are fetched once with Maven (infra/kafka/pom.xml) into .cache/kafka/lib-<version>; a second
// start downloads nothing. Each broker gets its own directory (storage, config, log, pid file) and its
// own loopback ports, so a developer's broker and a test run's broker never collide.
// CommonJS on purpose: the npm scripts (ES modules), Jest's global setup and the TypeScript tests all
// load it without a loader.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const {
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  closeSync,
} = require('node:fs');
const { createServer } = require('node:net');
const path = require('node:path');

const repositoryRoot = path.resolve(__dirname, '../..');
const pomFile = path.join(repositoryRoot, 'infra/kafka/pom.xml');
const log4jConfigFile = path.join(repositoryRoot, 'infra/kafka/log4j2.properties');

const brokerReadyTimeoutMs = 90_000;
const brokerStopGraceMs = 30_000;
const pollIntervalMs = 250;

function kafkaVersion() {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(pomFile, 'utf8'));
  if (!match) throw new Error(`no <kafka.version> in ${pomFile}`);
  return match[1];
}

/** Copies the broker's runtime jars into the cache once; returns the folder. */
function ensureKafkaJars() {
  const libDirectory = path.join(repositoryRoot, '.cache/kafka', `lib-${kafkaVersion()}`);
  const marker = path.join(libDirectory, '.complete');
  if (existsSync(marker)) return libDirectory;
  rmSync(libDirectory, { recursive: true, force: true });
  console.error(
    `[kafka] fetching Apache Kafka ${kafkaVersion()} jars with Maven into ${libDirectory}`,
  );
  const result = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      pomFile,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${libDirectory}`,
    ],
    { stdio: 'inherit' },
  );
  if (result.status !== 0)
    throw new Error(`mvn dependency:copy-dependencies failed (exit ${result.status})`);
  writeFileSync(marker, new Date().toISOString());
  return libDirectory;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function serverProperties({ dataDirectory, port, controllerPort, tunedForTests }) {
  const lines = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDirectory}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'log.cleaner.dedupe.buffer.size=33554432',
  ];
  if (tunedForTests) {
    lines.push('group.min.session.timeout.ms=1000', 'controlled.shutdown.enable=false');
  }
  return lines.join('\n') + '\n';
}

function java(libDirectory, args, options = {}) {
  return spawnSync('java', ['-cp', path.join(libDirectory, '*'), ...args], {
    encoding: 'utf8',
    ...options,
  });
}

/**
 * Starts a broker in `directory` (created if missing). With `fresh`, the storage is wiped first.
 * Resolves once a kafkajs admin client gets cluster metadata from it.
 */
async function startKafka({
  directory,
  port,
  controllerPort,
  fresh = false,
  tunedForTests = false,
  heapMb = 512,
}) {
  const libDirectory = ensureKafkaJars();
  const dataDirectory = path.join(directory, 'data');
  const configFile = path.join(directory, 'server.properties');
  const logFile = path.join(directory, 'kafka.log');
  if (fresh) rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  writeFileSync(
    configFile,
    serverProperties({ dataDirectory, port, controllerPort, tunedForTests }),
  );

  if (!existsSync(path.join(dataDirectory, 'meta.properties'))) {
    const clusterId = java(libDirectory, ['kafka.tools.StorageTool', 'random-uuid']).stdout.trim();
    const format = java(libDirectory, [
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      configFile,
    ]);
    if (format.status !== 0)
      throw new Error(`kafka storage format failed: ${format.stderr || format.stdout}`);
  }

  const logDescriptor = openSync(logFile, 'a');
  const child = spawn(
    'java',
    [
      `-Xms${Math.min(256, heapMb)}m`,
      `-Xmx${heapMb}m`,
      '-XX:+UseSerialGC',
      `-Dlog4j2.configurationFile=${log4jConfigFile}`,
      '-cp',
      path.join(libDirectory, '*'),
      'kafka.Kafka',
      configFile,
    ],
    { detached: true, stdio: ['ignore', logDescriptor, logDescriptor] },
  );
  closeSync(logDescriptor);
  child.unref();
  writeFileSync(path.join(directory, 'kafka.pid'), String(child.pid));
  let exitCode = null;
  child.once('exit', (code) => (exitCode = code ?? -1));

  const brokers = [`127.0.0.1:${port}`];
  const deadline = Date.now() + brokerReadyTimeoutMs;
  for (;;) {
    if (exitCode !== null)
      throw new Error(`kafka exited with ${exitCode} during start-up; see ${logFile}`);
    if (await answers(brokers)) break;
    if (Date.now() > deadline) {
      await stopKafka(directory);
      throw new Error(`kafka did not answer within ${brokerReadyTimeoutMs} ms; see ${logFile}`);
    }
    await sleep(pollIntervalMs);
  }
  return { brokers, pid: child.pid, logFile, directory };
}

async function answers(brokers) {
  const { Kafka, logLevel } = require('kafkajs');
  const admin = new Kafka({
    clientId: 'infra-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** SIGTERM (controlled shutdown), then SIGKILL after a grace period. */
async function stopKafka(directory) {
  const pidFile = path.join(directory, 'kafka.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  rmSync(pidFile, { force: true });
  if (!isAlive(pid)) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + brokerStopGraceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(pollIntervalMs);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  return true;
}

/** SIGKILL, for fault tests: the broker gets no chance to shut down cleanly. */
function killKafka(directory) {
  const pidFile = path.join(directory, 'kafka.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

module.exports = {
  repositoryRoot,
  kafkaVersion,
  ensureKafkaJars,
  freePort,
  startKafka,
  stopKafka,
  killKafka,
  isAlive,
};
