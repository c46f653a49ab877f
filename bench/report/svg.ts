// Horizontal bar charts as standalone SVG, drawn by hand: a few rectangles and labels need no
// charting dependency, and the output is stable text that diffs well in bench/results/charts/.
import { type BarChart, formatNumber } from './figures';

const widthPx = 960;
const labelColumnPx = 340;
const valueColumnPx = 210;
const plotWidthPx = widthPx - labelColumnPx - valueColumnPx;
const titleHeightPx = 30;
const legendHeightPx = 26;
const subtitleHeightPx = 20;
const axisHeightPx = 34;
const referenceLabelHeightPx = 10;
const barHeightPx = 18;
const barGapPx = 3;
const groupGapPx = 14;
const labelCharsPerLineMax = 50;
const labelLinesMax = 3;
const fontSizePx = 12;
/** Rough width of a 12 px sans-serif character, for placing legend entries one after another. */
const charWidthPx = 6.6;
const ticksWanted = 5;
const palette = ['#2b6cb0', '#a0aec0', '#dd6b20', '#2f855a', '#805ad5'];

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (character) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!,
  );
}

/** An axis from 0 to a round number ≥ `max`, in steps of 1, 2 or 5 × 10^k (about five ticks). */
export function niceAxis(max: number): {
  readonly max: number;
  readonly step: number;
  readonly ticks: readonly number[];
} {
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, step: 1, ticks: [0, 1] };
  const rough = max / ticksWanted;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10]
    .map((multiple) => multiple * power)
    .find((candidate) => candidate >= rough)!;
  const axisMax = Math.ceil(max / step - 1e-9) * step;
  const ticks = Array.from({ length: Math.round(axisMax / step) + 1 }, (_, index) => index * step);
  return { max: axisMax, step, ticks };
}

/** A label broken at spaces into at most `linesMax` lines; a longer one ends in an ellipsis. */
export function wrapLabel(
  label: string,
  charsPerLineMax = labelCharsPerLineMax,
  linesMax = labelLinesMax,
): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of label.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (candidate.length <= charsPerLineMax || line === '') line = candidate;
    else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  if (lines.length <= linesMax) return lines.map((text) => truncate(text, charsPerLineMax));
  return [
    ...lines.slice(0, linesMax - 1),
    truncate(lines.slice(linesMax - 1).join(' '), charsPerLineMax - 1, true),
  ];
}

function truncate(text: string, charsMax: number, always = false): string {
  if (text.length <= charsMax && !always) return text;
  return `${text.slice(0, charsMax - 1).trimEnd()}…`;
}

function groupHeightPx(seriesCount: number): number {
  return seriesCount * (barHeightPx + barGapPx) - barGapPx + groupGapPx;
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${round(x)}" y="${round(y)}"${attributes ? ` ${attributes}` : ''}>${escapeXml(content)}</text>`;
}

const round = (value: number) => Math.round(value * 10) / 10;

function legend(chart: BarChart, y: number): string[] {
  let x = labelColumnPx;
  return chart.series.flatMap((name, index) => {
    const entry = [
      `<rect x="${round(x)}" y="${y - 10}" width="12" height="12" fill="${palette[index % palette.length]}"/>`,
      text(x + 18, y, name),
    ];
    x += 18 + name.length * charWidthPx + 24;
    return entry;
  });
}

const drawn = (values: readonly (number | null)[]) =>
  values.filter((value): value is number => value !== null);

/** The shared axis: up to the largest bar or the reference line, whichever is further. */
function sharedAxisOf(chart: BarChart): ReturnType<typeof niceAxis> {
  return niceAxis(
    Math.max(
      0,
      ...chart.groups.flatMap((group) => drawn(group.values)),
      chart.reference?.value ?? 0,
    ),
  );
}

/** The largest value every bar of a group is measured against. */
function scaleMaxOf(chart: BarChart): (groupIndex: number) => number {
  if (chart.scale === 'per-group')
    return (groupIndex) => Math.max(0, ...drawn(chart.groups[groupIndex]!.values));
  const axisMax = sharedAxisOf(chart).max;
  return () => axisMax;
}

/** Bar length in pixels for `value` on an axis ending at `scaleMax`. */
export function barLengthPx(value: number, scaleMax: number): number {
  if (!(scaleMax > 0) || value <= 0) return 0;
  return Math.min(plotWidthPx, (value / scaleMax) * plotWidthPx);
}

