// npm run bench [-- name]: runs the benchmarks under bench/ against a Kafka of their own (unless
// KAFKA_BROKERS is set) and the local PostgreSQL; results go to bench/results/, then the report
// (bench/results/README.md with charts; `npm run bench:report` writes it alone). docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import kafkaLocal from './lib/kafka-local.cjs';

const only = process.argv[2];
// The end-to-end bench last: its baseline is the verifier's and the ledger's results of this run.
const lastBench = 'end-to-end.bench.ts';
const benchFiles = readdirSync(path.join(kafkaLocal.repositoryRoot, 'bench')).filter((file) =>
  file.endsWith('.bench.ts'),
);
// A name that is a bench's whole name runs that bench alone (`ledger` is not also `ledger-history`);
// otherwise every bench whose name starts with it.
const exact = benchFiles.includes(`${only}.bench.ts`);
const benches = benchFiles
  .filter((file) => !only || (exact ? file === `${only}.bench.ts` : file.startsWith(only)))
  .sort(
    (left, right) =>
      Number(left === lastBench) - Number(right === lastBench) || left.localeCompare(right),
  );
let directory = null;
if (!process.env.KAFKA_BROKERS) {
  directory = mkdtempSync(path.join(os.tmpdir(), 'settle-bench-kafka-'));
  const broker = await kafkaLocal.startKafka({
    directory,
    port: await kafkaLocal.freePort(),
    controllerPort: await kafkaLocal.freePort(),
    fresh: true,
    heapMb: 1024,
  });
  process.env.KAFKA_BROKERS = broker.brokers.join(',');
}
// The end-to-end bench tells a component result of this run from an older one by it.
process.env.BENCH_RUN_STARTED_AT = new Date().toISOString();
let failed = false;
try {
  for (const bench of benches) {
    console.log(`\n=== ${bench} ===`);
    // BENCH_CPU_PROF=1 writes a V8 profile to bench/results/profiles (summarise it with bench/tools/profile-summary.mjs).
    const profiling = process.env.BENCH_CPU_PROF
      ? ['--cpu-prof', '--cpu-prof-dir', path.join('bench', 'results', 'profiles')]
      : [];
    const result = spawnSync(
      process.execPath,
      [...profiling, '-r', '@swc-node/register', path.join('bench', bench)],
      { stdio: 'inherit', cwd: kafkaLocal.repositoryRoot },
    );
    if (result.status !== 0) failed = true;
  }
} finally {
  if (directory) {
    await kafkaLocal.stopKafka(directory);
    rmSync(directory, { recursive: true, force: true });
  }
}
const report = spawnSync(
  process.execPath,
  ['-r', '@swc-node/register', path.join('bench', 'report', 'write-report.ts')],
  { stdio: 'inherit', cwd: kafkaLocal.repositoryRoot },
);
process.exit(failed || report.status !== 0 ? 1 : 0);
