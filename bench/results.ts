import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Writes bench/results/<name>.json and <name>.md, with the machine they were measured on. */
export function writeResults(name: string, data: Record<string, unknown>, markdownTable: string[]): void {
  const directory = path.join(__dirname, 'results');
  mkdirSync(directory, { recursive: true });
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
  const measuredAt = new Date().toISOString();
  writeFileSync(path.join(directory, `${name}.json`), JSON.stringify({ name, measuredAt, machine, ...data }, null, 2) + '\n');
  writeFileSync(
    path.join(directory, `${name}.md`),
    [`# ${name}`, '', `Measured ${measuredAt} on ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}.`, '', ...markdownTable, ''].join('\n'),
  );
  console.log(markdownTable.join('\n'));
}
