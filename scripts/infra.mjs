// npm run infra:up [-- --fresh] | npm run infra:down
// Starts (or stops) the local single-node Kafka the services and the demo use. With KAFKA_BROKERS set,
// that cluster is used and nothing is started.
import path from 'node:path';
import kafkaLocal from './lib/kafka-local.cjs';
const { repositoryRoot, startKafka, stopKafka } = kafkaLocal;

export const developmentKafka = {
  directory: path.join(repositoryRoot, '.cache/kafka/dev'),
  port: Number(process.env.KAFKA_LOCAL_PORT ?? 19092),
  controllerPort: Number(process.env.KAFKA_LOCAL_CONTROLLER_PORT ?? 19093),
};

const [command, ...flags] = process.argv.slice(2);
if (command === 'up') {
  if (process.env.KAFKA_BROKERS) {
    console.log(`[kafka] KAFKA_BROKERS=${process.env.KAFKA_BROKERS}: using that cluster, starting nothing`);
  } else {
    await stopKafka(developmentKafka.directory);
    const broker = await startKafka({ ...developmentKafka, fresh: flags.includes('--fresh') });
    console.log(`[kafka] ready at ${broker.brokers.join(',')} (pid ${broker.pid}, log ${broker.logFile})`);
  }
} else if (command === 'down') {
  const stopped = await stopKafka(developmentKafka.directory);
  console.log(stopped ? '[kafka] stopped' : '[kafka] was not running');
} else {
  console.error('usage: node scripts/infra.mjs up [--fresh] | down');
  process.exit(2);
}
