import { binPowersOf } from '../audio/fft';
import { type HeardFixedFrame } from '../framing/fixed-frames';
import { reedSolomonDecode, reedSolomonSyndromes } from '../framing/reed-solomon';
import { receiveChunkSamples } from '../limits';
import { estimatedClockDrift, withoutClockDrift } from './drift-compensation';
import { reverbTailShare, withoutReverbTails } from './reverb-tails';
import {
  type TonePlan,
  frameSymbols,
  planBins,
  symbolSamples,
  windowsPerSymbol,
} from './tone-plan';

// The receiver's own demodulator for fixed-length frames (docs/sound-link.md, "Receiving
// fixed-length frames"), in either tone plan (tone-plan.ts): a symbol of `bytesPerSymbol` bytes is
// one tone per group of 16 bins (a byte's low nibble in group 2j, its high nibble in 2j + 1) held
// for three 1024-sample windows, the frame's bytes and then its Reed-Solomon bytes. ggwave's own
// fixed-length decoder counts, per window, which bin is strongest and knows nothing of how sure it
// is. Here every symbol's three windows are combined (added up sample by sample, by default), at
// every alignment a quarter window apart; a byte whose strongest bins barely stand out (a dropout,
// a second sender's tones, noise) is an **erasure**, and Reed-Solomon corrects twice as many
// erasures as errors. Bytes are erased least sure first, in steps (generalised minimum-distance
// decoding), and a decoding is kept only when random bytes would pass it with a chance below 10⁻⁸.
// When tones are left that no decoded frame explains, a second pass hears past a room's
// reverberation: only a symbol's later two windows, less each bin's tail from the symbol before
// (reverb-tails.ts); when tones are still left, a third pass undoes a clock drift the tones show,
// by resampling the recording (drift-compensation.ts), and demodulates it again.

/** Alignments tried: a quarter window apart, an eighth for the weakest window (it needs them closer). */
const hopSamplesOf: Record<SymbolCombining, number> = { coherent: 256, power: 256, least: 128 };
/** A byte counts as heard when both nibbles' strongest bin is this many times the next one. */
const heardRatioMin = 2;
/** log10 of the chance, at most, that random bytes pass a decoding with its corrections. */
const falseDecodeLog10Max = -8;
/**
 * An alignment is tonal when this share of the groups have a heard tone (four of six: white noise
 * 0.3 %; eight of twelve: less).
 */
const tonalGroupsShareMin = 2 / 3;
/** Tonal alignments no decoded frame explains, in samples, beyond which the reverb pass runs (0.5 s). */
const reverbPassTonesSamplesMin = 24_000;
/**
 * The same, for the drift pass, as a share of the plan's shortest frame (ggwave's: 0.23 s of
 * 1.15 s; wide: 0.15 s of 0.77 s): a drift of ±0.5 % turns a tone's phase so far from window to
 * window that a ggwave request's frame keeps only 0.35–0.4 s of tonal alignments (4 groups of 6
 * heard), ±0.3 % a wide one 0.23–0.3 s; 20 s of white noise alone ≤ 0.01 s.
 */
const driftPassTonesShareMin = 0.2;
/**
 * The reverb pass leaves out a symbol's first window: it holds most of the previous symbol's tail
 * (RT60 0.5 s, seeds 1–20, tails subtracted: the credential's three frames decodable in 20 rooms
 * of 20 from the later two windows, in 17 from all three).
 */
const tailPassFirstWindow = 1;
/**
 * The reverb pass keeps its frames only where the recording shows a room: a clear tone's bin
 * keeps this share of its power a symbol later (reverb-tails.ts). RT60 0.5 s: 0.27–0.8; without
 * reverberation it stays below (two senders ≤ 0.15, white noise at −10 dB ≤ 0.17, drift 0.5 % ≤
 * 0.13), and there a second sender's frame found early ended ggwave-modem.ts's rounds before they
 * found the first sender's (two senders, seed 2).
 */
const reverbTailShareMin = 0.2;

