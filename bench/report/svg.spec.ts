import { type BarChart } from './figures';
import { barLengthPx, escapeXml, niceAxis, renderBarChart, wrapLabel } from './svg';

const rectWidths = (svg: string) =>
  [...svg.matchAll(/<rect x="\d+(?:\.\d)?" y="[\d.]+" width="([\d.]+)" height="18"/g)].map(
    (match) => Number(match[1]),
  );

describe('niceAxis', () => {
  it.each([
    [8_487, 10_000, 2_000],
    [2_537, 3_000, 1_000],
    [1_000, 1_000, 200],
    [0.82, 1, 0.2],
    [13, 15, 5],
  ])('an axis for %p ends at %p in steps of %p', (max, axisMax, step) => {
    const axis = niceAxis(max);
    expect(axis.max).toBeCloseTo(axisMax, 9);
    expect(axis.step).toBeCloseTo(step, 9);
    expect(axis.ticks[0]).toBe(0);
    expect(axis.ticks[axis.ticks.length - 1]).toBeCloseTo(axisMax, 9);
    expect(axis.max).toBeGreaterThanOrEqual(max);
  });

  it('gives a unit axis for nothing to draw', () => {
    expect(niceAxis(0)).toEqual({ max: 1, step: 1, ticks: [0, 1] });
    expect(niceAxis(Number.NaN).max).toBe(1);
  });
});

describe('barLengthPx', () => {
  it('is proportional to the value and never leaves the plot', () => {
    const full = barLengthPx(100, 100);
    expect(full).toBeGreaterThan(0);
    expect(barLengthPx(25, 100)).toBeCloseTo(full / 4, 9);
    expect(barLengthPx(250, 100)).toBe(full);
    expect(barLengthPx(-5, 100)).toBe(0);
    expect(barLengthPx(5, 0)).toBe(0);
  });
});

describe('wrapLabel', () => {
  it('keeps a short label on one line', () => {
    expect(wrapLabel('ledger settlement, batch 1000')).toEqual(['ledger settlement, batch 1000']);
  });

  it('breaks at spaces and ends an overlong label in an ellipsis', () => {
    const lines = wrapLabel('one two three four five six seven eight nine ten', 10, 2);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('one two');
    expect(lines[1]!.endsWith('…')).toBe(true);
    expect(lines[1]!.length).toBeLessThanOrEqual(10);
  });
});

describe('renderBarChart', () => {
  const chart: BarChart = {
    id: 'ledger',
    title: 'ledger <product> & "baseline"',
    unit: 'settled/s',
    series: ['product', 'baseline'],
    groups: [
      { label: 'batch 1000 <raw & pg>', values: [2_500, 10_000] },
      { label: 'rebuild', values: [5_000, null] },
    ],
    scale: 'shared',
    reference: { label: 'target ≥ 10,000/s', value: 10_000 },
  };

  it('escapes every label it prints', () => {
    const svg = renderBarChart(chart);
    expect(svg).toContain('ledger &lt;product&gt; &amp; &quot;baseline&quot;');
    expect(svg).toContain('batch 1000 &lt;raw &amp; pg&gt;');
    expect(svg).not.toMatch(/<raw|<product>/);
    expect(escapeXml(`<a href='x'>&</a>`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('draws bars on one shared axis, none for a missing value', () => {
    const widths = rectWidths(renderBarChart(chart));
    // 2,500, 10,000 and 5,000 on an axis to 10,000: a quarter, all and half of the plot.
    expect(widths).toHaveLength(3);
    expect(widths[0]! / widths[1]!).toBeCloseTo(0.25, 2);
    expect(widths[2]! / widths[1]!).toBeCloseTo(0.5, 2);
  });

  it('draws each group against its own largest value on a per-group scale', () => {
    const widths = rectWidths(
      renderBarChart({
        ...chart,
        scale: 'per-group',
        reference: undefined,
        groups: [
          { label: 'a', values: [50, 200] },
          { label: 'b', values: [9_000, 3_000] },
        ],
      }),
    );
    expect(widths[0]! / widths[1]!).toBeCloseTo(0.25, 2);
    expect(widths[2]).toBe(widths[1]);
    expect(widths[3]! / widths[2]!).toBeCloseTo(1 / 3, 2);
  });

  it('places the reference line where its value falls on the axis', () => {
    const svg = renderBarChart({
      ...chart,
      groups: [{ label: 'a', values: [4_000, 8_000] }],
      reference: { label: 'target', value: 5_000 },
    });
    const widths = rectWidths(svg);
    const barStart = Number(
      /<rect x="([\d.]+)" y="[\d.]+" width="[\d.]+" height="18"/.exec(svg)![1],
    );
    const referenceX = Number(/<line x1="([\d.]+)"[^>]*stroke="#c53030"/.exec(svg)![1]);
    // Axis 0..8,000: the 8,000 bar spans the plot, the line sits at 5/8 of it.
    expect((referenceX - barStart) / widths[1]!).toBeCloseTo(5 / 8, 2);
  });

  it('is a standalone SVG document whose size matches its view box', () => {
    const svg = renderBarChart(chart);
    const size =
      /<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="(\d+)" height="(\d+)" viewBox="0 0 (\d+) (\d+)"/.exec(
        svg,
      )!;
    expect(size[1]).toBe(size[3]);
    expect(size[2]).toBe(size[4]);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('refuses a group whose values do not match the series', () => {
    expect(() => renderBarChart({ ...chart, groups: [{ label: 'a', values: [1] }] })).toThrow(
      'group "a" has 1 values for 2 series',
    );
  });
});
