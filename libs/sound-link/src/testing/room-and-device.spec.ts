// Reverb, echoes, clipping and band-limited resampling: what each does to a signal, seeded.
import { meanPower, seededGaussian } from './audio-conditions';
import {
  convolved,
  resampledWindowedSinc,
  reverbImpulseResponse,
  withClipping,
  withEchoes,
} from './room-and-device';

const sine = (hz: number, rateHz: number, length: number, amplitude = 1) =>
  Float32Array.from(
    { length },
    (_, index) => amplitude * Math.sin((2 * Math.PI * hz * index) / rateHz),
  );

const energy = (samples: Float32Array) => meanPower(samples) * samples.length;

describe('reverb', () => {
  const options = { seed: 1, rt60Seconds: 0.5, directToReverberantDb: 3, preDelayMs: 5 };

  it('is the direct sound, silence until the first reflection, then the stated energy', () => {
    const response = reverbImpulseResponse(options);
    expect(response.length).toBe(24_000);
    expect(response[0]).toBe(1);
    expect(Array.from(response.subarray(1, 240)).every((sample) => sample === 0)).toBe(true);
    expect(10 * Math.log10(1 / energy(response.subarray(1)))).toBeCloseTo(3, 3);
  });

  it('decays by 60 dB in RT60: 30 dB over a quarter of a second', () => {
    const response = reverbImpulseResponse({ ...options, seed: 2 });
    const early = energy(response.subarray(2_400, 4_800)); // 50–100 ms
    const late = energy(response.subarray(14_400, 16_800)); // 300–350 ms
    expect(10 * Math.log10(early / late)).toBeGreaterThan(28);
    expect(10 * Math.log10(early / late)).toBeLessThan(32);
  });

  it('is the same room for a seed, another for another seed', () => {
    expect(reverbImpulseResponse(options)).toEqual(reverbImpulseResponse(options));
    expect(reverbImpulseResponse(options)).not.toEqual(
      reverbImpulseResponse({ ...options, seed: 2 }),
    );
  });

  it('convolves as the direct sum does', () => {
    const gaussian = seededGaussian(3);
    const signal = Float32Array.from({ length: 300 }, gaussian);
    const response = Float32Array.from({ length: 50 }, gaussian);
    const result = convolved(signal, response);
    expect(result.length).toBe(349);
    for (const index of [0, 49, 200, 348]) {
      let sum = 0;
      for (let tap = 0; tap < response.length; tap++)
        if (index - tap >= 0 && index - tap < signal.length)
          sum += signal[index - tap]! * response[tap]!;
      expect(result[index]).toBeCloseTo(sum, 4);
    }
  });
});

describe('echoes and clipping', () => {
  it('adds each echo at its delay and gain', () => {
    const echoed = withEchoes(Float32Array.of(1, 0, 0), [
      { delaySamples: 2, gain: 0.5 },
      { delaySamples: 4, gain: 0.25 },
    ]);
    expect(Array.from(echoed)).toEqual([1, 0, 0.5, 0, 0.25, 0, 0]);
  });

  it('amplifies by the gain, then clips at full scale', () => {
    // ggwave's level: peaks near 0.25; +18 dB takes them to ≈ 2.
    const clipped = withClipping(sine(1_000, 48_000, 4_800, 0.25), 18);
    expect(Math.max(...clipped)).toBe(1);
    expect(Math.min(...clipped)).toBe(-1);
    const share = clipped.filter((sample) => Math.abs(sample) === 1).length / clipped.length;
    // |2 sin| ≥ 1 for two thirds of a period.
    expect(share).toBeCloseTo(2 / 3, 1);
    expect(withClipping(Float32Array.of(0.01), 18)[0]).toBeCloseTo(0.01 * 10 ** (18 / 20), 6);
  });
});

describe('resampling (windowed sinc)', () => {
  const error = (actual: Float32Array, expected: Float32Array) => {
    let largest = 0;
    // The ends lack half the filter's taps.
    for (let index = 100; index < actual.length - 100; index++)
      largest = Math.max(largest, Math.abs(actual[index]! - expected[index]!));
    return largest;
  };

  it('turns a tone at 48 kHz into the same tone at 44.1 kHz, and back', () => {
    const down = resampledWindowedSinc(sine(3_000, 48_000, 48_000), 48_000, 44_100);
    expect(down.length).toBe(44_100);
    expect(error(down, sine(3_000, 44_100, 44_100))).toBeLessThan(1e-3);
    const up = resampledWindowedSinc(sine(6_000, 44_100, 44_100), 44_100, 48_000);
    expect(up.length).toBe(48_000);
    expect(error(up, sine(6_000, 48_000, 48_000))).toBeLessThan(1e-3);
  });

  it('removes what 44.1 kHz cannot hold instead of folding it back (linear interpolation would)', () => {
    const tone = sine(23_000, 48_000, 48_000);
    const down = resampledWindowedSinc(tone, 48_000, 44_100);
    expect(10 * Math.log10(meanPower(down.subarray(100, -100)) / meanPower(tone))).toBeLessThan(
      -60,
    );
  });
});
