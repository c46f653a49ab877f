// The four services as child processes started from apps/<name>/src/main.ts (TypeScript through
// @swc-node/register), exactly as in production: each on its own test database, TLS from a throwaway
// test PKI, one topic prefix, the test operator's admin credential. Every port is picked before the
// first start, so a service killed and restarted answers on the same address with the same database,
// environment and key-custody file (the token issuer keeps its signing key: the registry's and the
// verifier's guards, given its JWKS once, still accept the tokens it issues).
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type Endpoints, httpsJsonCall } from '@settle/demo';
import { type TlsEndpoint } from '@settle/device-session';
import { adminAuthorization, testAdminCredentials } from '@settle/platform/testing';
import { createTestDatabase, type TestDatabase } from '@settle/test-support';
/* eslint-disable @nx/enforce-module-boundaries -- scripts/ is plain Node outside any Nx project; applications have no package alias (the token issuer's test PKI) */
import * as kafkaLocal from '../../../scripts/lib/kafka-local.cjs';
import { makeTestPki } from '../../../apps/token-issuer/src/testing/token-issuer-test-kit';
/* eslint-enable @nx/enforce-module-boundaries */

// The one list of services (libs/contracts); the start order is startServiceStack's own: the token
// issuer first, because the others are given its JWKS.
import { type ServiceName } from '@settle/contracts';
export { serviceNames, type ServiceName } from '@settle/contracts';

/** Bound of one service's start, from spawn to its "<name> listening" line (a cold swc compile takes seconds). */
export const serviceStartMs = 90_000;
/** After SIGTERM, how long a service may take to drain before it gets SIGKILL. */
export const serviceStopGraceMs = 15_000;
/** Log lines kept per service for failure messages. */
export const serviceOutputLinesMax = 200;

/** Accepts software keys without evidence (format `none`): the demo world's `noAttestation` enrols with it. */
export const developmentAttestationPolicy = JSON.stringify({
  development: true,
  android: { formats: ['android-key', 'none'], acceptedLevels: ['strongbox', 'tee', 'software'] },
  terminal: { formats: ['android-key', 'none'], acceptedLevels: ['strongbox', 'tee', 'software'] },
});

export interface ServiceStackOptions {
  /** The broker(s) every service uses. */
  readonly kafkaBrokers: string;
  /** Default: a random one. */
  readonly topicPrefix?: string;
  /** Extra variables for every service (e.g. OTEL_*, LOG_LEVEL). */
  readonly env?: NodeJS.ProcessEnv;
  readonly envOf?: Partial<Record<ServiceName, NodeJS.ProcessEnv>>;
  /** Test databases are named settle_<prefix>_<service>_<pid>_<random>; default `stack`. */
  readonly databasePrefix?: string;
  /** When set, every service's output is appended to <logDirectory>/<name>.log too (created if missing). */
  readonly logDirectory?: string;
  /**
   * Processes per service (default 1): the extra ones share the first one's database, environment and
   * key custody, each on ports of its own (its consumer groups split the topics' partitions with the
   * first's). `services` names the first; `replicas` lists them all.
   */
  readonly replicasOf?: Partial<Record<ServiceName, number>>;
}

export interface ServiceProcess {
  readonly name: ServiceName;
  readonly url: string;
  readonly metricsUrl: string;
  readonly databaseUrl: string;
  readonly databaseName: string;
  /** Whether its process runs (false after a crash, a kill, or before the first start). */
  readonly running: boolean;
  /** Its current process id (a restart makes a new one); undefined before the first start. */
  readonly pid: number | undefined;
  /** Sends `signal` (default SIGTERM; SIGKILL after a grace period) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it if it runs, then starts it again: same port, database and environment; resolves once it listens. */
  restart(): Promise<void>;
  /** The last log lines, for failure messages. */
  readonly output: readonly string[];
  /** Exits nobody asked for (kill and restart ask): code or signal, and when. */
  readonly unexpectedExits: ReadonlyArray<{ readonly at: Date; readonly codeOrSignal: string }>;
}

export interface ServiceStack {
  /** How devices and the operator reach the services (the test operator's admin authorization). */
  readonly endpoints: Endpoints;
  readonly services: Record<ServiceName, ServiceProcess>;
  /** Every process of each service, the one in `services` first (see `replicasOf`). */
  readonly replicas: Record<ServiceName, readonly ServiceProcess[]>;
  readonly topicPrefix: string;
  /** The broker(s) the services use (as given). */
  readonly kafkaBrokers: string;
  /** SIGTERM to every service, then drops the databases and removes the PKI directory. */
  stop(): Promise<void>;
}

