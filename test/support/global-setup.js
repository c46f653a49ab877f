// Starts what the integration tests need: a fresh single-node Kafka in its own directory on free
// loopback ports (unless KAFKA_BROKERS names an existing cluster). PostgreSQL is the local server;
// each test creates its own database (test/support/postgres.ts).
const path = require('node:path');
const os = require('node:os');
const { mkdtempSync } = require('node:fs');

module.exports = async function globalSetup() {
  if (process.env.KAFKA_BROKERS) return;
  const kafka = require('../../scripts/lib/kafka-local.cjs');
  const directory = mkdtempSync(path.join(os.tmpdir(), 'settle-test-kafka-'));
  const [port, controllerPort] = [await kafka.freePort(), await kafka.freePort()];
  const started = Date.now();
  const broker = await kafka.startKafka({
    directory,
    port,
    controllerPort,
    fresh: true,
    tunedForTests: true,
  });
  process.env.KAFKA_BROKERS = broker.brokers.join(',');
  process.env.TEST_KAFKA_DIRECTORY = directory;
  process.env.TEST_KAFKA_PORT = String(port);
  process.env.TEST_KAFKA_CONTROLLER_PORT = String(controllerPort);
  console.log(
    `\n[test] kafka ready at ${process.env.KAFKA_BROKERS} in ${Date.now() - started} ms (${directory})`,
  );
};
