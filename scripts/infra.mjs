// npm run infra:up [-- --fresh] | npm run infra:down
// Starts (or stops) the local single-node Kafka the services and the demo use. With KAFKA_BROKERS set,
// that cluster is used and nothing is started. scripts/demo.mjs (`npm start`) uses the same functions.
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import kafkaLocal from './lib/kafka-local.cjs';
const { repositoryRoot, startKafka, stopKafka, isAlive } = kafkaLocal;

export const developmentKafka = {
  directory: path.join(repositoryRoot, '.cache/kafka/dev'),
  port: Number(process.env.KAFKA_LOCAL_PORT ?? 19092),
  controllerPort: Number(process.env.KAFKA_LOCAL_CONTROLLER_PORT ?? 19093),
};

/** The pid of the development broker if one runs (its pid file names a live process), else null. */
export function runningDevelopmentKafka() {
  const pidFile = path.join(developmentKafka.directory, 'kafka.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  return Number.isInteger(pid) && isAlive(pid) ? pid : null;
}

/** (Re)starts the development broker; resolves { brokers, pid, logFile } once it answers. */
export async function startDevelopmentKafka({ fresh = false } = {}) {
  await stopKafka(developmentKafka.directory);
  return startKafka({ ...developmentKafka, fresh });
}

/** Stops the development broker; resolves whether one was running. */
export function stopDevelopmentKafka() {
  return stopKafka(developmentKafka.directory);
}

async function main() {
  const [command, ...flags] = process.argv.slice(2);
  if (command === 'up') {
    if (process.env.KAFKA_BROKERS) {
      console.log(
        `[kafka] KAFKA_BROKERS=${process.env.KAFKA_BROKERS}: using that cluster, starting nothing`,
      );
    } else {
      const broker = await startDevelopmentKafka({ fresh: flags.includes('--fresh') });
      console.log(
        `[kafka] ready at ${broker.brokers.join(',')} (pid ${broker.pid}, log ${broker.logFile})`,
      );
    }
  } else if (command === 'down') {
    const stopped = await stopDevelopmentKafka();
    console.log(stopped ? '[kafka] stopped' : '[kafka] was not running');
  } else {
    console.error('usage: node scripts/infra.mjs up [--fresh] | down');
    process.exit(2);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
