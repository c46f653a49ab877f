const { rmSync } = require('node:fs');

module.exports = async function globalTeardown() {
  const directory = process.env.TEST_KAFKA_DIRECTORY;
  if (!directory) return;
  const kafka = await import('../../scripts/lib/kafka-local.mjs');
  await kafka.stopKafka(directory);
  rmSync(directory, { recursive: true, force: true });
};
