import { soundLinkAssert } from '../errors';

/**
 * Resamples mono audio by linear interpolation. Enough for the link: ggwave's tones (1.9–6.4 kHz)
 * sit far below the Nyquist frequency of 44.1 and 48 kHz, so interpolation error stays well under
 * the noise ggwave tolerates (the tests decode after 44.1 → 48 kHz with added noise).
 *
 * @example
 * ```ts
 * import { resampleLinear } from '@settle/sound-link';
 * const at48k = resampleLinear(recordedAt44k, 44_100, 48_000);
 * ```
 */
export function resampleLinear(
  samples: Float32Array,
  fromRateHz: number,
  toRateHz: number,
): Float32Array {
  soundLinkAssert(fromRateHz > 0 && toRateHz > 0, 'sample rates are positive');
  if (fromRateHz === toRateHz) return samples.slice();
  soundLinkAssert(samples.length * toRateHz < 2 ** 31 * fromRateHz, 'positions fit 31 bits');
  const length = Math.floor((samples.length * toRateHz) / fromRateHz);
  const output = new Float32Array(length);
  const step = fromRateHz / toRateHz;
  for (let index = 0; index < length; index++) {
    const position = index * step;
    const before = position | 0; // floor: positions are non-negative and below 2^31
    const fraction = position - before;
    const next = before + 1 < samples.length ? samples[before + 1]! : samples[before]!;
    output[index] = samples[before]! * (1 - fraction) + next * fraction;
  }
  return output;
}
