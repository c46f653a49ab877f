// npm run build: compiles apps/, libs/ and demo/ with swc into dist/ (same layout: dist/apps/ledger/src/main.js,
// dist/demo/src/index.js)
// and copies each project's migrations/*.sql next to the compiled code, so the
// path.join(__dirname, '..', 'migrations') lookups in the sources work from dist too.
// The .swcrc `paths` rewrite the @settle/* imports into relative requires.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist');
const sourceRoots = ['apps', 'libs', 'demo'];

export function build({ quiet = false } = {}) {
  const started = Date.now();
  rmSync(outDir, { recursive: true, force: true });
  // demo/ is not in the image's build context (.dockerignore): what is missing is not compiled.
  const present = sourceRoots.filter((sourceRoot) => existsSync(path.join(root, sourceRoot)));
  const swc = spawnSync(
    path.join(root, 'node_modules/.bin/swc'),
    [
      ...present,
      '-d',
      outDir,
      '--config-file',
      '.swcrc',
      '--ignore',
      '**/*.spec.ts,**/*.int-spec.ts',
      '-q',
    ],
    { cwd: root, stdio: 'inherit' },
  );
  if (swc.status !== 0) throw new Error(`swc failed with exit code ${swc.status}`);
  let copied = 0;
  for (const sourceRoot of present) {
    for (const project of readdirSync(path.join(root, sourceRoot), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)) {
      const migrations = path.join(root, sourceRoot, project, 'migrations');
      if (!existsSync(migrations)) continue;
      const target = path.join(outDir, sourceRoot, project, 'migrations');
      mkdirSync(target, { recursive: true });
      for (const file of readdirSync(migrations).filter((name) => name.endsWith('.sql'))) {
        copyFileSync(path.join(migrations, file), path.join(target, file));
        copied += 1;
      }
    }
  }
  if (!quiet)
    console.log(
      `[build] dist/ ready in ${Date.now() - started} ms (${copied} migration files copied)`,
    );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    build();
  } catch (error) {
    console.error(`[build] ${error.message}`);
    process.exit(1);
  }
}