function groupRows(
  chart: BarChart,
  top: number,
  scaleMax: (groupIndex: number) => number,
): string[] {
  const valueSuffix = chart.scale === 'shared' ? ` ${chart.unit}` : '';
  return chart.groups.flatMap((group, groupIndex) => {
    const groupTop = top + groupIndex * groupHeightPx(chart.series.length);
    const barsHeight = groupHeightPx(chart.series.length) - groupGapPx;
    const lines = wrapLabel(group.label);
    const firstLineY =
      groupTop + barsHeight / 2 + fontSizePx / 2 - 2 - ((lines.length - 1) * (fontSizePx + 2)) / 2;
    const label = lines.map((line, index) =>
      text(labelColumnPx - 10, firstLineY + index * (fontSizePx + 2), line, 'text-anchor="end"'),
    );
    // The bars a group has, centred in its slot (a group may leave a series out).
    const present = group.values.flatMap((value, seriesIndex) =>
      value === null ? [] : [{ value, seriesIndex }],
    );
    const offset = ((chart.series.length - present.length) * (barHeightPx + barGapPx)) / 2;
    const bars = present.flatMap(({ value, seriesIndex }, position) => {
      const y = groupTop + offset + position * (barHeightPx + barGapPx);
      const length = barLengthPx(value, scaleMax(groupIndex));
      return [
        `<rect x="${labelColumnPx}" y="${round(y)}" width="${round(length)}" height="${barHeightPx}" fill="${palette[seriesIndex % palette.length]}"><title>${escapeXml(`${chart.series[seriesIndex]}: ${formatNumber(value)} ${chart.unit}`)}</title></rect>`,
        text(
          labelColumnPx + length + 5,
          y + barHeightPx - 5,
          group.annotations?.[seriesIndex] ?? `${formatNumber(value)}${valueSuffix}`,
        ),
      ];
    });
    return [...label, ...bars];
  });
}

function sharedAxis(chart: BarChart, top: number, bottom: number): string[] {
  const axis = sharedAxisOf(chart);
  const xOf = (value: number) => labelColumnPx + barLengthPx(value, axis.max);
  const ticks = axis.ticks.flatMap((tick) => [
    `<line x1="${round(xOf(tick))}" y1="${top - 4}" x2="${round(xOf(tick))}" y2="${bottom}" stroke="#e2e8f0"/>`,
    text(xOf(tick), bottom + 14, formatNumber(tick), 'text-anchor="middle" fill="#4a5568"'),
  ]);
  const unit = text(
    labelColumnPx + plotWidthPx / 2,
    bottom + 30,
    chart.unit,
    'text-anchor="middle" fill="#4a5568"',
  );
  if (!chart.reference) return [...ticks, unit];
  const x = round(xOf(chart.reference.value));
  return [
    ...ticks,
    unit,
    `<line x1="${x}" y1="${top - 8}" x2="${x}" y2="${bottom}" stroke="#c53030" stroke-width="1.5" stroke-dasharray="5 3"/>`,
    text(x + 4, top - 10, chart.reference.label, 'fill="#c53030"'),
  ];
}

/** The chart as a standalone SVG document. */
export function renderBarChart(chart: BarChart): string {
  if (chart.series.length === 0) throw new Error(`chart ${chart.id}: no series`);
  const misfit = chart.groups.find((group) => group.values.length !== chart.series.length);
  if (misfit)
    throw new Error(
      `chart ${chart.id}: group "${misfit.label}" has ${misfit.values.length} values for ${chart.series.length} series`,
    );
  const subtitle =
    chart.scale === 'per-group'
      ? 'each group is drawn against its own largest value: compare the bars within a group'
      : null;
  // Room above the plot for the subtitle and for the reference line's label.
  const top =
    titleHeightPx +
    legendHeightPx +
    (subtitle ? subtitleHeightPx : 0) +
    (chart.reference ? referenceLabelHeightPx : 0);
  const bottom = top + chart.groups.length * groupHeightPx(chart.series.length) - groupGapPx;
  const height = bottom + (chart.scale === 'shared' ? axisHeightPx : 8) + 8;
  const body = [
    `<rect width="${widthPx}" height="${height}" fill="#ffffff"/>`,
    text(12, 20, chart.title, 'font-size="15" font-weight="bold"'),
    ...legend(chart, titleHeightPx + 14),
    ...(subtitle
      ? [
          text(
            12,
            titleHeightPx + legendHeightPx + 12,
            subtitle,
            'fill="#4a5568" font-style="italic"',
          ),
        ]
      : []),
    ...(chart.scale === 'shared' ? sharedAxis(chart, top, bottom) : []),
    ...groupRows(chart, top, scaleMaxOf(chart)),
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${height}" viewBox="0 0 ${widthPx} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="${fontSizePx}">`,
    `<title>${escapeXml(chart.title)}</title>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
