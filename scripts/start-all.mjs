// npm run start:all [-- --no-build]: builds, creates the four databases (db-setup), starts the four
// services from dist/ with prefixed logs, waits until each answers /health/ready with 200, prints the
// URLs, and stops them all (SIGTERM, then SIGKILL after a grace period) on SIGINT or SIGTERM. If one
// service dies, the others are stopped too.
//
// The same as a function, startAllServices(), for scripts/demo.mjs (`npm start`), which adds its own
// variables per service and sends the logs to files.
//
// The token issuer, the registry and the verifier serve HTTPS (token binding needs TLS to end in the
// process). Their development certificates (trusted through .cache/dev-pki/ca.crt) and their
// key-custody files (one per service: token-signing, credential-signing, receipt-signing) come from
// scripts/dev-pki.mjs; the registry's and the verifier's resource guards fetch the local issuer's JWKS
// (SETTLE_AUTH_JWKS_URL) trusting the development CA (NODE_EXTRA_CA_CERTS). The shell may override
// any SETTLE_AUTH_*. A variable of the development PKI that the compiled service does not read (an
// older build) is left out, and that service then runs as before (plain HTTP).
//
// Kafka is not started here (npm run infra:up). Each service uses its own default database, port and
// files: DATABASE_URL, PORT, SETTLE_HTTP_PORT, SETTLE_KEY_CUSTODY_FILE and SETTLE_HTTP_TLS_* from this
// shell would point all four at one of each (and stop those that do not read them), so they are not
// passed on.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';
import { setUpDatabases } from './db-setup.mjs';
import { createDevPki, devPkiEnvironment } from './dev-pki.mjs';
import { services } from './lib/services.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readyTimeoutMs = 60_000;
const readyPollMs = 250;
/** After SIGTERM, a service gets this long (its own grace period plus margin) before SIGKILL. */
const stopTimeoutMs = 20_000;
/** Log lines of each service kept in memory, to show why one died. */
const logTailLines = 40;
export const perServiceVariables = [
  'DATABASE_URL',
  'PORT',
  'SETTLE_HTTP_PORT',
  'SETTLE_KEY_CUSTODY_FILE',
  'SETTLE_HTTP_TLS_CERT_FILE',
  'SETTLE_HTTP_TLS_KEY_FILE',
];

const host = process.env.SETTLE_HTTP_HOST || '127.0.0.1';

function prefixLines(stream, prefix, output) {
  readline
    .createInterface({ input: stream })
    .on('line', (line) => output.write(`${prefix} ${line}\n`));
}

