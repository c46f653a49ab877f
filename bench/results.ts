import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Figure } from './report/figures';

/**
 * Writes bench/results/<name>.json (the bench's data, its headline figures — see bench/report/headline.ts —
 * and the machine they were measured on) and <name>.md. `npm run bench:report` gathers the figures of
 * every result file into bench/results/README.md.
 */
export function writeResults(
  name: string,
  data: Record<string, unknown>,
  markdownTable: string[],
  figures: readonly Figure[] = [],
): void {
  const directory = path.join(__dirname, 'results');
  mkdirSync(directory, { recursive: true });
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
  const measuredAt = new Date().toISOString();
  writeFileSync(
    path.join(directory, `${name}.json`),
    JSON.stringify({ name, measuredAt, machine, ...data, figures }, null, 2) + '\n',
  );
  writeFileSync(
    path.join(directory, `${name}.md`),
    [
      `# ${name}`,
      '',
      `Measured ${measuredAt} on ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}.`,
      '',
      ...markdownTable,
      '',
    ].join('\n'),
  );
  console.log(markdownTable.join('\n'));
}
