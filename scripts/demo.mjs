// npm start (and npm run demo): the whole product on this machine, then a demo through it.
//
//   npm start [-- --keep-running] [--no-build] [--payments=N] [--terminals=N] [--phones=N] [--batch=N]
//
// 1. checks the prerequisites (Node, npm ci done, OpenSSL, Java 17+ and — until the Kafka jars are
//    cached — Maven, PostgreSQL at SETTLE_PG_ADMIN_URL or 127.0.0.1:5432, free ports) and names what is
//    missing and how to get it;
// 2. builds dist/ (scripts/build.mjs), starts the project's Kafka (KRaft, scripts/infra.mjs; an existing
//    one is reused and left running; KAFKA_BROKERS names another cluster), creates the topics, sets up
//    the databases and migrates them;
// 3. starts a small OTLP/HTTP receiver in this process and the four services (scripts/start-all.mjs),
//    each exporting its spans to it, with a throwaway admin credential and, for the verifier, a demo
//    attestation policy trusting the DEMO TEST CA (made now, in memory; not a real device vendor);
// 4. runs the demo (demo/src/run-demo.ts, compiled): enrolment, payments over sound, uploads,
//    settlement, confirmations, balances; prints the summary and writes demo/output/<run>/report.html;
// 5. stops what it started — unless --keep-running: then the stack stays up until Ctrl-C.
//
// Exit code 0 when every case ended as documented and the balances match the ledger, 1 otherwise.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';
import { setUpDatabases } from './db-setup.mjs';
import { runningDevelopmentKafka, startDevelopmentKafka, stopDevelopmentKafka } from './infra.mjs';
import { findPrerequisiteProblems, formatProblems } from './lib/prerequisites.mjs';
import { services } from './lib/services.mjs';
import { createTopics, migrate } from './run.mjs';
import { startAllServices } from './start-all.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const log = (message) => console.log(`[start] ${message}`);

function parseArguments(argv) {
  const flags = new Set(argv.filter((argument) => !argument.includes('=')));
  const number = (name) => {
    const raw = argv.find((argument) => argument.startsWith(`--${name}=`))?.slice(name.length + 3);
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw))
      throw new Error(`--${name} takes a whole number, not ${JSON.stringify(raw)}`);
    return Number(raw);
  };
  const known = ['--keep-running', '--no-build', '--help'];
  const unknown = [...flags].filter((flag) => !known.includes(flag));
  if (unknown.length > 0)
    throw new Error(
      `unknown option ${unknown.join(', ')} (known: ${known.join(', ')}, --payments=N, --terminals=N, --phones=N, --batch=N)`,
    );
  return {
    keepRunning: flags.has('--keep-running'),
    build: !flags.has('--no-build'),
    help: flags.has('--help'),
    counts: {
      terminals: number('terminals'),
      phones: number('phones'),
      payments: number('payments'),
      batchSize: number('batch'),
    },
  };
}

/** The counts of the run: defaults, overridden within the scenario's bounds. */
function countsOf(requested, demo) {
  const counts = { ...demo.defaultCounts };
  for (const [name, value] of Object.entries(requested)) {
    if (value === undefined) continue;
    if (value < demo.countsMin[name] || value > demo.countsMax[name])
      throw new Error(
        `${name} must be within ${demo.countsMin[name]}…${demo.countsMax[name]}, not ${value}`,
      );
    counts[name] = value;
  }
  return counts;
}

const timestamp = () =>
  new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** Everything this run started, stopped in reverse order (services, receiver, Kafka if it started it). */
function createStopper() {
  const steps = [];
  let stopping = null;
  return {
    // A step added once stopping began (a Ctrl-C while the services start) runs at once.
    add: (step) =>
      stopping
        ? void Promise.resolve()
            .then(step)
            .catch(() => undefined)
        : steps.unshift(step),
    /** Stops everything once; a second call waits for the first. */
    stopAll() {
      stopping ??= (async () => {
        for (const step of steps)
          await Promise.resolve()
            .then(step)
            .catch((error) => log(`while stopping: ${error.message}`));
      })();
      return stopping;
    },
  };
}

