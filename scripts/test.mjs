// The whole test suite, in the order that fails fastest: types, lint, unit tests, then the
// integration and end-to-end tests (which start their own Kafka and create their own databases), then
// the faults-under-load test.
import { spawnSync } from 'node:child_process';

const steps = [
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  // The module-boundary lint rule reads Nx's project graph and silently skips itself without one.
  ['project graph', 'npx', ['nx', 'show', 'projects']],
  ['lint', 'npx', ['eslint', '--max-warnings', '0', '.']],
  // One layout for the code (Prettier, 100 columns; `npm run format` applies it).
  ['format', 'npx', ['prettier', '--check', '--log-level', 'warn', '.']],
  ['unit tests', 'npx', ['jest', '--selectProjects', 'unit']],
  // --forceExit is a backstop: a failed test that leaves a Kafka client retrying must fail the run,
  // not hang it. Tests still stop what they start (harness.track, service.stop).
  [
    'integration tests',
    'npx',
    ['jest', '--selectProjects', 'integration', '--runInBand', '--forceExit'],
  ],
  // Minutes long, on a stack and a Kafka of its own: payments while services, Kafka and database
  // connections fail (docs/operations.md, "Faults under load"); also `npm run test:faults` alone.
  [
    'faults under load',
    'npx',
    ['jest', '--selectProjects', 'faults', '--runInBand', '--forceExit'],
  ],
];

for (const [name, command, args] of steps) {
  const started = Date.now();
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  console.log(
    `=== ${name}: ${result.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s ===`,
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
}
