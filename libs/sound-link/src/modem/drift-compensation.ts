import { binPowersOf } from '../audio/fft';
import { resampleLinear } from '../audio/resample';

// A clock drift between sender and receiver (docs/sound-link.md, "Receiving fixed-length frames"):
// a receiver whose clock runs a fraction d fast hears every tone at f / (1 + d) and every symbol
// stretched by 1 + d. The sender's tones lie exactly on bins, so the drift shows as each tone's
// offset from its bin's centre, proportional to its frequency (±0.5 % moves a tone at bin 135 by
// 0.68 of a bin, one at bin 40 by 0.2). It is read off the recording — which d puts every clear
// tone back on a bin — and undone by resampling, after which the symbols' windows add up again.
// Nothing here knows a tone plan beyond the band of bins it may use.

/** The bins a tone plan uses, in windows of `windowSamples` (a power of two). */
export interface ToneBand {
  readonly windowSamples: number;
  readonly firstBin: number;
  readonly lastBin: number;
}

/** Largest drift looked for, either way, as a fraction (a moving hand's Doppler and cheap crystals stay well inside). */
const driftMax = 0.01;
/** Step of the drift candidates tried, as a fraction: what is left (≤ 0.005 %) costs the coherent sum nothing. */
const driftStep = 0.0001;
/** A window's peak counts as a tone when its power is this many times the band's median bin (≈ 15 dB). */
const toneOverMedianMin = 30;
/** Fewer clear tones than this (a few windows' worth) and no drift is estimated. */
const tonesMin = 24;
/**
 * The estimate stands only when the tones agree on it: the mean of cos(2π · distance from a bin)
 * at the best drift (1 when every tone lies on a bin, ≈ 0 for tones scattered at random).
 */
const agreementMin = 0.5;

/**
 * Where a window's clear tones lie, in bins with fractions: each local peak well above the band's
 * median, placed between it and its stronger neighbour by their magnitudes. Without a window
 * function a tone δ bins off centre (|δ| ≤ ½) leaves |X[k ± 1]| / |X[k]| = |δ| / (1 − |δ|) in
 * the neighbour towards it, so |δ| = r / (1 + r).
 */
function tonePositions(powers: Float64Array, firstBin: number, positions: number[]): void {
  const median = powers.slice(1, -1).sort()[(powers.length - 2) >> 1]!;
  for (let bin = 1; bin + 1 < powers.length; bin++) {
    const power = powers[bin]!;
    const left = powers[bin - 1]!;
    const right = powers[bin + 1]!;
    // Strictly above: digital silence (every bin 0) holds no tone.
    if (power < left || power < right || !(power > toneOverMedianMin * median)) continue;
    const ratio = Math.sqrt(Math.max(left, right) / power);
    const offset = ratio / (1 + ratio);
    positions.push(firstBin + bin + (right > left ? offset : -offset));
  }
}

/** How well `drift` puts the tones at `positions` (in bins) on bins: 1 when exactly, ≈ 0 at random. */
function agreementOf(positions: readonly number[], drift: number): number {
  let total = 0;
  for (const position of positions) total += Math.cos(2 * Math.PI * position * (1 + drift));
  return total / positions.length;
}

/**
 * The receiver's clock drift a recording shows, as a fraction (+0.005: the receiver's clock runs
 * 0.5 % fast, its tones 0.5 % low), from the tones in `band` of its non-overlapping windows:
 * the drift within ±1 % that puts them closest to bin centres. `undefined` when fewer than
 * {@link tonesMin} clear tones were heard or they do not agree on one drift.
 *
 * @example
 * ```ts
 * estimatedClockDrift(recording, { windowSamples: 1024, firstBin: 40, lastBin: 135 }); // ≈ 0.005
 * ```
 */
export function estimatedClockDrift(samples: Float32Array, band: ToneBand): number | undefined {
  const { windowSamples, firstBin, lastBin } = band;
  if (!(firstBin >= 2 && lastBin > firstBin && lastBin + 1 < windowSamples / 2))
    throw new Error(`tone band ${firstBin}…${lastBin} of a ${windowSamples}-sample window`);
  const positions: number[] = [];
  // One bin either side of the band: a tone on its edge bin still has both neighbours.
  const bins = lastBin - firstBin + 3;
  for (let start = 0; start + windowSamples <= samples.length; start += windowSamples)
    tonePositions(
      binPowersOf(samples, start, windowSamples, firstBin - 1, bins),
      firstBin - 1,
      positions,
    );
  if (positions.length < tonesMin) return undefined;
  let best = { drift: 0, agreement: -Infinity };
  const candidates = Math.round(driftMax / driftStep);
  for (let step = -candidates; step <= candidates; step++) {
    const drift = step * driftStep;
    const agreement = agreementOf(positions, drift);
    if (agreement > best.agreement) best = { drift, agreement };
  }
  return best.agreement >= agreementMin ? best.drift : undefined;
}

/**
 * The recording as a receiver without the drift would have made it: the inverse of that drift's
 * stretch, by linear interpolation (its error, about (π·f/fs)²/8 of a tone's amplitude, is
 * ≈ −33 dB at ggwave's highest tone, 6.4 kHz at 48 kHz; −24 dB at 10.9 kHz). A sample at `i` of
 * the result lies at `i · (1 + drift)` of `samples`.
 *
 * @example
 * ```ts
 * const steady = withoutClockDrift(recording, 0.005);
 * ```
 */
export function withoutClockDrift(samples: Float32Array, drift: number): Float32Array {
  if (!(Math.abs(drift) <= driftMax)) throw new Error(`clock drift ${drift}`);
  // Rates in any unit: only their ratio matters.
  return resampleLinear(samples, 1 + drift, 1);
}
