// npm run bench:report: reads bench/results/*.json and writes bench/results/README.md and the charts
// in bench/results/charts/ (`npm run bench` runs it after the benchmarks).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildReport, type StoredResult } from './report';

const resultsDirectory = path.join(__dirname, '..', 'results');
const chartsDirectory = path.join(resultsDirectory, 'charts');

function readResults(): StoredResult[] {
  return readdirSync(resultsDirectory)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map(
      (file) => JSON.parse(readFileSync(path.join(resultsDirectory, file), 'utf8')) as StoredResult,
    );
}

function main(): void {
  const results = readResults();
  if (results.length === 0)
    throw new Error(`no result files in ${resultsDirectory}: run \`npm run bench\` first`);
  const report = buildReport(results);
  // Charts of a bench that no longer has them must not linger next to the report.
  rmSync(chartsDirectory, { recursive: true, force: true });
  mkdirSync(chartsDirectory, { recursive: true });
  for (const chart of report.charts)
    writeFileSync(path.join(chartsDirectory, `${chart.id}.svg`), chart.svg);
  writeFileSync(path.join(resultsDirectory, 'README.md'), report.markdown);
  console.log(
    `bench report: ${path.relative(process.cwd(), path.join(resultsDirectory, 'README.md'))} (${results.length} result files, ${report.charts.length} charts)`,
  );
}

main();
