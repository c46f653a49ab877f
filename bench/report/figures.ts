// The uniform shape every benchmark writes besides its own data (bench/results/<name>.json `figures`),
// and the chart description the report draws. Pure: no I/O, so the report and its tests share it.

/** One headline figure: what the product did, next to what the baseline did in the same run. */
export interface Figure {
  /** Stable across runs: `<bench>.<what>`. */
  readonly id: string;
  readonly label: string;
  readonly value: number;
  /** Per second rates end in `/s` (`settled/s`); latencies are `ms`. */
  readonly unit: string;
  /** `unit` when the baseline counts something else (handshakes/s next to issuances/s); default: the figure's. */
  readonly baseline?: { readonly label: string; readonly value: number; readonly unit?: string };
  /** value / baseline.value, present exactly when a baseline is. */
  readonly ratio?: number;
  readonly target?: { readonly text: string; readonly met: boolean };
}

/** Horizontal bars, one group per row label, one bar per series inside a group. */
export interface BarChart {
  /** File name without extension: bench/results/charts/<id>.svg. */
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly series: readonly string[];
  /** `values[i]` belongs to `series[i]`; null draws no bar (e.g. a figure without a baseline). */
  readonly groups: readonly {
    readonly label: string;
    readonly values: readonly (number | null)[];
    /** What to print after each bar instead of its bare number (e.g. with its unit and ratio). */
    readonly annotations?: readonly (string | null)[];
  }[];
  /**
   * `shared`: one axis for every group (throughputs of one kind). `per-group`: each group is drawn
   * against its own largest value, so that a product/baseline pair of 200/s reads as clearly as one of
   * 20,000/s; the numbers are printed on the bars and no axis is drawn.
   */
  readonly scale: 'shared' | 'per-group';
  /** A vertical line at a target (shared scale only). */
  readonly reference?: { readonly label: string; readonly value: number };
}

/** A figure with its ratio to the baseline computed, never written by hand. */
export function figure(fields: Omit<Figure, 'ratio'>): Figure {
  if (!Number.isFinite(fields.value))
    throw new Error(`figure ${fields.id}: value ${fields.value} is not a finite number`);
  if (fields.baseline === undefined) return fields;
  if (!(fields.baseline.value > 0))
    throw new Error(`figure ${fields.id}: baseline ${fields.baseline.value} is not positive`);
  return { ...fields, ratio: fields.value / fields.baseline.value };
}

/**
 * A number as the report prints it: thousands separated, fewer decimals the larger it is
 * (2,537 · 95.4 · 0.82).
 */
export function formatNumber(value: number): string {
  const magnitude = Math.abs(value);
  const fractionDigits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', {
    minimumFractionDigits: 0,
    maximumFractionDigits: fractionDigits,
  });
}

/** A value with its unit: `2,537 settled/s`, `812 ms`. */
export function formatQuantity(value: number, unit: string): string {
  return `${formatNumber(value)} ${unit}`;
}

export function formatPercent(ratio: number): string {
  return `${Math.round(ratio * 100)} %`;
}