/**
 * How a symbol's three windows are combined before its strongest bins are picked: `coherent` adds
 * their samples (ggwave's tones repeat exactly every 1024 samples, so they add up in amplitude
 * while noise and speech, off the bins, do not); `power` adds their powers (a clock drift turns a
 * tone's phase from window to window, which a coherent sum loses); `least` takes each bin's
 * weakest window (a second sender's tones, changing within the symbol, drop out of one window
 * where the sender's own stay).
 *
 * @example
 * ```ts
 * demodulateFixedFrames(tonePlans.ggwave, samples, [39, 44], 'least');
 * ```
 */
export type SymbolCombining = 'coherent' | 'power' | 'least';

/** Per alignment (hop) and group: the strongest bin of the symbol starting there, and how sure. */
interface SymbolGrid {
  readonly plan: TonePlan;
  readonly hopSamples: number;
  readonly alignments: number;
  readonly nibbles: Uint8Array;
  readonly sureness: Float32Array;
}

/** The plan's data bins' power of the symbol starting at `start`, its windows combined as `combining` says. */
function symbolPowers(
  plan: TonePlan,
  samples: Float32Array,
  start: number,
  combining: SymbolCombining,
): Float64Array {
  const { firstBin, count: dataBins } = planBins(plan);
  if (combining !== 'coherent') {
    const least = combining === 'least';
    const combined = new Float64Array(dataBins).fill(least ? Infinity : 0);
    for (let window = 0; window < windowsPerSymbol; window++) {
      const powers = binPowersOf(
        samples,
        start + window * receiveChunkSamples,
        receiveChunkSamples,
        firstBin,
        dataBins,
      );
      for (let bin = 0; bin < dataBins; bin++)
        combined[bin] = least
          ? Math.min(combined[bin]!, powers[bin]!)
          : combined[bin]! + powers[bin]!;
    }
    return combined;
  }
  const summed = new Float32Array(receiveChunkSamples);
  for (let window = 0; window < windowsPerSymbol; window++) {
    const offset = start + window * receiveChunkSamples;
    for (let index = 0; index < receiveChunkSamples; index++)
      summed[index]! += samples[offset + index]!;
  }
  return binPowersOf(summed, 0, receiveChunkSamples, firstBin, dataBins);
}

/** Every group's strongest bin of a symbol, and its power over the next strongest. */
function pickNibbles(powers: Float64Array, grid: SymbolGrid, hop: number): void {
  const { groups, binsPerGroup } = grid.plan;
  for (let group = 0; group < groups; group++) {
    let best = 0;
    let second = 0;
    let bestBin = 0;
    for (let bin = 0; bin < binsPerGroup; bin++) {
      const value = powers[group * binsPerGroup + bin]!;
      if (value > best) {
        second = best;
        best = value;
        bestBin = bin;
      } else if (value > second) second = value;
    }
    grid.nibbles[hop * groups + group] = bestBin;
    grid.sureness[hop * groups + group] = second > 0 ? best / second : best > 0 ? Infinity : 0;
  }
}

/** A grid with a symbol's place at every `hopSamples` of a recording of `samplesCount`, nothing picked yet. */
function emptyGrid(plan: TonePlan, samplesCount: number, hopSamples: number): SymbolGrid {
  const alignments = Math.max(0, Math.floor((samplesCount - symbolSamples) / hopSamples) + 1);
  const { groups } = plan;
  return {
    plan,
    hopSamples,
    alignments,
    nibbles: new Uint8Array(alignments * groups),
    sureness: new Float32Array(alignments * groups),
  };
}

/** The strongest bins of the symbol that would start at every alignment of the recording. */
function symbolGrid(plan: TonePlan, samples: Float32Array, combining: SymbolCombining): SymbolGrid {
  const grid = emptyGrid(plan, samples.length, hopSamplesOf[combining]);
  for (let hop = 0; hop < grid.alignments; hop++)
    pickNibbles(symbolPowers(plan, samples, hop * grid.hopSamples, combining), grid, hop);
  return grid;
}

/**
 * The reverb pass's grid: per alignment, the data bins' power of a symbol's later windows added
 * sample by sample, less the share of each bin's power a symbol earlier that the recording shows
 * a bin keeps (reverb-tails.ts); `undefined` when that share shows no room.
 */
