import { binPowersOf } from '../audio/fft';
import { receiveChunkSamples } from '../limits';

// ggwave's fixed-length frames have no start marker, so the modem's log cannot say that one was
// heard but lost. This detector can: ggwave sends, in every 1024-sample window at 48 kHz, one tone
// in each of six groups of 16 frequency bins (bins 40…135: 1.9–6.4 kHz), exactly on a bin. In noise
// the strongest bin of a group is about 3.4 times the group's mean power; under ggwave's tones it is
// many times that. Windows where the six groups together stand out are "tonal"; a run of them no
// decoded frame accounts for is a frame heard but lost (transmission.ts reports it).

const firstBin = 40;
const groups = 6;
const binsPerGroup = 16;
/** Mean over the six groups of (strongest bin / mean bin power); white noise gives ≈ 3.4. */
const tonalScoreMin = 7;
/** Runs shorter than this (≈ 0.13 s) are not taken for a frame. */
const runWindowsMin = 6;

const windowSize = receiveChunkSamples;

/** Power of each of ggwave's 96 data bins in one window. */
function binPowers(samples: Float32Array, start: number): Float64Array {
  return binPowersOf(samples, start, windowSize, firstBin, groups * binsPerGroup);
}

function tonalScore(powers: Float64Array): number {
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
 * Where a recording at 48 kHz holds ggwave's tones: runs of at least six tonal windows (one
 * non-tonal window inside a run does not end it).
 *
 * @example
 * ```ts
 * const spans = ggwaveToneSpans(samples); // [{ start: 2_048, end: 57_344 }]
 * ```
 */
export function ggwaveToneSpans(samples: Float32Array): SampleSpan[] {
  const spans: SampleSpan[] = [];
  let run: { start: number; end: number; windows: number } | undefined;
  const close = () => {
    if (run !== undefined && run.windows >= runWindowsMin)
      spans.push({ start: run.start, end: run.end });
    run = undefined;
  };
  for (let start = 0; start + receiveChunkSamples <= samples.length; start += receiveChunkSamples) {
    if (tonalScore(binPowers(samples, start)) >= tonalScoreMin) {
      run ??= { start, end: start, windows: 0 };
      run = { ...run, end: start + receiveChunkSamples, windows: run.windows + 1 };
    } else if (run !== undefined && start - run.end >= receiveChunkSamples) close();
  }
  close();
  return spans;
}
