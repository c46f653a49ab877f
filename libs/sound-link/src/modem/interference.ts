// Two senders at once (docs/sound-link.md, "Receiving fixed-length frames"): where one sender's
// fixed-length frame was decoded, its audio is known exactly — ggwave's encoder is deterministic —
// so it can be taken out of the recording (aligned to the sample, its gain fitted by least
// squares) and what the other sender's tones still hold decoded again (successive interference
// cancellation).

/** How far around a decoded frame's estimated start its audio is searched for, in samples. */
const alignmentSearchSamples = 1_024;
/** The stretch of a frame's audio (four symbols) its alignment is fitted on. */
const alignmentStretchSamples = 12_288;

function dot(samples: Float32Array, offset: number, audio: Float32Array, length: number): number {
  let total = 0;
  for (let index = 0; index < length; index++) total += samples[offset + index]! * audio[index]!;
  return total;
}

/** Where `audio` lies in `samples` near `around`: the offset of greatest correlation over its first symbols. */
function alignedStart(samples: Float32Array, audio: Float32Array, around: number): number {
  const length = Math.min(alignmentStretchSamples, audio.length);
  let best = around;
  let bestScore = -Infinity;
  const first = Math.max(0, around - alignmentSearchSamples);
  const last = Math.min(samples.length - audio.length, around + alignmentSearchSamples);
  for (let offset = first; offset <= last; offset++) {
    const score = dot(samples, offset, audio, length);
    if (score > bestScore) {
      bestScore = score;
      best = offset;
    }
  }
  return best;
}

/**
 * A frame whose audio is known, and where the demodulator found it (samples at 48 kHz).
 *
 * @example
 * ```ts
 * const known: KnownFrameAudio = { startSample: 2_304, audio: modemAudioOf(frame) };
 * ```
 */
export interface KnownFrameAudio {
  readonly startSample: number;
  readonly audio: Float32Array;
}

/**
 * A copy of `samples` with each frame's audio subtracted where it fits best, scaled by its fitted gain.
 *
 * @example
 * ```ts
 * const residual = withFramesRemoved(recording, [{ startSample: 2_304, audio }]);
 * ```
 */
export function withFramesRemoved(
  samples: Float32Array,
  frames: readonly KnownFrameAudio[],
): Float32Array {
  const residual = samples.slice();
  for (const { startSample, audio } of frames) {
    if (audio.length > residual.length) continue;
    const start = alignedStart(residual, audio, startSample);
    const energy = dot(audio, 0, audio, audio.length);
    if (energy === 0) continue;
    const gain = dot(residual, start, audio, audio.length) / energy;
    for (let index = 0; index < audio.length; index++)
      residual[start + index]! -= gain * audio[index]!;
  }
  return residual;
}