/** The variables the compiled service reads (its config definition), or null if that cannot be told. */
function knownVariables(service) {
  const script = `const m = require(${JSON.stringify(path.join(root, `dist/apps/${service.name}/src/config.js`))});
const definition = Object.values(m).find((value) => value && typeof value === 'object' && 'DATABASE_URL' in value);
process.stdout.write(JSON.stringify(definition ? Object.keys(definition) : null));`;
  const result = spawnSync(process.execPath, ['-e', script], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  try {
    const names = result.status === 0 ? JSON.parse(result.stdout) : null;
    return names ? new Set(names) : null;
  } catch {
    return null;
  }
}

/**
 * A service's environment: the development PKI's variables (those it reads), then this shell's (minus
 * the per-service ones and `unset`), then `extra` (the caller's, e.g. the demo's), then its port. HTTPS
 * when it has a certificate; the readiness probe trusts the development CA, or (a certificate from this
 * shell) does not check it.
 */
function planService(service, devPki, { extra = {}, unset = [], log }) {
  const shell = { ...process.env };
  for (const name of [...perServiceVariables, ...unset]) delete shell[name];
  const pki = devPkiEnvironment(devPki, service.name, {
    tokenIssuerPort: services.find((candidate) => candidate.name === 'token-issuer').port,
  });
  const known = Object.keys(pki).length > 0 ? knownVariables(service) : null;
  const unread = known
    ? Object.keys(pki).filter((name) => name.startsWith('SETTLE_') && !known.has(name))
    : [];
  if (unread.length > 0) {
    log(`${service.name} does not read ${unread.join(', ')} (an older build?): not passed`);
    for (const name of unread) delete pki[name];
  }
  const env = { ...pki, ...shell, ...extra, SETTLE_HTTP_PORT: String(service.port) };
  if (
    pki.NODE_EXTRA_CA_CERTS &&
    process.env.NODE_EXTRA_CA_CERTS &&
    process.env.NODE_EXTRA_CA_CERTS !== pki.NODE_EXTRA_CA_CERTS
  ) {
    // One file only: keep the shell's CAs and add the development CA.
    const bundle = path.join(path.dirname(devPki.caCert), `${service.name}-extra-ca.crt`);
    writeFileSync(
      bundle,
      `${readFileSync(process.env.NODE_EXTRA_CA_CERTS, 'utf8').trimEnd()}\n${readFileSync(devPki.caCert, 'utf8')}`,
    );
    env.NODE_EXTRA_CA_CERTS = bundle;
  }
  const certificate = service.tlsCertVariable ? env[service.tlsCertVariable] : undefined;
  const https = Boolean(certificate);
  const trust =
    certificate === pki[service.tlsCertVariable]
      ? { ca: readFileSync(devPki.caCert), servername: 'localhost' }
      : { rejectUnauthorized: false };
  return { env, https, trust };
}

/**
 * GET over HTTPS trusting the development CA (fetch cannot be given a CA). With a certificate from this
 * shell, whose CA start-all does not know, the local readiness probe does not check it.
 */
function httpsStatus(url, trust) {
  return new Promise((resolve, reject) => {
    const request = httpsGet(url, { ...trust, timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}

/**
 * Builds (unless `build: false`), sets up the databases, makes the development PKI, starts the four
 * services and waits until each is ready. Resolves a handle:
 *   { services: [{ name, port, url, https }], devPki, stop(), tail(name), exited }
 * `exited` resolves with the first service that exits on its own ({ name, code, signal }); the caller
 * decides what to do (the CLI stops the others). Options:
 *   env      { [service]: { VAR: value } } added to that service's environment ('*': every service)
 *   unset    names of this shell's variables not to pass on
 *   databases      false when the caller ran db-setup already
 *   logDirectory   each service's output goes to <logDirectory>/<service>.log instead of the console
 *   onSpawned      receives stop() as soon as the processes exist, so a Ctrl-C while they start stops them
 *   log      where start-all's own lines go
 */
export async function startAllServices({
  build: buildFirst = true,
  databases = true,
  env = {},
  unset = [],
  logDirectory = null,
  onSpawned = () => undefined,
  log = (message) => console.log(`[start-all] ${message}`),
} = {}) {
  for (const name of perServiceVariables.filter((variable) => process.env[variable])) {
    log(
      `ignoring ${name} from this shell: each service uses its own default (see docs/configuration.md)`,
    );
  }
  if (buildFirst) build();
  if (databases) await setUpDatabases({ log });
  const devPki = createDevPki();
  const httpsServices = services
    .filter((service) => service.tlsCertVariable)
    .map((service) => service.name);
  log(
    `development PKI in .cache/dev-pki${devPki.renewed ? ` (made ${devPki.made.join(', ')})` : ''}: trust ca.crt for the HTTPS of ${[httpsServices.slice(0, -1).join(', '), httpsServices.at(-1)].filter(Boolean).join(' and ')}`,
  );
  const plans = new Map(
    services.map((service) => [
      service.name,
      planService(service, devPki, { extra: { ...env['*'], ...env[service.name] }, unset, log }),
    ]),
  );
  const children = new Map();
  const tails = new Map(services.map((service) => [service.name, []]));
  let stopping = false;
  let reportExit;
  const exited = new Promise((resolve) => (reportExit = resolve));
  if (logDirectory) mkdirSync(logDirectory, { recursive: true });

  const urlOf = (service) =>
    `${plans.get(service.name).https ? 'https' : 'http'}://${host}:${service.port}`;
  const start = (service) => {
    const child = spawn(
      process.execPath,
      [path.join(root, `dist/apps/${service.name}/src/main.js`)],
      { cwd: root, env: plans.get(service.name).env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const tail = tails.get(service.name);
    const keep = (line) => {
      tail.push(line);
      if (tail.length > logTailLines) tail.shift();
    };
    if (logDirectory) {
      const file = createWriteStream(path.join(logDirectory, `${service.name}.log`), {
        flags: 'a',
      });
      for (const stream of [child.stdout, child.stderr])
        readline.createInterface({ input: stream }).on('line', (line) => {
          file.write(`${line}\n`);
          keep(line);
        });
      child.once('exit', () => file.end());
    } else {
      const prefix = `[${service.name}]`.padEnd(15);
      prefixLines(child.stdout, prefix, process.stdout);
      prefixLines(child.stderr, prefix, process.stderr);
      readline.createInterface({ input: child.stdout }).on('line', keep);
      readline.createInterface({ input: child.stderr }).on('line', keep);
    }
    const gone = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    children.set(service.name, { child, gone });
    gone.then(({ code, signal }) => {
      children.delete(service.name);
      if (!stopping) reportExit({ name: service.name, code, signal });
    });
  };
  const waitUntilReady = async (service) => {
    const url = `${urlOf(service)}/health/ready`;
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (!children.has(service.name))
        throw new Error(
          `${service.name} exited before it was ready${logDirectory ? ` (log: ${path.join(logDirectory, `${service.name}.log`)})` : ''}`,
        );
      try {
        const { https, trust } = plans.get(service.name);
        const status = https
          ? await httpsStatus(url, trust)
          : (await fetch(url, { signal: AbortSignal.timeout(2_000) })).status;
        if (status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, readyPollMs));
    }
    throw new Error(`${service.name} was not ready within ${readyTimeoutMs} ms (${url})`);
  };
  const stop = async () => {
    stopping = true;
    const running = [...children.entries()];
    if (running.length > 0) log(`stopping ${running.map(([name]) => name).join(', ')}`);
    await Promise.all(
      running.map(async ([name, { child, gone }]) => {
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          log(`${name} did not stop within ${stopTimeoutMs} ms: SIGKILL`);
          child.kill('SIGKILL');
        }, stopTimeoutMs);
        await gone;
        clearTimeout(timer);
      }),
    );
    if (running.length > 0) log('all stopped');
  };

  for (const service of services) start(service);
  onSpawned(stop);
  try {
    await Promise.all(services.map(waitUntilReady));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    services: services.map((service) => ({
      name: service.name,
      port: service.port,
      url: urlOf(service),
      https: plans.get(service.name).https,
    })),
    devPki,
    stop,
    tail: (name) => [...(tails.get(name) ?? [])],
    exited,
  };
}

/** The CLI: start, print the URLs, stop all on Ctrl-C or when one dies. */
async function main() {
  const log = (message) => console.log(`[start-all] ${message}`);
  let stop = null;
  let stopping = false;
  const stopAll = async (exitCode) => {
    if (stopping) return;
    stopping = true;
    await stop?.();
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  try {
    const handle = await startAllServices({
      build: !process.argv.includes('--no-build'),
      log,
      onSpawned: (stopServices) => (stop = stopServices),
    });
    handle.exited.then(({ name, code, signal }) => {
      log(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the others`);
      void stopAll(1);
    });
    log('all services ready:');
    for (const { name, url } of handle.services)
      log(`  ${name.padEnd(13)} ${url}   docs ${url}/docs   ready ${url}/health/ready`);
    log('Ctrl-C stops them all');
  } catch (error) {
    log(`failed: ${error.message}`);
    await stopAll(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
