import { figure } from './figures';
import { type EndToEndData, type LedgerData } from './headline';
import {
  buildReport,
  escapeCell,
  figuresOf,
  renderFiguresTable,
  type StoredResult,
} from './report';

const machine = { cpus: 2, cpuModel: 'AMD EPYC', memoryGiB: 24, node: 'v20.20.2' };

const ledgerData: LedgerData = {
  results: [
    { batchSize: 100, ledger: { settledPerSecond: 1_302 }, raw: { settledPerSecond: 4_976 } },
    { batchSize: 1_000, ledger: { settledPerSecond: 2_542 }, raw: { settledPerSecond: 8_487 } },
  ],
  rebuild: { entriesPerSecond: 60_000 },
};

const endToEndData: EndToEndData = {
  runs: [
    {
      configuration: '2 terminals × batch 100',
      terminals: 2,
      batchSize: 100,
      ratePerSecond: null,
      payments: 4_000,
      settled: 4_000,
      settledPerSecond: 1_500,
      uploadToSettledMs: { p50: 400, p95: 900, p99: 1_200, max: 1_400 },
    },
    {
      configuration: '4 terminals × batch 500',
      terminals: 4,
      batchSize: 500,
      ratePerSecond: null,
      payments: 8_000,
      settled: 8_000,
      settledPerSecond: 2_100,
      uploadToSettledMs: { p50: 900, p95: 1_600, p99: 2_000, max: 2_300 },
    },
  ],
  fixedRate: {
    configuration: '4 terminals at 500/s',
    terminals: 4,
    batchSize: 50,
    ratePerSecond: 500,
    payments: 10_000,
    settled: 10_000,
    settledPerSecond: 499,
    uploadToSettledMs: { p50: 180, p95: 600, p99: 950, max: 1_100 },
  },
  baseline: { label: 'slowest component alone: ledger', settledPerSecond: 2_542 },
};

const stored = (name: string, data: object, figures?: StoredResult['figures']): StoredResult => ({
  name,
  measuredAt: '2026-12-06T08:10:00.000Z',
  machine,
  ...data,
  ...(figures ? { figures } : {}),
});

describe('figure', () => {
  it('computes the ratio to the baseline and refuses what is not a number', () => {
    expect(
      figure({ id: 'x.y', label: 'x', value: 30, unit: '/s', baseline: { label: 'b', value: 120 } })
        .ratio,
    ).toBe(0.25);
    expect(figure({ id: 'x.y', label: 'x', value: 30, unit: '/s' }).ratio).toBeUndefined();
    expect(() => figure({ id: 'x.y', label: 'x', value: Number.NaN, unit: '/s' })).toThrow(
      'not a finite number',
    );
    expect(() =>
      figure({ id: 'x.y', label: 'x', value: 1, unit: '/s', baseline: { label: 'b', value: 0 } }),
    ).toThrow('not positive');
  });
});

describe('headline figures', () => {
  it('holds the ledger at batch 1000 to its targets', () => {
    const [settlement, rebuild] = figuresOf(stored('ledger', ledgerData))!;
    expect(settlement).toMatchObject({
      id: 'ledger.batch-1000',
      value: 2_542,
      baseline: { value: 8_487 },
      target: { met: false },
    });
    expect(settlement!.ratio).toBeCloseTo(2_542 / 8_487, 9);
    expect(rebuild).toMatchObject({ id: 'ledger.rebuild', value: 60_000, target: { met: true } });
  });

  it('takes the best end-to-end configuration for throughput and the fixed-rate run for p99', () => {
    const figures = figuresOf(stored('end-to-end', endToEndData))!;
    expect(figures.find((entry) => entry.id === 'end-to-end.throughput')).toMatchObject({
      value: 2_100,
      target: { met: true },
      baseline: { value: 2_542 },
    });
    expect(figures.find((entry) => entry.id === 'end-to-end.p99-at-fixed-rate')).toMatchObject({
      value: 950,
      unit: 'ms',
      target: { met: true },
    });
  });

  it('says when an end-to-end run was shortened', () => {
    const [throughput] = figuresOf(stored('end-to-end', { ...endToEndData, scale: 0.05 }))!;
    expect(throughput!.label).toBe(
      'upload → settled, four services, 4 terminals × batch 500 (best) — shortened run, BENCH_SCALE=0.05',
    );
  });

  it('prefers the figures a result file stores, and has none for data it cannot read', () => {
    const own = [
      figure({
        id: 'faults.lost',
        label: 'payments lost',
        value: 0,
        unit: 'payments',
        target: { text: '0', met: true },
      }),
    ];
    expect(figuresOf(stored('faults', {}, own))).toEqual(own);
    expect(figuresOf(stored('ledger', { results: [] }))).toBeNull();
    expect(figuresOf(stored('unknown-bench', {}))).toBeNull();
  });
});

