// The test run's own broker (started by global-setup.js), for tests that stop and restart it.
// eslint-disable-next-line @nx/enforce-module-boundaries -- scripts/ is plain Node, outside any Nx project
import * as kafkaLocal from '../../scripts/lib/kafka-local.cjs';

export interface TestBroker {
  readonly directory: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** The broker the global setup started, or null when the tests run against KAFKA_BROKERS. */
export function testBroker(): TestBroker | null {
  const directory = process.env.TEST_KAFKA_DIRECTORY;
  if (!directory) return null;
  return {
    directory,
    stop: async () => void (await kafkaLocal.stopKafka(directory)),
    start: async () =>
      void (await kafkaLocal.startKafka({
        directory,
        port: Number(process.env.TEST_KAFKA_PORT),
        controllerPort: Number(process.env.TEST_KAFKA_CONTROLLER_PORT),
        tunedForTests: true,
      })),
  };
}
