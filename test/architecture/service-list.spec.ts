// The list of services is written once, in libs/contracts/src/services.ts. The plain-Node scripts
// cannot import TypeScript, so scripts/lib/services.mjs repeats it; this test fails when the two differ
// (names and their order, default ports, database names).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { defaultHttpPorts, serviceNames } from '@settle/contracts';
import { databaseNameFor } from '@settle/platform';

const root = path.join(__dirname, '../..');

/** What scripts/lib/services.mjs exports, read by a plain Node process as the scripts read it. */
function scriptServices(): Array<{ name: string; port: number; database: string }> {
  const program = `import { services } from './scripts/lib/services.mjs'; process.stdout.write(JSON.stringify(services));`;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '--eval', program], {
      cwd: root,
      encoding: 'utf8',
    }),
  ) as Array<{ name: string; port: number; database: string }>;
}

describe('the list of services', () => {
  it('is the same in the scripts as in libs/contracts: names in order, default ports, databases', () => {
    const expected = serviceNames.map((name) => ({
      name,
      port: defaultHttpPorts[name],
      database: databaseNameFor(name),
    }));
    expect(scriptServices().map(({ name, port, database }) => ({ name, port, database }))).toEqual(
      expected,
    );
  });
});