function tailCompensatedGrid(plan: TonePlan, samples: Float32Array): SymbolGrid | undefined {
  const grid = emptyGrid(plan, samples.length, hopSamplesOf.coherent);
  const { firstBin, count: dataBins } = planBins(plan);
  const { hopSamples, alignments } = grid;
  const powers = new Float64Array(alignments * dataBins);
  const summed = new Float32Array(receiveChunkSamples);
  for (let hop = 0; hop < alignments; hop++) {
    summed.fill(0);
    for (let window = tailPassFirstWindow; window < windowsPerSymbol; window++) {
      const offset = hop * hopSamples + window * receiveChunkSamples;
      for (let index = 0; index < receiveChunkSamples; index++)
        summed[index]! += samples[offset + index]!;
    }
    powers.set(binPowersOf(summed, 0, receiveChunkSamples, firstBin, dataBins), hop * dataBins);
  }
  const lagAlignments = symbolSamples / hopSamples;
  const share = reverbTailShare(powers, lagAlignments, plan.groups);
  if (share < reverbTailShareMin) return undefined;
  const fresh = withoutReverbTails(powers, lagAlignments, share, plan.groups);
  for (let hop = 0; hop < alignments; hop++)
    pickNibbles(fresh.subarray(hop * dataBins, (hop + 1) * dataBins), grid, hop);
  return grid;
}

/** The bytes heard for a frame of `totalBytes` (check bytes included) starting at `hop`, and how sure each is. */
function wordAt(grid: SymbolGrid, hop: number, totalBytes: number) {
  const { groups, bytesPerSymbol } = grid.plan;
  const word = new Uint8Array(totalBytes);
  const sureness = new Float32Array(totalBytes);
  for (let index = 0; index < totalBytes; index++) {
    const symbolHop = hop + (Math.floor(index / bytesPerSymbol) * symbolSamples) / grid.hopSamples;
    const low = (symbolHop * groups + 2 * (index % bytesPerSymbol)) | 0;
    word[index] = (grid.nibbles[low + 1]! << 4) | grid.nibbles[low]!;
    sureness[index] = Math.min(grid.sureness[low]!, grid.sureness[low + 1]!);
  }
  return { word, sureness };
}

/** log10 of the binomial coefficient (n over k). */
function log10Binomial(n: number, k: number): number {
  let total = 0;
  for (let i = 0; i < k; i++) total += Math.log10((n - i) / (i + 1));
  return total;
}

/** log10 of the chance that random bytes decode with `erasures` and `errors` corrected. */
function falseDecodeLog10(
  totalBytes: number,
  checkBytes: number,
  erasures: number,
  errors: number,
): number {
  return (
    log10Binomial(totalBytes - erasures, errors) +
    errors * Math.log10(255) -
    (checkBytes - erasures) * Math.log10(256)
  );
}

/** A frame's bytes, and how likely random bytes would have decoded with as many corrections. */
interface Decoded {
  readonly bytes: Uint8Array;
  readonly falseLog10: number;
}

/**
 * Generalised minimum-distance decoding: erase the least sure bytes, 0, 2, 4 … of them; only the
 * unsure ones when `unlikely` (a frame of another length, by its header).
 */
function decodeWord(
  word: Uint8Array,
  sureness: Float32Array,
  lengthBytes: number,
  unlikely: boolean,
): Decoded | undefined {
  const checkBytes = word.length - lengthBytes;
  const order = Array.from(word.keys()).sort((left, right) => sureness[left]! - sureness[right]!);
  const unsure = order.filter((index) => sureness[index]! < heardRatioMin).length;
  const steps = unlikely ? [] : Array.from({ length: checkBytes / 2 + 1 }, (_, step) => 2 * step);
  const synd = reedSolomonSyndromes(word, checkBytes);
  for (const erasures of [...new Set([unsure, ...steps])].sort((left, right) => left - right)) {
    if (falseDecodeLog10(word.length, checkBytes, erasures, 0) > falseDecodeLog10Max) break;
    const decoded = reedSolomonDecode(word, checkBytes, order.slice(0, erasures), synd);
    if (decoded === undefined) continue;
    const falseLog10 = falseDecodeLog10(word.length, checkBytes, erasures, decoded.errors);
    if (falseLog10 <= falseDecodeLog10Max) return { bytes: decoded.data, falseLog10 };
  }
  return undefined;
}

