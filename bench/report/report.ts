// The benchmark report (bench/results/README.md and its charts) built from the stored result files.
// Pure: the caller reads the files and writes what this returns.
import { type BarChart, type Figure, formatPercent, formatQuantity } from './figures';
import { extraCharts, headlineFigures } from './headline';
import { renderBarChart } from './svg';

/** A bench/results/<name>.json as writeResults stores it (figures absent in files written before them). */
export interface StoredResult {
  readonly name: string;
  readonly measuredAt: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly node: string;
  };
  readonly figures?: readonly Figure[];
  readonly [field: string]: unknown;
}

export interface Report {
  readonly markdown: string;
  readonly charts: readonly { readonly id: string; readonly svg: string }[];
}

/** The order benches appear in: from the parts to the whole. */
const benchOrder = [
  'crypto',
  'guard',
  'token-issuer',
  'backbone',
  'ledger',
  'verifier',
  'end-to-end',
  'faults',
  'sound',
];

type BuilderName = keyof typeof headlineFigures;
const isBuilderName = (name: string): name is BuilderName => Object.hasOwn(headlineFigures, name);

/** The stored figures, or for an older file the ones its data yields (null when it yields none). */
export function figuresOf(result: StoredResult): readonly Figure[] | null {
  if (result.figures) return result.figures;
  if (!isBuilderName(result.name)) return null;
  const build = headlineFigures[result.name] as (data: unknown) => Figure[];
  try {
    return build(result);
  } catch {
    return null;
  }
}

/** A table cell: pipes and line breaks would break the row. */
export function escapeCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function formatMeasuredAt(isoTimestamp: string): string {
  return `${isoTimestamp.slice(0, 10)} ${isoTimestamp.slice(11, 16)} UTC`;
}

/** One row per headline figure: product, baseline, ratio, target and whether it was met, when measured. */
export function renderFiguresTable(
  rows: readonly { readonly bench: string; readonly figure: Figure; readonly measuredAt: string }[],
): string[] {
  const lines = rows.map(({ bench, figure, measuredAt }) => {
    const cells = [
      bench,
      figure.label,
      `**${formatQuantity(figure.value, figure.unit)}**`,
      figure.baseline
        ? `${formatQuantity(figure.baseline.value, figure.baseline.unit ?? figure.unit)} (${figure.baseline.label})`
        : '—',
      figure.ratio === undefined ? '—' : formatPercent(figure.ratio),
      figure.target?.text ?? '—',
      figure.target === undefined ? '—' : figure.target.met ? 'met' : '**missed**',
      formatMeasuredAt(measuredAt),
    ];
    return `| ${cells.map(escapeCell).join(' | ')} |`;
  });
  return [
    '| bench | figure | product | baseline, same run | ratio | target | | measured |',
    '|---|---|---:|---:|---:|---|---|---|',
    ...lines,
  ];
}

/** Product next to baseline for every figure of a bench that has one. */
export function baselineChart(bench: string, figures: readonly Figure[]): BarChart | null {
  const compared = figures.filter((figure) => figure.baseline !== undefined);
  if (compared.length === 0) return null;
  return {
    id: bench,
    title: `${bench}: product next to its baseline, same run`,
    unit: '',
    series: ['product', 'baseline'],
    groups: compared.map((figure) => ({
      label: `${figure.label} vs ${figure.baseline!.label}`,
      values: [figure.value, figure.baseline!.value],
      annotations: [
        `${formatQuantity(figure.value, figure.unit)} (${formatPercent(figure.ratio!)})`,
        formatQuantity(figure.baseline!.value, figure.baseline!.unit ?? figure.unit),
      ],
    })),
    scale: 'per-group',
  };
}

function machineLines(results: readonly StoredResult[]): string[] {
  const byMachine = new Map<string, string[]>();
  for (const result of results) {
    const { cpus, cpuModel, memoryGiB, node } = result.machine;
    const machine = `${cpus} cores (${cpuModel}), ${memoryGiB} GiB, Node ${node}`;
    byMachine.set(machine, [...(byMachine.get(machine) ?? []), result.name]);
  }
  return [...byMachine].map(([machine, names]) => `- ${machine}: ${names.join(', ')}`);
}

function sortedByBenchOrder(results: readonly StoredResult[]): StoredResult[] {
  const rank = (name: string) =>
    benchOrder.includes(name) ? benchOrder.indexOf(name) : benchOrder.length;
  return [...results].sort(
    (left, right) => rank(left.name) - rank(right.name) || left.name.localeCompare(right.name),
  );
}

function chartsOf(result: StoredResult, figures: readonly Figure[]): BarChart[] {
  const extra = isBuilderName(result.name)
    ? (extraCharts[result.name] as ((data: unknown) => BarChart[]) | undefined)
    : undefined;
  const compared = baselineChart(result.name, figures);
  return [...(compared ? [compared] : []), ...(extra ? extra(result) : [])];
}

/** The report: every headline figure in one table, the machines, and a chart section per bench. */
export function buildReport(unsorted: readonly StoredResult[]): Report {
  const results = sortedByBenchOrder(unsorted);
  const rows = results.flatMap((result) =>
    (figuresOf(result) ?? []).map((figure) => ({
      bench: result.name,
      figure,
      measuredAt: result.measuredAt,
    })),
  );
  const charts = results.flatMap((result) =>
    chartsOf(result, figuresOf(result) ?? []).map((chart) => ({ bench: result.name, chart })),
  );
  const missed = rows.filter((row) => row.figure.target && !row.figure.target.met).length;
  const withTarget = rows.filter((row) => row.figure.target).length;
  const markdown = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (every benchmark, then this report) or `npm run bench:report` (this report alone, from',
    'the `*.json` files next to it); how each bench works and what its baseline is: [docs/benchmarks.md](../../docs/benchmarks.md).',
    'Each figure is next to its baseline measured in the same run of its bench, on the same machine.',
    '',
    `Targets: ${withTarget - missed} of ${withTarget} met.`,
    '',
    ...renderFiguresTable(rows),
    '',
    'Measured on:',
    ...machineLines(results),
    '',
    ...results.flatMap((result) => [
      `## ${result.name}`,
      '',
      `Measured ${formatMeasuredAt(result.measuredAt)}; every figure of the run: [${result.name}.md](${result.name}.md).`,
      ...((figuresOf(result) ?? []).length === 0
        ? ['', 'No headline figures in this result file.']
        : []),
      '',
      ...charts
        .filter((entry) => entry.bench === result.name)
        .flatMap(({ chart }) => [`![${chart.title}](charts/${chart.id}.svg)`, '']),
    ]),
  ].join('\n');
  return {
    markdown,
    charts: charts.map(({ chart }) => ({ id: chart.id, svg: renderBarChart(chart) })),
  };
}
