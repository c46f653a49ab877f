import { reedSolomonCheck } from '../framing/reed-solomon';
import { receiveChunkSamples, soundSampleRateHz } from '../limits';
import { type TonePlan, symbolSamples } from './tone-plan';

// The link's own sender for the wide tone plan (tone-plan.ts; docs/sound-link.md, "Tone plans"):
// what ggwave does for "audible fastest", with twelve tone groups instead of six. Per 64 ms symbol,
// one tone per group, exactly on a bin of a 1024-sample window at 48 kHz (so a symbol's three
// windows repeat and add up at the receiver), faded in and out over 8 ms as ggwave does (a hard
// switch would spread energy over every bin). Deterministic, as the receiver needs to take a
// decoded frame's audio out of a recording (interference.ts).

/** Fade at each end of a symbol, in seconds (ggwave: ≈ 384 samples at 48 kHz). */
const fadeSeconds = 0.008;
/**
 * A tone's amplitude per unit of volume: ggwave's frames carry a mean power of 0.0646² at volume
 * 0.25 (measured, fades included: wide-plan.spec.ts compares them), and twelve tones with the same
 * fades (which keep 84 % of a symbol's power) carry as much at this amplitude each — as loud as a
 * ggwave frame, not louder.
 */
const toneAmplitudePerVolume = 0.0646 / 0.25 / Math.sqrt((12 / 2) * 0.844);

/** Each group's tone starts at its own phase (Schroeder's), which keeps the sum's peaks low. */
function groupPhase(group: number, groups: number): number {
  return (Math.PI * group * group) / groups;
}

/** Each symbol's bin per group: a byte's low nibble in group 2j, its high nibble in group 2j + 1. */
function symbolBins(plan: TonePlan, onAir: Uint8Array): Uint16Array[] {
  const symbols = Math.ceil(onAir.length / plan.bytesPerSymbol);
  return Array.from({ length: symbols }, (_, symbol) => {
    const bins = new Uint16Array(plan.groups);
    for (let byte = 0; byte < plan.bytesPerSymbol; byte++) {
      const value = onAir[symbol * plan.bytesPerSymbol + byte] ?? 0;
      bins[2 * byte] = plan.firstBin + 2 * byte * plan.binsPerGroup + (value & 0x0f);
      bins[2 * byte + 1] = plan.firstBin + (2 * byte + 1) * plan.binsPerGroup + (value >> 4);
    }
    return bins;
  });
}

/**
 * The audio of a fixed-length frame in `plan` (its bytes, then its Reed-Solomon bytes), at
 * `sampleRateHz`, `volumePercent` as ggwave's.
 *
 * @example
 * ```ts
 * const samples = modulateFixedFrame(tonePlans.wide, frame, 48_000, 25);
 * ```
 */
export function modulateFixedFrame(
  plan: TonePlan,
  frame: Uint8Array,
  sampleRateHz: number,
  volumePercent: number,
): Float32Array {
  const onAir = Uint8Array.from([
    ...frame,
    ...reedSolomonCheck(frame, plan.checkBytes(frame.length)),
  ]);
  const bins = symbolBins(plan, onAir);
  const symbolSeconds = symbolSamples / soundSampleRateHz;
  const samples = new Float32Array(Math.ceil(bins.length * symbolSeconds * sampleRateHz));
  const amplitude = (toneAmplitudePerVolume * volumePercent) / 100;
  const binHz = soundSampleRateHz / receiveChunkSamples;
  const phases = Array.from({ length: plan.groups }, (_, group) => groupPhase(group, plan.groups));
  for (let index = 0; index < samples.length; index++) {
    const seconds = index / sampleRateHz;
    const symbol = Math.min(bins.length - 1, Math.floor(seconds / symbolSeconds));
    const inSymbol = seconds - symbol * symbolSeconds;
    const edge = Math.min(inSymbol, symbolSeconds - inSymbol);
    const envelope = edge >= fadeSeconds ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * edge) / fadeSeconds);
    const tones = bins[symbol]!;
    let value = 0;
    for (let group = 0; group < plan.groups; group++)
      value += Math.sin(2 * Math.PI * tones[group]! * binHz * seconds + phases[group]!);
    samples[index] = amplitude * envelope * value;
  }
  return samples;
}
