// npm run start:all [-- --no-build]: builds, creates the four databases (db-setup), starts the four
// services from dist/ with prefixed logs, waits until each answers /health/ready with 200, prints the
// URLs, and stops them all (SIGTERM, then SIGKILL after a grace period) on SIGINT or SIGTERM. If one
// service dies, the others are stopped too.
//
// Kafka is not started here (npm run infra:up). Each service uses its own default database and port:
// DATABASE_URL, PORT and SETTLE_HTTP_PORT from this shell would point all four at one of each, so
// they are not passed on.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';
import { setUpDatabases } from './db-setup.mjs';
import { services } from './lib/services.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readyTimeoutMs = 60_000;
const readyPollMs = 250;
/** After SIGTERM, a service gets this long (its own grace period plus margin) before SIGKILL. */
const stopTimeoutMs = 20_000;
const perServiceVariables = ['DATABASE_URL', 'PORT', 'SETTLE_HTTP_PORT'];

const host = process.env.SETTLE_HTTP_HOST || '127.0.0.1';
const children = new Map();
let stopping = false;

function log(message) {
  console.log(`[start-all] ${message}`);
}

function prefixLines(stream, prefix, output) {
  readline.createInterface({ input: stream }).on('line', (line) => output.write(`${prefix} ${line}\n`));
}

function startService(service) {
  const env = { ...process.env, SETTLE_HTTP_PORT: String(service.port) };
  for (const name of perServiceVariables.filter((variable) => variable !== 'SETTLE_HTTP_PORT')) delete env[name];
  const child = spawn(process.execPath, [path.join(root, `dist/apps/${service.name}/src/main.js`)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `[${service.name}]`.padEnd(15);
  prefixLines(child.stdout, prefix, process.stdout);
  prefixLines(child.stderr, prefix, process.stderr);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  children.set(service.name, { child, exited });
  exited.then(({ code, signal }) => {
    children.delete(service.name);
    if (!stopping) {
      log(`${service.name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the others`);
      void stopAll(1);
    }
  });
  return exited;
}

async function waitUntilReady(service) {
  const url = `http://${host}:${service.port}/health/ready`;
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (!children.has(service.name)) throw new Error(`${service.name} exited before it was ready`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, readyPollMs));
  }
  throw new Error(`${service.name} was not ready within ${readyTimeoutMs} ms (${url})`);
}

async function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  const running = [...children.entries()];
  if (running.length > 0) log(`stopping ${running.map(([name]) => name).join(', ')}`);
  await Promise.all(
    running.map(async ([name, { child, exited }]) => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        log(`${name} did not stop within ${stopTimeoutMs} ms: SIGKILL`);
        child.kill('SIGKILL');
      }, stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    }),
  );
  log('all stopped');
  process.exit(exitCode);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  for (const name of perServiceVariables.filter((variable) => process.env[variable])) {
    log(`ignoring ${name} from this shell: each service uses its own default (see docs/configuration.md)`);
  }
  if (!process.argv.includes('--no-build')) build();
  await setUpDatabases({ log });
  for (const service of services) startService(service);
  await Promise.all(services.map(waitUntilReady));
  log('all services ready:');
  for (const service of services) {
    const url = `http://${host}:${service.port}`;
    log(`  ${service.name.padEnd(13)} ${url}   docs ${url}/docs   ready ${url}/health/ready`);
  }
  log('Ctrl-C stops them all');
} catch (error) {
  log(`failed: ${error.message}`);
  await stopAll(1);
}
