// The report's charts as inline SVG strings: no scripts, no external assets, readable as files.
// Pure functions of their data (tests compare their structure), sized in user units.
import { type HistogramBin } from './statistics';

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (character) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!,
  );
}

const round = (value: number) => Math.round(value * 10) / 10;
/** Colours for series (services, bars), colour-blind-safe (Okabe–Ito). */
export const palette = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
] as const;

export interface HistogramOptions {
  readonly width?: number;
  readonly height?: number;
  readonly unit?: string;
  /** Vertical markers, e.g. p50 and p99. */
  readonly markers?: ReadonlyArray<{ readonly value: number; readonly label: string }>;
  readonly title?: string;
}

/** A histogram: one bar per bin, counts on the y axis, bin edges on the x axis, optional markers. */
export function histogramSvg(
  bins: readonly HistogramBin[],
  options: HistogramOptions = {},
): string {
  const width = options.width ?? 720;
  const height = options.height ?? 260;
  const margin = { left: 44, right: 16, top: 28, bottom: 40 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const title = options.title ? `<title>${escapeXml(options.title)}</title>` : '';
  if (bins.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${title}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="14" fill="#666">no values</text></svg>`;
  }
  const from = bins[0]!.from;
  const to = bins.at(-1)!.to;
  const maxCount = Math.max(...bins.map((bin) => bin.count));
  const x = (value: number) => margin.left + ((value - from) / (to - from)) * plotWidth;
  const y = (count: number) => margin.top + plotHeight - (count / maxCount) * plotHeight;
  const unit = options.unit ?? '';
  const bars = bins
    .map((bin) => {
      const left = x(bin.from) + 1;
      const barWidth = Math.max(1, x(bin.to) - x(bin.from) - 2);
      return `<rect class="bar" x="${round(left)}" y="${round(y(bin.count))}" width="${round(barWidth)}" height="${round(margin.top + plotHeight - y(bin.count))}" fill="${palette[0]}"><title>${bin.from}–${bin.to}${unit}: ${bin.count}</title></rect>`;
    })
    .join('');
  const tickEvery = Math.ceil(bins.length / 8);
  const ticks = bins
    .filter((_, index) => index % tickEvery === 0)
    .map((bin) => bin.from)
    .concat(to)
    // The last label ends at its tick, so it stays inside the chart.
    .map(
      (value, index, all) =>
        `<text x="${round(x(value))}" y="${height - margin.bottom + 16}" text-anchor="${index === all.length - 1 ? 'end' : 'middle'}" font-size="11" fill="#333">${value}${unit}</text>`,
    )
    .join('');
  const yTicks = [0, Math.ceil(maxCount / 2), maxCount]
    .filter((value, index, all) => all.indexOf(value) === index)
    .map(
      (count) =>
        `<text x="${margin.left - 6}" y="${round(y(count) + 4)}" text-anchor="end" font-size="11" fill="#333">${count}</text>`,
    )
    .join('');
  const markers = (options.markers ?? [])
    .map(
      (marker, index) =>
        `<line class="marker" x1="${round(x(marker.value))}" x2="${round(x(marker.value))}" y1="${margin.top - 4}" y2="${margin.top + plotHeight}" stroke="${palette[5]}" stroke-dasharray="4 3"/>` +
        // Labels near the right edge go left of their line, so they stay inside the chart.
        `<text x="${round(x(marker.value) + (x(marker.value) > width - 90 ? -4 : 4))}" y="${margin.top - 8 + index * 12}" font-size="11" text-anchor="${x(marker.value) > width - 90 ? 'end' : 'start'}" fill="${palette[5]}">${escapeXml(marker.label)}</text>`,
    )
    .join('');
  const axes = `<line x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight}" stroke="#333"/><line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotHeight}" stroke="#333"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${title}${axes}${bars}${ticks}${yTicks}${markers}</svg>`;
}

/** Per column of samples, the lowest and highest sample (how a waveform is drawn at any zoom). */
export function envelope(samples: ArrayLike<number>, columns: number): Array<[number, number]> {
  if (!Number.isInteger(columns) || columns < 1)
    throw new RangeError('columns must be a positive integer');
  const result: Array<[number, number]> = [];
  const perColumn = samples.length / columns;
  for (let column = 0; column < columns; column++) {
    const start = Math.floor(column * perColumn);
    const end = Math.max(start + 1, Math.floor((column + 1) * perColumn));
    let low = 0;
    let high = 0;
    for (let index = start; index < Math.min(end, samples.length); index++) {
      const sample = samples[index]!;
      if (sample < low) low = sample;
      if (sample > high) high = sample;
    }
    result.push([low, high]);
  }
  return result;
}

/** A stretch of sound in a recording, in seconds. */
export interface SoundSegment {
  readonly startS: number;
  readonly endS: number;
}

/** Below this fraction of the recording's peak a 10 ms window counts as silence. */
export const silenceThresholdRatio = 0.05;
/** Silence shorter than this does not split a segment (gaps inside one ggwave frame). */
export const segmentGapMinMs = 120;

/** The stretches of sound (the frames on the air) separated by silence of at least {@link segmentGapMinMs}. */
export function soundSegments(samples: ArrayLike<number>, sampleRateHz: number): SoundSegment[] {
  const window = Math.max(1, Math.round(sampleRateHz / 100));
  let peak = 0;
  for (let index = 0; index < samples.length; index++)
    peak = Math.max(peak, Math.abs(samples[index]!));
  if (peak === 0) return [];
  const loud: boolean[] = [];
  for (let start = 0; start < samples.length; start += window) {
    let windowPeak = 0;
    for (let index = start; index < Math.min(start + window, samples.length); index++)
      windowPeak = Math.max(windowPeak, Math.abs(samples[index]!));
    loud.push(windowPeak >= peak * silenceThresholdRatio);
  }
  const gapWindows = Math.ceil(segmentGapMinMs / 10);
  const segments: Array<{ start: number; end: number }> = [];
  for (let index = 0; index < loud.length; index++) {
    if (!loud[index]) continue;
    const current = segments.at(-1);
    if (current && index - current.end <= gapWindows) current.end = index + 1;
    else segments.push({ start: index, end: index + 1 });
  }
  return segments.map((segment) => ({
    startS: (segment.start * window) / sampleRateHz,
    endS: Math.min(segment.end * window, samples.length) / sampleRateHz,
  }));
}

export interface WaveformOptions {
  readonly width?: number;
  readonly height?: number;
  /** The label of sound segment `index` of `count` (default "frame 1", "frame 2" …). */
  readonly segmentLabel?: (index: number, count: number) => string;
  readonly title?: string;
}

/** A recording's waveform (min/max envelope), a seconds axis, and its segments of sound labelled. */
export function waveformSvg(
  samples: ArrayLike<number>,
  sampleRateHz: number,
  options: WaveformOptions = {},
): string {
  const width = options.width ?? 960;
  const height = options.height ?? 200;
  const margin = { left: 10, right: 10, top: 30, bottom: 26 };
  const plotWidth = width - margin.left - margin.right;
  const middle = margin.top + (height - margin.top - margin.bottom) / 2;
  const half = (height - margin.top - margin.bottom) / 2;
  const columns = envelope(samples, plotWidth);
  let peak = 0;
  for (const [low, high] of columns) peak = Math.max(peak, -low, high);
  const scale = peak > 0 ? half / peak : 0;
  const path = columns
    .map(
      ([low, high], column) =>
        `M${margin.left + column} ${round(middle - high * scale)}V${round(middle - low * scale)}`,
    )
    .join('');
  const seconds = samples.length / sampleRateHz;
  const x = (s: number) => margin.left + (s / seconds) * plotWidth;
  const segments = soundSegments(samples, sampleRateHz);
  const labels = segments
    .map((segment, index) => {
      const label = options.segmentLabel?.(index, segments.length) ?? `frame ${index + 1}`;
      const color = index === 0 ? palette[5] : palette[0];
      return `<rect class="segment" x="${round(x(segment.startS))}" y="${margin.top - 6}" width="${round(x(segment.endS) - x(segment.startS))}" height="4" fill="${color}"/><text x="${round(x(segment.startS))}" y="${margin.top - 10}" font-size="11" fill="${color}">${escapeXml(label)}</text>`;
    })
    .join('');
  const tickStep = seconds > 40 ? 10 : seconds > 10 ? 2 : 1;
  const ticks = Array.from(
    { length: Math.floor(seconds / tickStep) + 1 },
    (_, index) => index * tickStep,
  )
    .map(
      (s) =>
        `<text x="${round(x(s))}" y="${height - 8}" text-anchor="middle" font-size="11" fill="#333">${s} s</text>`,
    )
    .join('');
  const title = options.title ? `<title>${escapeXml(options.title)}</title>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${title}<path class="wave" d="${path}" stroke="#0072B2" stroke-width="1" fill="none"/><line x1="${margin.left}" x2="${width - margin.right}" y1="${round(middle)}" y2="${round(middle)}" stroke="#bbb" stroke-width="0.5"/>${labels}${ticks}</svg>`;
}

/** One span as the waterfall draws it. */
export interface WaterfallSpan {
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly service: string;
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly statusCode?: number;
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
}

/** The steps of a payment, in order. */
export const paymentPhases = ['upload', 'verification', 'settlement', 'confirmation'] as const;
export type PaymentPhase = (typeof paymentPhases)[number] | 'other';

/**
 * The step a span starts, from its name alone, or null if it only continues its parent's: the upload
 * request, the verifier consuming payment.uploaded, the ledger consuming payment.verified, the verifier
 * consuming the settlement outcome or a device reading its confirmation.
 */
export function phaseStartedBy(span: Pick<WaterfallSpan, 'service' | 'name'>): PaymentPhase | null {
  const name = span.name.toLowerCase();
  const consumes = (topic: string) => name.includes(topic) && !/^send |publish/.test(name);
  if (/\/v1\/uploads/.test(name)) return 'upload';
  if (consumes('payments.uploaded')) return 'verification';
  if (consumes('payments.verified')) return 'settlement';
  if (consumes('payments.settlements') || /\/v1\/transactions|\/v1\/confirmations/.test(name))
    return 'confirmation';
  return null;
}

/** Each span's step: the one it starts, else its parent's ('other' at the root). */
export function phasesOf<TSpan extends WaterfallSpan>(
  spans: readonly TSpan[],
): Map<string, PaymentPhase> {
  const phases = new Map<string, PaymentPhase>();
  for (const { span } of spanTree(spans)) {
    const inherited = span.parentSpanId === null ? undefined : phases.get(span.parentSpanId);
    phases.set(span.spanId, phaseStartedBy(span) ?? inherited ?? 'other');
  }
  return phases;
}

/** A database client span (pg queries and connections): folded into the row of the span that made it. */
export function isDatabaseSpan(span: Pick<WaterfallSpan, 'name' | 'attributes'>): boolean {
  return (
    /^pg[.-]/.test(span.name) ||
    span.attributes?.['db.system'] !== undefined ||
    span.attributes?.['db.system.name'] !== undefined
  );
}

/** Spans in tree order (parents before children, siblings by start) with their depth; orphans at depth 0. */
export function spanTree<TSpan extends WaterfallSpan>(
  spans: readonly TSpan[],
): Array<{ span: TSpan; depth: number }> {
  const ids = new Set(spans.map((span) => span.spanId));
  const children = new Map<string | null, TSpan[]>();
  for (const span of spans) {
    const parent =
      span.parentSpanId !== null && ids.has(span.parentSpanId) ? span.parentSpanId : null;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const ordered: Array<{ span: TSpan; depth: number }> = [];
  const visit = (parent: string | null, depth: number) => {
    for (const span of [...(children.get(parent) ?? [])].sort(
      (left, right) => left.startMs - right.startMs,
    )) {
      ordered.push({ span, depth });
      visit(span.spanId, depth + 1);
    }
  };
  visit(null, 0);
  return ordered;
}

/** Most rows a waterfall draws (a trace of thousands of spans is cut, and says so). */
export const waterfallRowsMax = 120;

interface WaterfallRow<TSpan extends WaterfallSpan> {
  readonly span: TSpan;
  readonly depth: number;
  readonly phase: PaymentPhase;
  /** Database spans folded into this row. */
  readonly folded: TSpan[];
}

/** The rows of a waterfall: tree order, database spans folded into their nearest non-database ancestor. */
export function waterfallRows<TSpan extends WaterfallSpan>(
  spans: readonly TSpan[],
): Array<WaterfallRow<TSpan>> {
  const phases = phasesOf(spans);
  const rows: Array<WaterfallRow<TSpan>> = [];
  const rowOf = new Map<string, WaterfallRow<TSpan>>();
  for (const { span, depth } of spanTree(spans)) {
    const parentRow = span.parentSpanId === null ? undefined : rowOf.get(span.parentSpanId);
    if (isDatabaseSpan(span) && parentRow) {
      parentRow.folded.push(span);
      rowOf.set(span.spanId, parentRow);
      continue;
    }
    const row = {
      span,
      depth: parentRow ? parentRow.depth + 1 : depth,
      phase: phases.get(span.spanId) ?? 'other',
      folded: [],
    };
    rows.push(row);
    rowOf.set(span.spanId, row);
  }
  return rows;
}

const phaseColors: Record<PaymentPhase, string> = {
  upload: '#e8f1fa',
  verification: '#fdf3e1',
  settlement: '#e6f5ef',
  confirmation: '#f7ebf3',
  other: '#ffffff',
};

/**
 * A trace as a waterfall: one row per span (indented under its parent), a bar from start to end
 * coloured by service, database queries as ticks inside the row of the span that made them, and the
 * payment's steps as bands with their names.
 */
export function waterfallSvg(
  spans: readonly WaterfallSpan[],
  options: { readonly width?: number; readonly title?: string } = {},
): string {
  const width = options.width ?? 1100;
  const rowHeight = 22;
  const phaseWidth = 92;
  const labelWidth = 470;
  // The legend takes the first line, the time scale the second.
  const margin = { top: 48, right: 90, bottom: 20 };
  const all = waterfallRows(spans);
  const rows = all.slice(0, waterfallRowsMax);
  const height =
    margin.top +
    rows.length * rowHeight +
    margin.bottom +
    (all.length > rows.length ? rowHeight : 0);
  const title = options.title ? `<title>${escapeXml(options.title)}</title>` : '';
  if (rows.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} 60" width="${width}" height="60" role="img">${title}<text x="10" y="35" font-size="14" fill="#666">no spans arrived for this trace</text></svg>`;
  }
  const start = Math.min(...spans.map((span) => span.startMs));
  const end = Math.max(...spans.map((span) => span.endMs));
  const total = Math.max(end - start, 1);
  const plotWidth = width - labelWidth - margin.right;
  const x = (ms: number) => labelWidth + ((ms - start) / total) * plotWidth;
  const services = [...new Set(rows.map(({ span }) => span.service))];
  const colorOf = (service: string) => palette[services.indexOf(service) % palette.length]!;
  const body = rows
    .map(({ span, depth, phase, folded }, index) => {
      const top = margin.top + index * rowHeight;
      const barX = x(span.startMs);
      const barWidth = Math.max(2, x(span.endMs) - barX);
      const label = `${span.service} · ${span.name}`;
      const room = Math.floor((labelWidth - phaseWidth - 16 - depth * 12) / 6.4);
      const clipped = label.length > room ? `${label.slice(0, room - 1)}…` : label;
      const error = span.statusCode === 2 ? ' ⚠' : '';
      const firstOfPhase = index === 0 || rows[index - 1]!.phase !== phase;
      const band = `<rect x="0" y="${top}" width="${width}" height="${rowHeight}" fill="${phaseColors[phase]}"/>${firstOfPhase ? `<text x="6" y="${top + 15}" font-size="11" font-weight="600" fill="#555">${phase}</text>` : ''}`;
      const ticks = folded
        .map(
          (query) =>
            `<rect class="db" x="${round(x(query.startMs))}" y="${top + rowHeight - 7}" width="${round(Math.max(1, x(query.endMs) - x(query.startMs)))}" height="4" fill="#333"><title>${escapeXml(query.name)} ${formatDuration(query.endMs - query.startMs)}</title></rect>`,
        )
        .join('');
      const dbNote = folded.length > 0 ? `, ${folded.length} db` : '';
      return (
        `<g class="span" data-phase="${phase}">${band}<text x="${phaseWidth + depth * 12}" y="${top + 15}" font-size="12" fill="#222">${escapeXml(clipped)}${error}<title>${escapeXml(label)}</title></text>` +
        `<rect x="${round(barX)}" y="${top + 4}" width="${round(barWidth)}" height="${rowHeight - 12}" rx="2" fill="${colorOf(span.service)}"/>${ticks}` +
        `<text x="${round(Math.min(barX + barWidth + 4, width - margin.right + 4))}" y="${top + 15}" font-size="11" fill="#555">${formatDuration(span.endMs - span.startMs)}${dbNote}</text></g>`
      );
    })
    .join('');
  const scale = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (fraction) =>
        `<text x="${round(labelWidth + fraction * plotWidth)}" y="${margin.top - 12}" text-anchor="middle" font-size="11" fill="#333">+${formatDuration(fraction * total)}</text><line x1="${round(labelWidth + fraction * plotWidth)}" x2="${round(labelWidth + fraction * plotWidth)}" y1="${margin.top - 6}" y2="${height - margin.bottom}" stroke="#ddd"/>`,
    )
    .join('');
  const cut =
    all.length > rows.length
      ? `<text x="8" y="${height - margin.bottom}" font-size="12" fill="#666">… ${all.length - rows.length} more spans not drawn</text>`
      : '';
  const legend = services
    .map(
      (service, index) =>
        `<rect x="${phaseWidth + index * 160}" y="6" width="10" height="10" fill="${colorOf(service)}"/><text x="${phaseWidth + 14 + index * 160}" y="15" font-size="11" fill="#333">${escapeXml(service)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${title}${body}${scale}${legend}${cut}</svg>`;
}

export function formatDuration(ms: number): string {
  if (ms < 1) return `${round(ms)} ms`;
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1_000).toFixed(2)} s`;
}