/** A frame decoded at one alignment, in samples. */
interface Decoding {
  readonly startSample: number;
  readonly bytes: Uint8Array;
}

/**
 * Every alignment at which a frame of `lengthBytes` decodes, in order. A frame's first byte names
 * its length (framing/fixed-frames.ts): where it is heard clearly naming another, the word is
 * most likely not a frame of this length, and only one decoding is tried (Reed-Solomon still
 * corrects a wrong header with the other errors) instead of every set of erasures — most of the
 * alignments inside a long frame, at most a quarter of them by chance.
 */
function decodingsOfLength(grid: SymbolGrid, lengthBytes: number): Decoding[] {
  const sizeIndex = grid.plan.frameSizesBytes.indexOf(lengthBytes);
  const unsureMax = grid.plan.checkBytes(lengthBytes);
  const totalBytes = lengthBytes + unsureMax;
  const symbols = frameSymbols(grid.plan, lengthBytes);
  const lastHop = grid.alignments - 1 - ((symbols - 1) * symbolSamples) / grid.hopSamples;
  const decodings: Decoding[] = [];
  for (let hop = 0; hop <= lastHop; hop++) {
    const { word, sureness } = wordAt(grid, hop, totalBytes);
    let unsure = 0;
    for (const value of sureness) if (value < heardRatioMin) unsure++;
    if (unsure > unsureMax) continue;
    const unlikely = sureness[0]! >= heardRatioMin && word[0]! >> 6 !== sizeIndex;
    const decoded = decodeWord(word, sureness, lengthBytes, unlikely);
    // All zeros is a codeword of every length: a frame's zero padding (up to 120 bytes of a wide
    // 176-byte frame carrying a short message) decodes as frames of zeros at the shorter lengths,
    // its neighbouring bytes erased. A frame always carries its 0x80 padding marker, so it is none.
    if (decoded !== undefined && decoded.bytes.some((byte) => byte !== 0))
      decodings.push({ startSample: hop * grid.hopSamples, bytes: decoded.bytes });
  }
  return decodings;
}

const sameBytes = (left: Uint8Array, right: Uint8Array) =>
  left.length === right.length && left.every((byte, index) => byte === right[index]);

/**
 * One frame per run of alignments that decoded the same bytes (a frame decodes up to about a
 * window either side of where it lies): its start is the middle of the run.
 */
function framesOfRuns(plan: TonePlan, decodings: readonly Decoding[]): HeardFixedFrame[] {
  const runs: { first: Decoding; last: Decoding }[] = [];
  for (const decoding of decodings) {
    const run = runs.find(
      (open) =>
        sameBytes(open.last.bytes, decoding.bytes) &&
        decoding.startSample - open.last.startSample <= symbolSamples,
    );
    if (run === undefined) runs.push({ first: decoding, last: decoding });
    else run.last = decoding;
  }
  return runs.map(({ first, last }) => {
    const startSample = Math.round((first.startSample + last.startSample) / 2);
    const symbols = frameSymbols(plan, first.bytes.length);
    return { startSample, endSample: startSample + symbols * symbolSamples, bytes: first.bytes };
  });
}

const framesOfGrid = (grid: SymbolGrid, lengthsBytes: readonly number[]) =>
  lengthsBytes.flatMap((lengthBytes) =>
    framesOfRuns(grid.plan, decodingsOfLength(grid, lengthBytes)),
  );

/**
 * How many samples of tonal alignments (two in a row: noise alone makes single ones) the grid
 * holds outside every frame found: a frame the pass lost, when there are many.
 */
function unexplainedToneSamples(grid: SymbolGrid, frames: readonly HeardFixedFrame[]): number {
  const { groups } = grid.plan;
  const tonal = (hop: number) => {
    let heard = 0;
    for (let group = 0; group < groups; group++)
      if (grid.sureness[hop * groups + group]! >= heardRatioMin) heard++;
    return heard >= tonalGroupsShareMin * groups;
  };
  const explained = (sample: number) =>
    frames.some((frame) => sample > frame.startSample - symbolSamples && sample < frame.endSample);
  let unexplainedSamples = 0;
  for (let hop = 0; hop + 1 < grid.alignments; hop++)
    if (tonal(hop) && tonal(hop + 1) && !explained(hop * grid.hopSamples))
      unexplainedSamples += grid.hopSamples;
  return unexplainedSamples;
}

