// Test support: what a room and the devices do to a transmission on its way — reverberation,
// discrete echoes, an input overdriven into clipping, a sample-rate conversion. Seeded where random.
// Per-sample loops use plain arithmetic: under Jest's sandbox every `Math.*` call is slow.
import { seededGaussian } from './audio-conditions';
import { fftInPlace, powerOfTwoAtLeast } from '../audio/fft';

export interface ReverbOptions {
  readonly seed: number;
  readonly sampleRateHz?: number;
  /** Time for the reverberation to decay by 60 dB. */
  readonly rt60Seconds: number;
  /** Energy of the direct sound over that of the reverberation (0 dB: as much of each). */
  readonly directToReverberantDb: number;
  /** Delay before the first reflection. */
  readonly preDelayMs?: number;
}

/** ln(1000): an amplitude envelope e^(−k t) falls by 60 dB when k t = ln 1000. */
const ln1000 = 6.907755278982137;

/**
 * A room's impulse response: the direct sound (1 at sample 0) and, from `preDelayMs` on, seeded
 * Gaussian noise under an exponential envelope falling 60 dB in `rt60Seconds` (the usual statistical
 * model of late reverberation), scaled to the stated direct-to-reverberant ratio; `rt60Seconds` long.
 */
export function reverbImpulseResponse(options: ReverbOptions): Float32Array {
  const sampleRateHz = options.sampleRateHz ?? 48_000;
  const length = Math.round(options.rt60Seconds * sampleRateHz);
  const start = Math.max(1, Math.round(((options.preDelayMs ?? 5) * sampleRateHz) / 1000));
  const gaussian = seededGaussian(options.seed);
  const response = new Float32Array(length);
  // The envelope by one multiplication per sample.
  const decayPerSample = Math.exp(-ln1000 / (options.rt60Seconds * sampleRateHz));
  let envelope = 1;
  let tailEnergy = 0;
  for (let index = start; index < length; index++) {
    const sample = gaussian() * envelope;
    response[index] = sample;
    tailEnergy += sample * sample;
    envelope *= decayPerSample;
  }
  const tailGain = (10 ** (-options.directToReverberantDb / 10) / tailEnergy) ** 0.5;
  for (let index = start; index < length; index++) response[index] = response[index]! * tailGain;
  response[0] = 1;
  return response;
}

/** The samples in the room: convolved with {@link reverbImpulseResponse}, the tail kept. */
export function withReverb(samples: Float32Array, options: ReverbOptions): Float32Array {
  return convolved(samples, reverbImpulseResponse(options));
}

/** The convolution of two signals (by FFT), `signal.length + response.length − 1` samples. */
export function convolved(signal: Float32Array, response: Float32Array): Float32Array {
  const length = signal.length + response.length - 1;
  const size = powerOfTwoAtLeast(length);
  const signalRe = new Float64Array(size);
  const signalIm = new Float64Array(size);
  const responseRe = new Float64Array(size);
  const responseIm = new Float64Array(size);
  signalRe.set(signal);
  responseRe.set(response);
  fftInPlace(signalRe, signalIm);
  fftInPlace(responseRe, responseIm);
  for (let bin = 0; bin < size; bin++) {
    const re = signalRe[bin]! * responseRe[bin]! - signalIm[bin]! * responseIm[bin]!;
    signalIm[bin] = signalRe[bin]! * responseIm[bin]! + signalIm[bin]! * responseRe[bin]!;
    signalRe[bin] = re;
  }
  fftInPlace(signalRe, signalIm, true);
  return Float32Array.from(signalRe.subarray(0, length));
}

/** The samples plus delayed, attenuated copies of them (discrete echoes off walls or a counter). */
export function withEchoes(
  samples: Float32Array,
  echoes: readonly { readonly delaySamples: number; readonly gain: number }[],
): Float32Array {
  const longest = echoes.reduce(
    (most, echo) => (echo.delaySamples > most ? echo.delaySamples : most),
    0,
  );
  const output = new Float32Array(samples.length + longest);
  output.set(samples);
  for (const { delaySamples, gain } of echoes)
    for (let index = 0; index < samples.length; index++)
      output[delaySamples + index] = output[delaySamples + index]! + gain * samples[index]!;
  return output;
}

/**
 * The samples amplified by `gainDb` and then clipped to ±`limit` (an input stage overdriven: 1 is a
 * recording's full scale).
 */
export function withClipping(samples: Float32Array, gainDb: number, limit = 1): Float32Array {
  const gain = 10 ** (gainDb / 20);
  return samples.map((sample) => {
    const amplified = sample * gain;
    return amplified > limit ? limit : amplified < -limit ? -limit : amplified;
  });
}

/** Taps either side of an output sample in {@link resampledWindowedSinc}. */
const sincHalfTaps = 24;

const greatestCommonDivisor = (left: number, right: number): number =>
  right === 0 ? left : greatestCommonDivisor(right, left % right);

/**
 * The samples at another rate, as a device's sample-rate converter makes them: band-limited
 * interpolation (a Blackman-windowed sinc, 48 taps, cut off at 0.45 × the lower rate, so what the
 * lower rate cannot hold is filtered out rather than folded back). Integer rates; the filter's
 * phases are computed once, as the rates' ratio repeats (e.g. 147 phases for 48 → 44.1 kHz).
 */
export function resampledWindowedSinc(
  samples: Float32Array,
  fromRateHz: number,
  toRateHz: number,
): Float32Array {
  const divisor = greatestCommonDivisor(fromRateHz, toRateHz);
  const up = toRateHz / divisor;
  const down = fromRateHz / divisor;
  const filters = sincPhases(up, Math.min(1, toRateHz / fromRateHz));
  const output = new Float32Array(Math.floor((samples.length * up) / down));
  const taps = 2 * sincHalfTaps;
  for (let index = 0; index < output.length; index++) {
    // Output sample `index` lies at input position (index · down) / up: its integer part, its phase.
    const numerator = index * down;
    const whole = (numerator / up) | 0;
    const phase = numerator - whole * up;
    const first = whole - sincHalfTaps + 1;
    let sum = 0;
    for (let tap = 0; tap < taps; tap++) {
      const at = first + tap;
      if (at >= 0 && at < samples.length) sum += samples[at]! * filters[phase * taps + tap]!;
    }
    output[index] = sum;
  }
  return output;
}

/**
 * The windowed-sinc coefficients for each of `phases` fractional positions: tap t of phase p
 * weighs the input at (whole − halfTaps + 1 + t) for an output at whole + p / phases.
 * `cutoff` is the pass band as a fraction of the input's Nyquist frequency.
 */
function sincPhases(phases: number, cutoff: number): Float64Array {
  const taps = 2 * sincHalfTaps;
  const bandwidth = 0.9 * cutoff;
  const filters = new Float64Array(phases * taps);
  for (let phase = 0; phase < phases; phase++) {
    for (let tap = 0; tap < taps; tap++) {
      const distance = tap - sincHalfTaps + 1 - phase / phases;
      const x = Math.PI * bandwidth * distance;
      const sinc = distance === 0 ? 1 : Math.sin(x) / x;
      const window = (distance + sincHalfTaps) / (2 * sincHalfTaps);
      const blackman =
        0.42 - 0.5 * Math.cos(2 * Math.PI * window) + 0.08 * Math.cos(4 * Math.PI * window);
      filters[phase * taps + tap] = bandwidth * sinc * blackman;
    }
  }
  return filters;
}
