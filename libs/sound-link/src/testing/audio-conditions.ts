// Test support: the acoustic conditions the tests decode under (seeded, so every run is the same).
// Written with plain arithmetic and bit operations: under Jest's sandbox every `Math.*` call costs
// about 0.2 µs, which over half a million samples is most of a second.

/** A seeded PRNG (xorshift32) giving uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}

/** Mean power (mean square) of the samples. */
export function meanPower(samples: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < samples.length; index++) sum += samples[index]! * samples[index]!;
  return sum / samples.length;
}

/** √3: the sum of four uniforms on [0, 1) has variance 1/3. */
const unitVarianceScale = 1.7320508075688772;

/**
 * Seeded, nearly Gaussian numbers of mean 0 and variance 1 (a sum of four uniforms, scaled): white
 * noise, one sample per call.
 */
export function seededGaussian(seed: number): () => number {
  const random = seededRandom(seed);
  return () => (random() + random() + random() + random() - 2) * unitVarianceScale;
}

/** `noise` scaled to the power `signalPower / 10^(snrDb / 10)`, measured over the whole of it. */
export function scaledToSnr(
  noise: Float32Array,
  options: { signalPower: number; snrDb: number },
): Float32Array {
  const gain = (options.signalPower / 10 ** (options.snrDb / 10) / meanPower(noise)) ** 0.5;
  return noise.map((sample) => sample * gain);
}

/** The samples plus `noise` (as long, or longer: the rest is not used). */
export function withAdded(samples: Float32Array, noise: Float32Array): Float32Array {
  if (noise.length < samples.length) throw new Error('the noise is shorter than the samples');
  return samples.map((sample, index) => sample + noise[index]!);
}

/**
 * The samples plus white noise of power `signalPower / 10^(snrDb / 10)`: the stated
 * signal-to-noise ratio, with the signal's power measured over the transmission alone (not the
 * silence around it). The noise is independent from sample to sample (flat spectrum) and nearly
 * Gaussian (a sum of four uniforms, scaled to unit variance).
 */
export function withWhiteNoise(
  samples: Float32Array,
  options: { signalPower: number; snrDb: number; seed: number },
): Float32Array {
  const gaussian = seededGaussian(options.seed);
  const sigma = (options.signalPower / 10 ** (options.snrDb / 10)) ** 0.5;
  const output = new Float32Array(samples.length);
  for (let index = 0; index < samples.length; index++)
    output[index] = samples[index]! + sigma * gaussian();
  return output;
}

/** The samples with silence before and after. */
export function withSilence(
  samples: Float32Array,
  leadingSamples: number,
  trailingSamples: number,
): Float32Array {
  const output = new Float32Array(leadingSamples + samples.length + trailingSamples);
  output.set(samples, leadingSamples);
  return output;
}

/**
 * The samples as a receiver whose clock runs `driftPercent` faster than the sender's records them
 * (linear interpolation): +0.2 % makes 1000 samples into 1002, every tone 0.2 % lower.
 */
export function withClockDrift(samples: Float32Array, driftPercent: number): Float32Array {
  const step = 1 / (1 + driftPercent / 100);
  const output = new Float32Array(Math.floor((samples.length - 1) / step));
  for (let index = 0; index < output.length; index++) {
    const position = index * step;
    const left = position | 0;
    const fraction = position - left;
    output[index] = samples[left]! * (1 - fraction) + samples[left + 1]! * fraction;
  }
  return output;
}

/** The samples with `lengthSamples` of them muted from `startSample` (a dropout). */
export function withDropout(
  samples: Float32Array,
  startSample: number,
  lengthSamples: number,
): Float32Array {
  const output = samples.slice();
  output.fill(0, startSample, startSample + lengthSamples);
  return output;
}

/** Two recordings played together, the second starting `offsetSamples` after the first. */
export function mixed(
  first: Float32Array,
  second: Float32Array,
  offsetSamples: number,
): Float32Array {
  const output = new Float32Array(Math.max(first.length, offsetSamples + second.length));
  output.set(first);
  for (let index = 0; index < second.length; index++)
    output[offsetSamples + index]! += second[index]!;
  return output;
}
