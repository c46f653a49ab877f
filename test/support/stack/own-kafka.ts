// A broker of the test's own, for tests that stop and restart Kafka: its own directory and fixed
// loopback ports, so it restarts on the same address with the same storage. Never the test run's
// shared broker (global-setup.js): an earlier test that stopped that one left it broken for the tests
// after it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// eslint-disable-next-line @nx/enforce-module-boundaries -- scripts/ is plain Node, outside any Nx project
import * as kafkaLocal from '../../../scripts/lib/kafka-local.cjs';

export interface OwnKafka {
  /** `host:port`, for KAFKA_BROKERS. */
  readonly brokers: string;
  /** SIGTERM (no controlled shutdown: tuned for tests), SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and storage; resolves once it answers metadata requests. */
  start(): Promise<void>;
  /** Stops it and deletes its directory. */
  remove(): Promise<void>;
}

export async function startOwnKafka(): Promise<OwnKafka> {
  const directory = mkdtempSync(join(tmpdir(), 'settle-own-kafka-'));
  const settings = {
    directory,
    port: await kafkaLocal.freePort(),
    controllerPort: await kafkaLocal.freePort(),
    tunedForTests: true,
  };
  try {
    await kafkaLocal.startKafka({ ...settings, fresh: true });
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  const stop = async () => void (await kafkaLocal.stopKafka(directory));
  return {
    brokers: `127.0.0.1:${settings.port}`,
    stop,
    start: async () => void (await kafkaLocal.startKafka(settings)),
    remove: async () => {
      await stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