/** The same frame found again: the same bytes, overlapping in time. */
const sameFrame = (left: HeardFixedFrame, right: HeardFixedFrame) =>
  left.startSample < right.endSample &&
  right.startSample < left.endSample &&
  sameBytes(left.bytes, right.bytes);

/**
 * `known` and those of `found` it does not hold yet (the same bytes, overlapping in time).
 *
 * @example
 * ```ts
 * heard = withNewFrames(heard, demodulateFixedFrames(plan, residual, sizes));
 * ```
 */
export const withNewFrames = (
  known: readonly HeardFixedFrame[],
  found: readonly HeardFixedFrame[],
): HeardFixedFrame[] => [
  ...known,
  ...found.filter((frame) => !known.some((old) => sameFrame(old, frame))),
];

/** The frames the reverb pass finds, or none where the recording shows no room. */
function framesPastReverb(plan: TonePlan, samples: Float32Array, lengthsBytes: readonly number[]) {
  const reverbGrid = tailCompensatedGrid(plan, samples);
  return reverbGrid === undefined ? [] : framesOfGrid(reverbGrid, lengthsBytes);
}

/**
 * The frames the drift pass finds: where the recording's tones show a clock drift of at least
 * the plan's `compensatedDriftMin`, the recording resampled to undo it and demodulated again (windows
 * added up); positions mapped back to the recording's own samples.
 */
function framesPastDrift(plan: TonePlan, samples: Float32Array, lengthsBytes: readonly number[]) {
  const { firstBin, lastBin } = planBins(plan);
  const drift = estimatedClockDrift(samples, {
    windowSamples: receiveChunkSamples,
    firstBin,
    lastBin,
  });
  if (drift === undefined || Math.abs(drift) < plan.compensatedDriftMin) return [];
  const steady = withoutClockDrift(samples, drift);
  const atRecording = (sample: number) => Math.round(sample * (1 + drift));
  return framesOfGrid(symbolGrid(plan, steady, 'coherent'), lengthsBytes).map((frame) => ({
    ...frame,
    startSample: atRecording(frame.startSample),
    endSample: atRecording(frame.endSample),
  }));
}

/**
 * The fixed-length frames of the given lengths in a recording at 48 kHz: every alignment (a
 * quarter window apart; an eighth for `least`) is tried for every length; decodings of one frame
 * at neighbouring alignments are one frame. With `coherent`, while tones are left that no frame
 * explains, the reverb pass (later windows, tails subtracted; when the recording shows a room)
 * and then the drift pass (resampled; when its tones show a clock drift) add the frames they find.
 *
 * @example
 * ```ts
 * const heard = demodulateFixedFrames(tonePlans.ggwave, samples, [39, 44, 52, 64]);
 * ```
 */
export function demodulateFixedFrames(
  plan: TonePlan,
  samples: Float32Array,
  lengthsBytes: readonly number[],
  combining: SymbolCombining = 'coherent',
): HeardFixedFrame[] {
  const grid = symbolGrid(plan, samples, combining);
  let frames = framesOfGrid(grid, lengthsBytes);
  if (combining !== 'coherent') return frames;
  const passes = [
    { framesOf: framesPastReverb, tonesSamplesMin: reverbPassTonesSamplesMin },
    {
      framesOf: framesPastDrift,
      tonesSamplesMin:
        driftPassTonesShareMin *
        frameSymbols(plan, Math.min(...plan.frameSizesBytes)) *
        symbolSamples,
    },
  ];
  // Counted again only when a pass found frames: a clean recording pays for one count, as before.
  let unexplainedSamples = unexplainedToneSamples(grid, frames);
  for (const { framesOf, tonesSamplesMin } of passes) {
    if (unexplainedSamples <= tonesSamplesMin) continue;
    const found = framesOf(plan, samples, lengthsBytes);
    if (found.length === 0) continue;
    frames = withNewFrames(frames, found);
    unexplainedSamples = unexplainedToneSamples(grid, frames);
  }
  return frames;
}