describe('renderFiguresTable', () => {
  it('puts each figure next to its baseline, ratio and target, and escapes the cells', () => {
    const table = renderFiguresTable([
      {
        bench: 'guard',
        measuredAt: '2026-12-06T08:10:00.000Z',
        figure: figure({
          id: 'g.k',
          label: 'guarded | kept-alive',
          value: 3_459,
          unit: 'requests/s',
          baseline: { label: 'unguarded', value: 10_969 },
          target: { text: '≥ 80 % of unguarded', met: false },
        }),
      },
      {
        bench: 'ledger',
        measuredAt: '2026-12-06T08:10:00.000Z',
        figure: figure({ id: 'l.r', label: 'rebuild', value: 60_000, unit: 'entries/s' }),
      },
    ]);
    expect(table[0]).toBe(
      '| bench | figure | product | baseline, same run | ratio | target | | measured |',
    );
    expect(table[2]).toBe(
      '| guard | guarded \\| kept-alive | **3,459 requests/s** | 10,969 requests/s (unguarded) | 32 % | ≥ 80 % of unguarded | **missed** | 2026-12-06 08:10 UTC |',
    );
    expect(table[3]).toBe(
      '| ledger | rebuild | **60,000 entries/s** | — | — | — | — | 2026-12-06 08:10 UTC |',
    );
    // Every row has the header's number of cells.
    const cellCount = (row: string) => row.replace(/\\\|/g, '').split('|').length;
    for (const row of table) expect(cellCount(row)).toBe(cellCount(table[0]!));
  });

  it('escapes pipes, backslashes and line breaks in a cell', () => {
    expect(escapeCell('a|b\\c\nd')).toBe('a\\|b\\\\c d');
  });
});

describe('buildReport', () => {
  it('writes one table of every figure, the machines, and a chart per comparison', () => {
    const report = buildReport([
      stored('end-to-end', endToEndData),
      stored('ledger', ledgerData),
      stored('faults', {}),
    ]);
    expect(report.charts.map((chart) => chart.id)).toEqual([
      'ledger',
      'end-to-end',
      'end-to-end-throughput',
      'end-to-end-latency',
    ]);
    // Parts before the whole, whatever order the files came in.
    expect(report.markdown.indexOf('## ledger')).toBeLessThan(
      report.markdown.indexOf('## end-to-end'),
    );
    expect(report.markdown).toContain(
      '| ledger | ledger settlement, batch 1000 | **2,542 settled/s** | 8,487 settled/s (same writes by hand with pg) | 30 % |',
    );
    expect(report.markdown).toContain(
      '![end-to-end: product next to its baseline, same run](charts/end-to-end.svg)',
    );
    expect(report.markdown).toContain(
      '- 2 cores (AMD EPYC), 24 GiB, Node v20.20.2: ledger, end-to-end, faults',
    );
    expect(report.markdown).toContain('Targets: 3 of 4 met.');
    expect(report.markdown).toMatch(/## faults\n\n.*\n\nNo headline figures in this result file\./);
    for (const chart of report.charts) expect(chart.svg.startsWith('<svg')).toBe(true);
  });
});