/** Starts the token issuer, then (with its JWKS) the registry, the verifier and the ledger. */
export async function startServiceStack(options: ServiceStackOptions): Promise<ServiceStack> {
  const topicPrefix = options.topicPrefix ?? `stack${randomBytes(4).toString('hex')}.`;
  const pki = makeTestPki();
  const caPem = readFileSync(pki.caCert, 'utf8');
  const started: ChildService[] = [];
  const stop = async () => {
    await Promise.all(started.map((service) => service.kill('SIGTERM')));
    await Promise.all(
      started.filter((service) => !service.isReplica).map((service) => service.database.drop()),
    );
    rmSync(pki.directory, { recursive: true, force: true });
  };
  if (options.logDirectory !== undefined) mkdirSync(options.logDirectory, { recursive: true });
  try {
    const common: NodeJS.ProcessEnv = {
      KAFKA_BROKERS: options.kafkaBrokers,
      SETTLE_KAFKA_TOPIC_PREFIX: topicPrefix,
      SETTLE_KAFKA_CREATE_TOPICS: 'true',
      SETTLE_ADMIN_CREDENTIALS: await testAdminCredentials(),
      SETTLE_SHUTDOWN_GRACE_MS: '2000',
      LOG_LEVEL: 'info',
      ...options.env,
    };
    const tls = (name: ServiceName) => ({
      SETTLE_HTTP_TLS_CERT_FILE: join(pki.directory, `${name}.crt`),
      SETTLE_HTTP_TLS_KEY_FILE: join(pki.directory, `${name}.key`),
    });
    const start = async (name: ServiceName, env: NodeJS.ProcessEnv) => {
      const logFile =
        options.logDirectory === undefined ? undefined : join(options.logDirectory, `${name}.log`);
      const service = await ChildService.create(
        name,
        options.databasePrefix ?? 'stack',
        { ...common, ...env, ...options.envOf?.[name] },
        logFile,
      );
      started.push(service);
      await service.start();
      return service;
    };
    const issuer = await start('token-issuer', {
      ...tls('token-issuer'),
      SETTLE_KEY_CUSTODY_FILE: pki.keyCustody,
      SETTLE_TOKEN_ISSUER_RATE_LIMIT_KEY_PER_MINUTE: '1000',
      SETTLE_TOKEN_ISSUER_RATE_LIMIT_IP_PER_MINUTE: '100000',
    });
    const endpointOf = (service: ChildService): TlsEndpoint => ({
      host: '127.0.0.1',
      port: service.port,
      servername: 'localhost',
      ca: caPem,
    });
    const jwks = await httpsJsonCall(endpointOf(issuer), caPem, 'GET', '/.well-known/jwks.json');
    if (jwks.status !== 200) throw new Error(`the token issuer's JWKS: HTTP ${jwks.status}`);
    const guard = {
      SETTLE_AUTH_MODE: 'token-binding',
      SETTLE_AUTH_JWKS: JSON.stringify(jwks.body),
    };
    const [registry, verifier, ledger] = await Promise.all([
      // The stack's devices enrol software keys (format none, development policy): let them pay offline.
      start('registry', {
        ...guard,
        ...tls('registry'),
        SETTLE_KEY_CUSTODY_FILE: join(pki.directory, 'registry-key-custody.json'),
        SETTLE_REGISTRY_OFFLINE_ATTESTATION_LEVELS: 'strongbox,tee,secure-enclave,software',
      }),
      start('verifier', {
        ...guard,
        ...tls('verifier'),
        SETTLE_KEY_CUSTODY_FILE: join(pki.directory, 'verifier-key-custody.json'),
        SETTLE_VERIFIER_ATTESTATION_POLICY: developmentAttestationPolicy,
        SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_URL: 'off',
      }),
      start('ledger', {}),
    ]);
    // Started after the first processes, so each database is migrated once.
    const replicas = {
      'token-issuer': await startReplicas(issuer, options.replicasOf, started),
      registry: await startReplicas(registry, options.replicasOf, started),
      verifier: await startReplicas(verifier, options.replicasOf, started),
      ledger: await startReplicas(ledger, options.replicasOf, started),
    };
    return {
      endpoints: {
        issuer: endpointOf(issuer),
        registry: endpointOf(registry),
        verifier: endpointOf(verifier),
        ledgerUrl: ledger.url,
        caPem,
        adminAuthorization: adminAuthorization(),
      },
      services: { 'token-issuer': issuer, registry, verifier, ledger },
      replicas,
      topicPrefix,
      kafkaBrokers: options.kafkaBrokers,
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** The first process of a service and the replicas `replicasOf` asks for, each started in turn. */
async function startReplicas(
  first: ChildService,
  replicasOf: ServiceStackOptions['replicasOf'],
  started: ChildService[],
): Promise<ChildService[]> {
  const replicas: ChildService[] = [first];
  for (let index = 1; index < (replicasOf?.[first.name] ?? 1); index += 1) {
    const replica = await first.replica(index);
    started.push(replica);
    await replica.start();
    replicas.push(replica);
  }
  return replicas;
}

/** One service's child process; its port, metrics port and database outlive the process. */
class ChildService implements ServiceProcess {
  readonly output: string[] = [];
  readonly unexpectedExits: Array<{ at: Date; codeOrSignal: string }> = [];
  private child: ChildProcess | undefined;
  private stopping = false;
  private listeningUrl: string | undefined;

  private constructor(
    readonly name: ServiceName,
    readonly database: TestDatabase,
    readonly port: number,
    private readonly metricsPort: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string | undefined,
    /** A second (third, …) process of the service: its database is the first one's. */
    readonly isReplica = false,
  ) {}

  static async create(
    name: ServiceName,
    databasePrefix: string,
    env: NodeJS.ProcessEnv,
    logFile: string | undefined,
  ): Promise<ChildService> {
    const database = await createTestDatabase(
      `settle_${databasePrefix}_${name.replaceAll('-', '_')}`,
    );
    return new ChildService(
      name,
      database,
      await kafkaLocal.freePort(),
      await kafkaLocal.freePort(),
      env,
      logFile,
    );
  }

  /** Another process of this service: same database and environment, its own ports and log file. */
  async replica(index: number): Promise<ChildService> {
    return new ChildService(
      this.name,
      this.database,
      await kafkaLocal.freePort(),
      await kafkaLocal.freePort(),
      this.env,
      this.logFile?.replace(/\.log$/, `.${index + 1}.log`),
      true,
    );
  }

  /** The URL of its "listening" line (https for the three TLS services, http for the ledger). */
  get url(): string {
    if (this.listeningUrl === undefined) throw new Error(`${this.name} has not started yet`);
    return this.listeningUrl;
  }

  get metricsUrl(): string {
    return `http://127.0.0.1:${this.metricsPort}/metrics`;
  }

  get databaseUrl(): string {
    return this.database.url;
  }

  get databaseName(): string {
    return this.database.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /**
   * Spawns `node -r @swc-node/register apps/<name>/src/main.ts`; resolves once it logs that it listens.
   * The test run's own SETTLE_ variables are not passed on (a service refuses variables it does not know).
   */
  async start(): Promise<void> {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([variable]) => !variable.startsWith('SETTLE_')),
    );
    const root = join(__dirname, '../../..');
    // STACK_CPU_PROF_DIR: each service writes a V8 CPU profile there when it exits (bench/tools/profile-summary.mjs).
    const profiling = process.env.STACK_CPU_PROF_DIR
      ? ['--cpu-prof', '--cpu-prof-dir', process.env.STACK_CPU_PROF_DIR]
      : [];
    const child = spawn(
      process.execPath,
      [...profiling, '-r', '@swc-node/register', join(root, `apps/${this.name}/src/main.ts`)],
      {
        cwd: root,
        env: {
          ...inherited,
          ...this.env,
          DATABASE_URL: this.database.url,
          SETTLE_HTTP_PORT: String(this.port),
          SETTLE_METRICS_PORT: String(this.metricsPort),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    this.stopping = false;
    child.once('exit', (code, signal) => {
      if (!this.stopping)
        this.unexpectedExits.push({ at: new Date(), codeOrSignal: String(code ?? signal) });
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${this.name} did not start within ${serviceStartMs} ms:\n${this.lastLines()}`,
            ),
          ),
        serviceStartMs,
      );
      let listening = false;
      const onLine = (line: string) => {
        this.output.push(line);
        if (this.output.length > serviceOutputLinesMax) this.output.shift();
        const url = listening ? undefined : listeningUrlOf(line, this.name);
        if (url !== undefined) {
          listening = true;
          this.listeningUrl = url;
          clearTimeout(timer);
          resolve();
        }
      };
      for (const stream of [child.stdout!, child.stderr!]) {
        let pending = '';
        stream.on('data', (chunk: Buffer) => {
          if (this.logFile !== undefined) appendFileSync(this.logFile, chunk);
          const lines = (pending + chunk.toString('utf8')).split('\n');
          pending = lines.pop() ?? '';
          lines.forEach(onLine);
        });
      }
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited with ${code ?? signal}:\n${this.lastLines()}`));
      });
    }).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    });
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.stopping = true;
    child.kill(signal);
    const killer = setTimeout(() => child.kill('SIGKILL'), serviceStopGraceMs);
    await exited;
    clearTimeout(killer);
  }

  async restart(): Promise<void> {
    await this.kill('SIGTERM');
    await this.start();
  }

  private lastLines(): string {
    return this.output.slice(-20).join('\n');
  }
}

/** The `url` of the service's "<name> listening" log line (JSON, as the platform logs), if `line` is that line. */
function listeningUrlOf(line: string, name: ServiceName): string | undefined {
  if (!line.startsWith('{') || !line.includes('listening')) return undefined;
  try {
    const record = JSON.parse(line) as { msg?: unknown; url?: unknown };
    return record.msg === `${name} listening` && typeof record.url === 'string'
      ? record.url
      : undefined;
  } catch {
    return undefined;
  }
}
