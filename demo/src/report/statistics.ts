/**
 * The `p`-th percentile (0 < p ≤ 100) of `values` by the nearest-rank method: the smallest value with
 * at least p % of the values at or below it — always one of the values, never an interpolation.
 * Null for no values.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`a percentile is in (0, 100], not ${p}`);
  if (values.length === 0) return null;
  const sorted = [...values].sort((left, right) => left - right);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1]!;
}

/** One bar of a histogram: values in [from, to) (the last bar includes `to`). */
export interface HistogramBin {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/** Most bars a histogram gets. */
export const histogramBinsMax = 40;

/**
 * Equal-width bins over [min, max] with "nice" widths (1, 2 or 5 × a power of ten), about `binCount`
 * of them; every value falls in exactly one bin. Empty for no values.
 */
export function histogram(values: readonly number[], binCount = 20): HistogramBin[] {
  if (values.length === 0) return [];
  if (!Number.isInteger(binCount) || binCount < 1 || binCount > histogramBinsMax)
    throw new RangeError(`binCount must be an integer in 1…${histogramBinsMax}`);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const width = niceWidth((max - min) / binCount);
  const start = Math.floor(min / width) * width;
  const count = Math.max(1, Math.floor((max - start) / width) + 1);
  const bins = Array.from({ length: count }, (_, index) => ({
    from: start + index * width,
    to: start + (index + 1) * width,
    count: 0,
  }));
  for (const value of values)
    bins[Math.min(count - 1, Math.floor((value - start) / width))]!.count += 1;
  return bins;
}

/** The smallest 1, 2 or 5 × 10^n at or above `raw` (1 for zero spread). */
export function niceWidth(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].find((candidate) => candidate * power >= raw * (1 - 1e-9))!;
  return step * power;
}
