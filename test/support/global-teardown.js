const { rmSync } = require('node:fs');

module.exports = async function globalTeardown() {
  const directory = process.env.TEST_KAFKA_DIRECTORY;
  if (!directory) return;
  const kafka = require('../../scripts/lib/kafka-local.cjs');
  await kafka.stopKafka(directory);
  rmSync(directory, { recursive: true, force: true });
};
