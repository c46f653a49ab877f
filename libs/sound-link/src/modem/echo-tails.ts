import { binPowersOf } from '../audio/fft';
import { type HeardFixedFrame } from '../framing/fixed-frames';
import { reedSolomonCheck } from '../framing/reed-solomon';
import { receiveChunkSamples } from '../limits';
import { type SampleSpan } from './tone-detector';
import { type TonePlan, planBins, symbolSamples, tonePlans } from './tone-plan';

// A room's echoes carry a frame's last tones on after the frame ends (the benchmark's two echoes:
// up to 200 ms late). Fixed-length frames have no end marker, so the tone detector hears that tail
// as tones no decoded frame accounts for, which transmission.ts would report as a lost frame. A
// window after a decoded frame whose tones are the frame's own last tones, delayed, is the frame's
// echo: it is left out of the tone spans. A lost frame's tones are other tones (and a frame lasts
// 1.15 s or more, far longer than any echo counted here), so they are still reported.

/** The longest echo delay counted as the frame's own (250 ms). */
const echoDelaySamplesMax = 12_000;
/** Share of the groups whose strongest bin must be one of the frame's recent tones (five of six). */
const echoGroupsShareMin = 5 / 6;

/** Per symbol of a fixed-length frame on air (its bytes, its check bytes, zeros to fill the last symbol): each group's bin. */
function frameTones(plan: TonePlan, bytes: Uint8Array): Uint8Array[] {
  const { groups, bytesPerSymbol } = plan;
  const check = reedSolomonCheck(bytes, plan.checkBytes(bytes.length));
  const onAir = Uint8Array.from([...bytes, ...check]);
  const symbols = Math.ceil(onAir.length / bytesPerSymbol);
  return Array.from({ length: symbols }, (_, symbol) => {
    const tones = new Uint8Array(groups);
    for (let byte = 0; byte < bytesPerSymbol; byte++) {
      const value = onAir[symbol * bytesPerSymbol + byte] ?? 0;
      tones[2 * byte] = value & 0x0f;
      tones[2 * byte + 1] = value >> 4;
    }
    return tones;
  });
}

/** Each group's strongest bin in the 1024-sample window at `start`. */
function strongestBins(plan: TonePlan, samples: Float32Array, start: number): number[] {
  const { groups, binsPerGroup } = plan;
  const { firstBin, count } = planBins(plan);
  const powers = binPowersOf(samples, start, receiveChunkSamples, firstBin, count);
  return Array.from({ length: groups }, (_, group) => {
    let best = 0;
    for (let bin = 1; bin < binsPerGroup; bin++)
      if (powers[group * binsPerGroup + bin]! > powers[group * binsPerGroup + best]!) best = bin;
    return best;
  });
}

/** Whether the window at `start` holds the frame's tones of up to {@link echoDelaySamplesMax} earlier. */
function isEcho(
  plan: TonePlan,
  samples: Float32Array,
  start: number,
  frame: HeardFixedFrame,
  tones: readonly Uint8Array[],
): boolean {
  const first = Math.max(
    0,
    Math.floor((start - echoDelaySamplesMax - frame.startSample) / symbolSamples),
  );
  const last = Math.min(
    tones.length - 1,
    Math.floor((start + receiveChunkSamples - frame.startSample) / symbolSamples),
  );
  const recent = tones.slice(first, last + 1);
  const heard = strongestBins(plan, samples, start);
  const matching = heard.filter((bin, group) =>
    recent.some((symbol) => symbol[group] === bin),
  ).length;
  return matching >= echoGroupsShareMin * plan.groups;
}

/**
 * The stretch after a decoded frame that is its echo: from its end on, windows of its own tones
 * delayed, or of no tones at all, up to two windows in a row of other tones (one is let through:
 * where an echo turns from one symbol to the next inside a window, its strongest bins blur).
 */
function echoTail(
  plan: TonePlan,
  samples: Float32Array,
  toneSpans: readonly SampleSpan[],
  frame: HeardFixedFrame,
): SampleSpan {
  const tones = frameTones(plan, frame.bytes);
  const tonal = (start: number) =>
    toneSpans.some((span) => start < span.end && start + receiveChunkSamples > span.start);
  // The tone detector's windows start at multiples of 1024 samples; the first that reaches past the frame.
  const first = Math.floor(frame.endSample / receiveChunkSamples) * receiveChunkSamples;
  const last = Math.min(
    frame.endSample + echoDelaySamplesMax,
    samples.length - receiveChunkSamples,
  );
  let explainedTo = first;
  for (let start = first; start <= last; start += receiveChunkSamples) {
    if (!tonal(start) || isEcho(plan, samples, start, frame, tones))
      explainedTo = start + receiveChunkSamples;
    else if (start > explainedTo) break;
  }
  return { start: frame.endSample, end: Math.max(frame.endSample, explainedTo) };
}

/** `span` without the part `cut` covers: none, one or two spans. */
function spanWithout(span: SampleSpan, cut: SampleSpan): SampleSpan[] {
  if (cut.end <= span.start || cut.start >= span.end || cut.end <= cut.start) return [span];
  return [
    { start: span.start, end: cut.start },
    { start: cut.end, end: span.end },
  ].filter((part) => part.end > part.start);
}

/**
 * The tone spans without the echoes of decoded fixed-length frames: after each frame, up to 250 ms
 * of windows whose tones (five in six at least) are among the frame's own last tones (in the tone
 * plan it was heard in; ggwave's when it does not say), or not tonal.
 *
 * @example
 * ```ts
 * const spans = withoutEchoTails(samples, toneSpans(tonePlans.wide, samples), fixedFrames);
 * ```
 */
export function withoutEchoTails(
  samples: Float32Array,
  toneSpans: readonly SampleSpan[],
  frames: readonly HeardFixedFrame[],
): SampleSpan[] {
  const tails = frames.map((frame) =>
    echoTail(tonePlans[frame.tonePlan ?? 'ggwave'], samples, toneSpans, frame),
  );
  return tails.reduce<SampleSpan[]>(
    (spans, tail) => spans.flatMap((span) => spanWithout(span, tail)),
    [...toneSpans],
  );
}
