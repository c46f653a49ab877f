import { fixedFrameSizesBytes, receiveChunkSamples, soundSampleRateHz } from '../limits';

// How fixed-length frames are laid out in tones (docs/sound-link.md, "Tone plans"). A symbol is one
// tone in each of `groups` groups of 16 bins (a byte's low nibble in group 2j, its high nibble in
// 2j + 1), held for three 1024-sample windows at 48 kHz (64 ms); a frame is its bytes, then its
// Reed-Solomon bytes, then zeros to fill the last symbol. Two plans:
// - `ggwave`: ggwave's "audible fastest" (six groups, bins 40…135, 1.9–6.4 kHz: 3 bytes a symbol),
//   sent by ggwave itself, with ggwave's Reed-Solomon bytes (2 per 5 bytes, at least 4);
// - `wide`: twelve groups (bins 40…231, 1.9–10.9 kHz: 6 bytes a symbol), sent by the link's own
//   modulator (wide-modulator.ts); twice the bytes per second, and at least 32 Reed-Solomon bytes
//   a frame, so a 200 ms dropout (4 symbols, 24 bytes) is erasures the code still corrects.

/**
 * The tone plans a modem sends and receives fixed-length frames with.
 *
 * @example
 * ```ts
 * const plan: TonePlanName = 'wide';
 * ```
 */
export type TonePlanName = 'ggwave' | 'wide';

/**
 * A layout of fixed-length frames in tones, and the frame lengths it names in a frame's header.
 *
 * @example
 * ```ts
 * const { groups, bytesPerSymbol } = tonePlans.wide; // 12, 6
 * ```
 */
export interface TonePlan {
  readonly name: TonePlanName;
  /** The lowest bin of the lowest group, in 1024-sample windows at 48 kHz. */
  readonly firstBin: number;
  readonly groups: number;
  readonly binsPerGroup: number;
  /** Bytes a symbol carries: a nibble per group. */
  readonly bytesPerSymbol: number;
  /** The frame lengths a frame's header names (index = the header's size bits), ascending. */
  readonly frameSizesBytes: readonly number[];
  /** Reed-Solomon bytes added to a frame of `lengthBytes`. */
  readonly checkBytes: (lengthBytes: number) => number;
  /**
   * The receiver resamples a recording against a clock drift of at least this fraction: below it
   * the symbols' windows still add up on the plan's highest tone (a tenth of a bin or less).
   */
  readonly compensatedDriftMin: number;
}

/** Windows of {@link receiveChunkSamples} a symbol is held for. */
export const windowsPerSymbol = 3;

/**
 * Samples of a symbol at 48 kHz (64 ms).
 *
 * @example
 * ```ts
 * symbolSamples / 48_000; // 0.064
 * ```
 */
export const symbolSamples = windowsPerSymbol * receiveChunkSamples;

/** Reed-Solomon bytes ggwave adds to a payload (ggwave.cpp, getECCBytesForLength). */
export function ggwaveCheckBytes(lengthBytes: number): number {
  return lengthBytes < 4 ? 2 : Math.max(4, 2 * Math.floor(lengthBytes / 5));
}

/**
 * A 200 ms dropout silences three symbols and part of a fourth: 24 bytes of a wide frame, which
 * the receiver erases. Reed-Solomon corrects e erasures while e ≤ check bytes, and the receiver
 * keeps a decoding only with 4 check bytes to spare (fixed-demodulator.ts, the 10⁻⁸ bound).
 */
const wideCheckBytesMin = 32;

/**
 * The tone plans.
 *
 * @example
 * ```ts
 * const symbols = Math.ceil((39 + tonePlans.wide.checkBytes(39)) / tonePlans.wide.bytesPerSymbol); // 12
 * ```
 */
export const tonePlans: Readonly<Record<TonePlanName, TonePlan>> = {
  ggwave: {
    name: 'ggwave',
    firstBin: 40,
    groups: 6,
    binsPerGroup: 16,
    bytesPerSymbol: 3,
    frameSizesBytes: fixedFrameSizesBytes,
    checkBytes: ggwaveCheckBytes,
    compensatedDriftMin: 0.001,
  },
  wide: {
    name: 'wide',
    firstBin: 40,
    groups: 12,
    binsPerGroup: 16,
    bytesPerSymbol: 6,
    // A request (37 B, the largest 44) in one frame of 39 or 48, an authorization (74–82 B) in one
    // of 84, a credential (147–169 B) in one of 176; 176 + 70 check bytes fit Reed-Solomon's 255.
    frameSizesBytes: [39, 48, 84, 176],
    checkBytes: (lengthBytes) => Math.max(wideCheckBytesMin, ggwaveCheckBytes(lengthBytes)),
    compensatedDriftMin: 0.0005,
  },
};

/**
 * Symbols a frame of `lengthBytes` takes on air, its check bytes included.
 *
 * @example
 * ```ts
 * frameSymbols(tonePlans.ggwave, 39); // 18
 * ```
 */
export function frameSymbols(plan: TonePlan, lengthBytes: number): number {
  return Math.ceil((lengthBytes + plan.checkBytes(lengthBytes)) / plan.bytesPerSymbol);
}

/**
 * The bins a plan's tones lie on: `firstBin` … `lastBin`.
 *
 * @example
 * ```ts
 * planBins(tonePlans.wide); // { firstBin: 40, lastBin: 231, count: 192 }
 * ```
 */
export function planBins(plan: TonePlan): { firstBin: number; lastBin: number; count: number } {
  const count = plan.groups * plan.binsPerGroup;
  return { firstBin: plan.firstBin, lastBin: plan.firstBin + count - 1, count };
}

/**
 * The band a plan's tones occupy, in hertz: from half a bin below its first bin to half a bin above
 * its last (ggwave's: 1.85–6.35 kHz; wide: 1.85–10.85 kHz), e.g. for noise confined to it.
 *
 * @example
 * ```ts
 * bandLimited(noise, { ...planBandHz(tonePlans.wide), sampleRateHz: 48_000 });
 * ```
 */
export function planBandHz(plan: TonePlan): { lowHz: number; highHz: number } {
  const { firstBin, lastBin } = planBins(plan);
  const binHz = soundSampleRateHz / receiveChunkSamples;
  return { lowHz: (firstBin - 0.5) * binHz, highHz: (lastBin + 0.5) * binHz };
}
