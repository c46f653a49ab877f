// npm run migrate -- <service|all> [--no-build]   apply a service's migrations without starting it
// npm run topics:create                            create the Kafka topics of the catalogue (and dead-letter topics)
// npm run redrive -- <service> [--reason=R] [--offset=N,...] [--execute]   list / re-publish dead letters
// node scripts/run.mjs bench                       forwards to scripts/bench.mjs
//
// Commands run the compiled code in dist/ (built first unless --no-build), so they behave exactly
// like the services do in production. `migrate` and `createTopics` are exported for scripts/demo.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';
import { findService, services } from './lib/services.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

export async function migrate(target, flags = []) {
  if (!target) throw new UsageError('migrate needs a service name or "all"');
  const selected = target === 'all' ? services : [findService(target)];
  if (selected.length > 1 && process.env.DATABASE_URL) {
    throw new UsageError(
      'DATABASE_URL is set: "migrate all" would migrate every service into that one database; migrate one service at a time',
    );
  }
  if (!flags.includes('--no-build')) build({ quiet: true });
  const { migrateService, ConfigurationError } = require(
    path.join(root, 'dist/libs/platform/src/index.js'),
  );
  for (const service of selected) {
    const { serviceDefinition } = require(
      path.join(root, `dist/apps/${service.name}/src/service-definition.js`),
    );
    try {
      const report = await migrateService(serviceDefinition);
      console.error(
        `[migrate] ${service.name}: ${report.applied.length} applied, ${report.alreadyApplied} already applied`,
      );
    } catch (error) {
      if (error instanceof ConfigurationError)
        throw new UsageError(`${service.name}: ${error.message}`);
      throw error;
    }
  }
}

export class UsageError extends Error {}

/** Creates the catalogue's topics (and dead-letter topics) that do not exist yet; resolves their names. */
export async function createTopics(flags = []) {
  if (!flags.includes('--no-build')) build({ quiet: true });
  const { createTopicsCommand } = require(path.join(root, 'dist/libs/messaging/src/index.js'));
  const created = await createTopicsCommand();
  console.error(
    `[topics] ${created.length === 0 ? 'every topic exists' : `created ${created.join(', ')}`}`,
  );
  return created;
}

const commands = {
  migrate,
  topics: (_target, flags) => createTopics(flags),
  redrive: async (service, flags) => {
    if (!service)
      throw new UsageError(
        'redrive needs a service name: npm run redrive -- ledger [--reason=R] [--offset=N,...] [--execute]',
      );
    findService(service);
    if (!flags.includes('--no-build')) build({ quiet: true });
    const { redriveCommand } = require(path.join(root, 'dist/libs/messaging/src/index.js'));
    const result = await redriveCommand(service, flags);
    console.log(JSON.stringify(result.listed, null, 2));
    console.error(
      `[redrive] ${result.listed.length} dead letters selected, ${result.republished} re-published${flags.includes('--execute') ? '' : ' (dry run: add --execute)'}`,
    );
  },
  bench: async () => {
    const bench = path.join(root, 'scripts/bench.mjs');
    if (!existsSync(bench)) throw new UsageError('bench: scripts/bench.mjs does not exist yet');
    const result = spawnSync(process.execPath, [bench, ...process.argv.slice(3)], {
      stdio: 'inherit',
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
  },
};

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const run = commands[command];
  if (!run) {
    console.error(
      'usage: node scripts/run.mjs migrate <registry|verifier|ledger|token-issuer|all> [--no-build] | topics | redrive | bench',
    );
    process.exit(2);
  }
  try {
    await run(
      rest.find((argument) => !argument.startsWith('--')),
      rest.filter((argument) => argument.startsWith('--')),
    );
  } catch (error) {
    console.error(error instanceof UsageError ? `[${command}] ${error.message}` : error);
    process.exit(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
