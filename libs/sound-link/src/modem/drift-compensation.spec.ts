// The drift pass of the fixed-length receiver: a clock drift is read off the tones' offsets from
// their bins' centres, and resampling by it puts the tones back on their bins.
import { binPowersOf } from '../audio/fft';
import { seededRandom, withClockDrift, withWhiteNoise } from '../testing/audio-conditions';
import { estimatedClockDrift, withoutClockDrift } from './drift-compensation';

const windowSamples = 1024;
const band = { windowSamples, firstBin: 40, lastBin: 135 };

/**
 * A tone plan like ggwave's: six tones at a time, each in its own 16 bins of the band, exactly on
 * a bin, drawn anew every three windows (seeded); `symbols` of them.
 */
function toneSymbols(symbols: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const samples = new Float32Array(symbols * 3 * windowSamples);
  for (let symbol = 0; symbol < symbols; symbol++) {
    const bins = Array.from({ length: 6 }, (_, group) => 40 + group * 16 + ((random() * 16) | 0));
    for (let index = 0; index < 3 * windowSamples; index++) {
      const at = symbol * 3 * windowSamples + index;
      let value = 0;
      for (const bin of bins) value += Math.sin((2 * Math.PI * bin * at) / windowSamples);
      samples[at] = value / 24;
    }
  }
  return samples;
}

const clean = toneSymbols(12, 7);
const quiet = (samples: Float32Array) =>
  withWhiteNoise(samples, { signalPower: 0.01, snrDb: 20, seed: 3 });

describe('estimatedClockDrift', () => {
  it.each([0.5, -0.5, 0.3, 0.7, -0.7])('reads a drift of %d % off the tones', (percent) => {
    const drift = estimatedClockDrift(quiet(withClockDrift(clean, percent)), band);
    expect(Math.abs(drift! - percent / 100)).toBeLessThanOrEqual(0.00015); // one candidate's step
  });

  it('reads none off a recording without drift', () => {
    expect(Math.abs(estimatedClockDrift(quiet(clean), band)!)).toBeLessThanOrEqual(0.00015);
  });

  // The receiver pads every recording with silence: all-zero windows once made every bin a
  // "tone" of 0/0 and the estimate NaN.
  it('reads the drift of tones followed by digital silence', () => {
    const drifted = quiet(withClockDrift(clean, 0.5));
    const padded = new Float32Array(drifted.length + 4 * windowSamples);
    padded.set(drifted);
    expect(Math.abs(estimatedClockDrift(padded, band)! - 0.005)).toBeLessThanOrEqual(0.00015);
    expect(estimatedClockDrift(new Float32Array(8 * windowSamples), band)).toBeUndefined();
  });

  it('estimates nothing from noise alone', () => {
    const noise = withWhiteNoise(new Float32Array(clean.length), {
      signalPower: 0.01,
      snrDb: 0,
      seed: 5,
    });
    expect(estimatedClockDrift(noise, band)).toBeUndefined();
  });

  it('refuses a band the window cannot hold', () => {
    expect(() => estimatedClockDrift(clean, { ...band, lastBin: 511 })).toThrow('tone band');
  });
});

describe('withoutClockDrift', () => {
  it('puts a drifted tone back on its bin', () => {
    const tone = Float32Array.from(
      { length: 8 * windowSamples },
      (_, index) => 0.1 * Math.sin((2 * Math.PI * 130 * index) / windowSamples),
    );
    const powersAround = (samples: Float32Array) =>
      Array.from(binPowersOf(samples, 2 * windowSamples, windowSamples, 129, 3));
    const [, drifted] = powersAround(withClockDrift(tone, 0.5));
    const [before, onBin, after] = powersAround(
      withoutClockDrift(withClockDrift(tone, 0.5), 0.005),
    );
    expect(onBin).toBeGreaterThan(4 * drifted!);
    expect(onBin).toBeGreaterThan(100 * Math.max(before!, after!));
  });

  it('refuses a drift beyond what is looked for', () => {
    expect(() => withoutClockDrift(clean, 0.05)).toThrow('clock drift');
  });
});