async function prepareStack({ build: buildFirst, stopper, afterBuild }) {
  const ports = services.map(({ name, port }) => ({ name, port }));
  const startKafka = !process.env.KAFKA_BROKERS;
  const problems = await findPrerequisiteProblems({ kafka: startKafka, ports });
  if (problems.length > 0) {
    console.error(formatProblems(problems));
    return false;
  }
  if (buildFirst) {
    log('building dist/ …');
    build();
  }
  afterBuild();
  if (!startKafka) log(`KAFKA_BROKERS=${process.env.KAFKA_BROKERS}: using that cluster`);
  else if (runningDevelopmentKafka())
    log('the project’s Kafka is running already (npm run infra:up): using it, leaving it running');
  else {
    log('starting Kafka (KRaft, the project’s jars; first time: Maven fetches them) …');
    // Registered first: a Ctrl-C while the broker starts stops it too.
    stopper.add(async () => {
      if (await stopDevelopmentKafka()) log('Kafka stopped');
    });
    const broker = await startDevelopmentKafka();
    log(
      `Kafka ready at ${broker.brokers.join(',')} (log ${path.relative(process.cwd(), broker.logFile)})`,
    );
  }
  await createTopics(['--no-build']);
  await setUpDatabases({ log: (line) => log(line.replace(/^\[db-setup\] /, 'database ')) });
  if (process.env.DATABASE_URL)
    log(
      'DATABASE_URL is set in this shell: the services migrate their own databases at start instead',
    );
  else {
    // The services' migration logs (JSON lines) stay out of the console: warnings and errors still show.
    const level = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'warn';
    try {
      await migrate('all', ['--no-build']);
    } finally {
      if (level === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = level;
    }
  }
  return true;
}

/** The run's output directory with the demo CA, its policy for the verifier, and an admin credential. */
async function prepareRun(demo) {
  const outputDirectory = path.join(root, 'demo/output', timestamp());
  mkdirSync(path.join(outputDirectory, 'logs'), { recursive: true });
  const ca = await demo.createDemoTestCa();
  const policyFile = path.join(outputDirectory, 'verifier-attestation-policy.DEMO-TEST-CA.json');
  writeFileSync(policyFile, `${JSON.stringify(demo.demoAttestationPolicy(ca), null, 2)}\n`);
  writeFileSync(
    path.join(outputDirectory, 'DEMO-TEST-CA-not-a-real-device-vendor.crt'),
    ca.rootPem,
  );
  const admin = await demo.demoAdminCredential();
  log(
    `attestation: the verifier trusts the ${ca.label} for this run (policy ${path.relative(process.cwd(), policyFile)})`,
  );
  return {
    outputDirectory,
    shown: path.relative(process.cwd(), outputDirectory) || '.',
    ca,
    policyFile,
    admin,
  };
}

/** The four services with what the demo adds: span export to the receiver, the admin credential, the demo CA policy. */
async function startServicesForDemo(run, receiver, stopper) {
  const shellCredentials = process.env.SETTLE_ADMIN_CREDENTIALS
    ? JSON.parse(process.env.SETTLE_ADMIN_CREDENTIALS)
    : [];
  log(`traces: the services export to ${receiver.url} (this process)`);
  log(`starting the four services (logs in ${path.join(run.shown, 'logs')}) …`);
  const stack = await startAllServices({
    build: false,
    databases: false,
    onSpawned: (stopServices) => stopper.add(stopServices),
    logDirectory: path.join(run.outputDirectory, 'logs'),
    log,
    unset: [
      'SETTLE_VERIFIER_ATTESTATION_POLICY',
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
      'OTEL_TRACES_EXPORTER',
    ],
    env: {
      '*': {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Spans leave within half a second, so the report's trace is complete soon after settlement.
        OTEL_BSP_SCHEDULE_DELAY: '500',
        SETTLE_ADMIN_CREDENTIALS: JSON.stringify([...shellCredentials, run.admin.credential]),
      },
      // The demo runs offline: no fetch of Google's Android revocation list (its devices are the demo CA's).
      verifier: {
        SETTLE_VERIFIER_ATTESTATION_POLICY_FILE: run.policyFile,
        SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_URL: 'off',
      },
      // The demo's phones and terminals may hold software keys (the demo policy accepts them): they pay offline.
      registry: {
        SETTLE_REGISTRY_OFFLINE_ATTESTATION_LEVELS: 'strongbox,tee,secure-enclave,software',
      },
    },
  });
  for (const { name, url } of stack.services)
    log(`  ${name.padEnd(13)} ${url}   (docs ${url}/docs)`);
  return stack;
}

/** How the demo's devices and operator reach the stack. */
function endpointsOf(stack, admin) {
  const caPem = readFileSync(stack.devPki.caCert, 'utf8');
  const serviceNamed = (name) => stack.services.find((service) => service.name === name);
  const endpointOf = (name) => ({
    host: '127.0.0.1',
    port: serviceNamed(name).port,
    servername: 'localhost',
    ca: caPem,
  });
  return {
    issuer: endpointOf('token-issuer'),
    registry: endpointOf('registry'),
    verifier: endpointOf('verifier'),
    ledgerUrl: serviceNamed('ledger').url,
    caPem,
    adminAuthorization: admin.authorization,
  };
}

function printExplorationHints(stack, admin) {
  const ca = path.relative(process.cwd(), stack.devPki.caCert);
  log(
    '--keep-running: the stack stays up for exploring; Ctrl-C stops the services' +
      (process.env.KAFKA_BROKERS ? '' : ' and Kafka (if this run started it)'),
  );
  for (const { name, url } of stack.services) log(`  ${name.padEnd(13)} ${url}/docs`);
  log(
    `  TLS: trust ${ca}    admin routes: -H "Authorization: ${admin.authorization}"   (this run only)`,
  );
  log(`  e.g. curl --cacert ${ca} https://localhost:3002/v1/receipt-keys`);
  log(
    `  e.g. curl -H "Authorization: ${admin.authorization}" http://127.0.0.1:3003/admin/accounts/fee-revenue_EUR/balance`,
  );
}

/** Stack up, demo, report; resolves the exit code. Everything started is registered with `stopper`. */
async function runEverything(options, stopper, isInterrupted) {
  let demo;
  let counts;
  // The demo's compiled code (and its bounds on the counts) is there once dist/ is built.
  const loadDemo = () => {
    demo = require(path.join(root, 'dist/demo/src/index.js'));
    counts = countsOf(options.counts, demo);
  };
  if (!(await prepareStack({ build: options.build, stopper, afterBuild: loadDemo }))) return 1;
  const run = await prepareRun(demo);
  const receiver = await demo.startOtlpReceiver();
  stopper.add(() => receiver.close());
  const stack = await startServicesForDemo(run, receiver, stopper);
  let died = null;
  stack.exited.then((exit) => {
    died = exit;
    if (!isInterrupted())
      log(
        `${exit.name} exited unexpectedly (${exit.signal ?? `code ${exit.code}`}); its last lines:\n${stack
          .tail(exit.name)
          .map((line) => `    ${line}`)
          .join('\n')}`,
      );
  });
  console.log(
    `\n[demo] ${counts.payments} payments between ${counts.phones} phones and ${counts.terminals} terminals, plus the attacks; uploads in batches of ${counts.batchSize}\n`,
  );
  const outcome = await demo.runDemo({
    endpoints: endpointsOf(stack, run.admin),
    counts,
    ca: run.ca,
    receiver,
    outputDirectory: run.outputDirectory,
    outputDirectoryShown: run.shown,
    output: process.stdout,
    extraFiles: [
      ...services.map(({ name }) => ({
        name: `logs/${name}.log`,
        what: `the ${name}'s log (JSON lines)`,
      })),
      {
        name: path.basename(run.policyFile),
        what: 'the verifier’s demo attestation policy (trusts the DEMO TEST CA only)',
      },
      { name: 'DEMO-TEST-CA-not-a-real-device-vendor.crt', what: 'the demo CA’s root certificate' },
    ],
  });
  if (died)
    throw new Error(
      `${died.name} died during the demo (see ${path.join(run.shown, 'logs', `${died.name}.log`)})`,
    );
  if (!outcome.succeeded)
    log('the demo did not end as documented: see the summary above and the report');
  if (options.keepRunning && !isInterrupted()) {
    printExplorationHints(stack, run.admin);
    await new Promise(() => undefined);
  }
  return outcome.succeeded ? 0 : 1;
}

async function main() {
  let options;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`[start] ${error.message}`);
    return 2;
  }
  if (options.help) {
    console.log('scripts/demo.mjs: see the comment at its top, README.md and docs/operations.md');
    return 0;
  }
  const stopper = createStopper();
  let interrupted = false;
  const onSignal = (signal) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${signal}: stopping what this run started (again to kill at once)`);
    void stopper.stopAll().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const code = await runEverything(options, stopper, () => interrupted);
    await stopper.stopAll();
    return code;
  } catch (error) {
    if (!interrupted)
      log(
        `failed: ${process.env.DEBUG ? (error.stack ?? error.message) : `${error.message} (DEBUG=1 shows where)`}`,
      );
    await stopper.stopAll();
    return interrupted ? 130 : 1;
  }
}

process.exit(await main());
