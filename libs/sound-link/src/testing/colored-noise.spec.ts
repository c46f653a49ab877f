// Pink noise, babble and band-limiting: their spectra, levels and seeds.
import { meanPower, scaledToSnr, seededGaussian } from './audio-conditions';
import { babbleNoise, bandLimited, ggwaveBandHz, pinkNoise } from './colored-noise';
import { powerSpectrum, spectrumOf } from './spectrum';

const rateHz = 48_000;
const windowSize = 4_096;
const binHz = rateHz / windowSize;

/** Slope of log10(power per bin) against log10(frequency) from 100 Hz to 15 kHz (least squares). */
function spectralSlope(samples: Float32Array): number {
  const spectrum = powerSpectrum(samples, windowSize);
  const points: [number, number][] = [];
  for (let bin = Math.ceil(100 / binHz); bin * binHz <= 15_000; bin++)
    points.push([Math.log10(bin * binHz), Math.log10(spectrum[bin]!)]);
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return covariance / variance;
}

/** Share of the power between `lowHz` and `highHz` (whole-recording spectrum). */
function powerShare(samples: Float32Array, lowHz: number, highHz: number): number {
  const { re, im } = spectrumOf(samples);
  const hzPerBin = rateHz / re.length;
  let inside = 0;
  let total = 0;
  for (let bin = 1; bin < re.length / 2; bin++) {
    const power = re[bin]! ** 2 + im[bin]! ** 2;
    total += power;
    if (bin * hzPerBin >= lowHz && bin * hzPerBin <= highHz) inside += power;
  }
  return inside / total;
}

describe('pink noise (Paul Kellet’s filter)', () => {
  it('falls 3 dB per octave (power ∝ 1/f) where white noise is flat', () => {
    expect(spectralSlope(pinkNoise(2 ** 18, 1))).toBeCloseTo(-1, 1);
    const white = seededGaussian(1);
    expect(spectralSlope(Float32Array.from({ length: 2 ** 18 }, white))).toBeCloseTo(0, 1);
  });

  it('holds equal power in every octave from 125 Hz to 8 kHz (within 1 dB)', () => {
    const spectrum = powerSpectrum(pinkNoise(2 ** 18, 2), windowSize);
    const octaveDb = [125, 250, 500, 1_000, 2_000, 4_000].map((lowHz) => {
      let power = 0;
      for (let bin = Math.ceil(lowHz / binHz); bin < (2 * lowHz) / binHz; bin++)
        power += spectrum[bin]!;
      return 10 * Math.log10(power);
    });
    const mean = octaveDb.reduce((sum, db) => sum + db, 0) / octaveDb.length;
    for (const db of octaveDb) expect(Math.abs(db - mean)).toBeLessThan(1);
  });

  it('is the same for a seed, different for another, and scales to the stated SNR', () => {
    expect(pinkNoise(1_000, 3)).toEqual(pinkNoise(1_000, 3));
    expect(pinkNoise(1_000, 3)).not.toEqual(pinkNoise(1_000, 4));
    const scaled = scaledToSnr(pinkNoise(48_000, 3), { signalPower: 0.01, snrDb: -5 });
    expect(10 * Math.log10(0.01 / meanPower(scaled))).toBeCloseTo(-5, 6);
  });
});

describe('band-limited noise', () => {
  it("keeps only ggwave's band, and that band unchanged", () => {
    const noise = pinkNoise(2 ** 17, 5);
    const inBand = bandLimited(noise, { ...ggwaveBandHz, sampleRateHz: rateHz });
    expect(powerShare(inBand, ggwaveBandHz.lowHz, ggwaveBandHz.highHz)).toBeGreaterThan(0.9999);
    const bandPower = (samples: Float32Array) =>
      powerShare(samples, ggwaveBandHz.lowHz, ggwaveBandHz.highHz) * meanPower(samples);
    expect(bandPower(inBand) / bandPower(noise)).toBeCloseTo(1, 3);
  });
});

describe('babble', () => {
  const seconds = 6;

  it('is the same for a seed and different for another', () => {
    expect(babbleNoise(24_000, { seed: 1 })).toEqual(babbleNoise(24_000, { seed: 1 }));
    expect(babbleNoise(24_000, { seed: 1 })).not.toEqual(babbleNoise(24_000, { seed: 2 }));
  });

  it("has speech's spectrum: most power below 4 kHz, some above 2 kHz, power ≈ 1", () => {
    const babble = babbleNoise(seconds * rateHz, { seed: 3 });
    expect(meanPower(babble)).toBeCloseTo(1, 1);
    expect(powerShare(babble, 0, 4_000)).toBeGreaterThan(0.9);
    expect(powerShare(babble, 2_000, 24_000)).toBeGreaterThan(0.02);
  });

  it("has speech's syllables and pauses, filled in by more talkers", () => {
    /** Power in consecutive 50 ms windows, ascending. */
    const windowPowers = (samples: Float32Array) => {
      const powers: number[] = [];
      for (let start = 0; start + 2_400 <= samples.length; start += 2_400)
        powers.push(meanPower(samples.subarray(start, start + 2_400)));
      return powers.sort((left, right) => left - right);
    };
    const percentile = (powers: number[], share: number) =>
      powers[Math.floor(powers.length * share)]!;
    const oneTalker = windowPowers(babbleNoise(seconds * rateHz, { seed: 4, talkers: 1 }));
    const silentShare = oneTalker.filter((power) => power < 1e-6).length / oneTalker.length;
    expect(silentShare).toBeGreaterThan(0.1);
    expect(silentShare).toBeLessThan(0.6);
    const sixTalkers = windowPowers(babbleNoise(seconds * rateHz, { seed: 4, talkers: 6 }));
    expect(percentile(sixTalkers, 0.1)).toBeGreaterThan(0.1);
    const swing = percentile(sixTalkers, 0.9) / percentile(sixTalkers, 0.1);
    expect(swing).toBeGreaterThan(2);
    expect(swing).toBeLessThan(20);
  });
});
