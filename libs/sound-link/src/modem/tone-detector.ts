import { binPowersOf } from '../audio/fft';
import { receiveChunkSamples } from '../limits';
import { type TonePlan, planBins } from './tone-plan';

// Fixed-length frames have no start marker, so the modem's log cannot say that one was heard but
// lost. This detector can: a tone plan (tone-plan.ts) sends, in every 1024-sample window at 48 kHz,
// one tone in each of its groups of 16 frequency bins (ggwave's: six groups, bins 40…135,
// 1.9–6.4 kHz; the wide plan's twelve, up to 10.9 kHz), exactly on a bin. In noise the strongest
// bin of a group is about 3.4 times the group's mean power; under the tones it is many times that.
// Windows where the groups together stand out are "tonal"; a run of them no decoded frame accounts
// for is a frame heard but lost (transmission.ts reports it).

/** Mean over the groups of (strongest bin / mean bin power) in white noise. */
const noiseScore = 3.4;
/**
 * A window is tonal when its score stands this far above noise's with six groups (7: white
 * noise's highest in 20 s is 4.8); a mean over more groups scatters less in noise, by √(6 / groups)
 * (twelve: 5.95, noise's highest 4.3; a wide frame at −5 dB SNR scores 6–7, one at 0 dB 10).
 */
const tonalMarginSixGroups = 3.6;
/** Runs shorter than this (≈ 0.13 s) are not taken for a frame. */
const runWindowsMin = 6;

const windowSize = receiveChunkSamples;

function tonalScoreMin(plan: TonePlan): number {
  return noiseScore + tonalMarginSixGroups * Math.sqrt(6 / plan.groups);
}

function tonalScore(plan: TonePlan, powers: Float64Array): number {
  const { groups, binsPerGroup } = plan;
  let total = 0;
  for (let group = 0; group < groups; group++) {
    let sum = 0;
    let strongest = 0;
    for (let bin = group * binsPerGroup; bin < (group + 1) * binsPerGroup; bin++) {
      sum += powers[bin]!;
      strongest = Math.max(strongest, powers[bin]!);
    }
    total += sum > 0 ? strongest / (sum / binsPerGroup) : 0;
  }
  return total / groups;
}

/**
 * A stretch of a recording, in samples at 48 kHz, `end` excluded.
 *
 * @example
 * ```ts
 * const span: SampleSpan = { start: 2_400, end: 57_696 };
 * ```
 */
export interface SampleSpan {
  readonly start: number;
  readonly end: number;
}

/**
 * Where a recording at 48 kHz holds a tone plan's tones: runs of at least six tonal windows (one
 * non-tonal window inside a run does not end it).
 *
 * @example
 * ```ts
 * const spans = toneSpans(tonePlans.wide, samples); // [{ start: 2_048, end: 57_344 }]
 * ```
 */
export function toneSpans(plan: TonePlan, samples: Float32Array): SampleSpan[] {
  const { firstBin, count } = planBins(plan);
  const scoreMin = tonalScoreMin(plan);
  const spans: SampleSpan[] = [];
  let run: { start: number; end: number; windows: number } | undefined;
  const close = () => {
    if (run !== undefined && run.windows >= runWindowsMin)
      spans.push({ start: run.start, end: run.end });
    run = undefined;
  };
  for (let start = 0; start + receiveChunkSamples <= samples.length; start += receiveChunkSamples) {
    if (tonalScore(plan, binPowersOf(samples, start, windowSize, firstBin, count)) >= scoreMin) {
      run ??= { start, end: start, windows: 0 };
      run = { ...run, end: start + receiveChunkSamples, windows: run.windows + 1 };
    } else if (run !== undefined && start - run.end >= receiveChunkSamples) close();
  }
  close();
  return spans;
}
