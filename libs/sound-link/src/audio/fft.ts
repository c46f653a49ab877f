// The discrete Fourier transform, through fft.js (a radix-4 FFT, docs/dependencies.md): the
// receiver's tone detector and the test simulators (band-limiting, reverb by convolution, spectra)
// use this one, not transforms of their own.
import FFT from 'fft.js';

const transforms = new Map<number, FFT>();

/** One fft.js instance per size (its tables are built once). Throws unless a power of two > 1. */
function transformOfSize(size: number): FFT {
  let transform = transforms.get(size);
  if (transform === undefined) {
    if (size < 2 || (size & (size - 1)) !== 0)
      throw new Error(`FFT size ${size} is not a power of two greater than 1`);
    transform = new FFT(size);
    transforms.set(size, transform);
  }
  return transform;
}

/**
 * The smallest power of two ≥ `length` (and ≥ 2).
 *
 * @example
 * ```ts
 * powerOfTwoAtLeast(1_025); // 2048
 * ```
 */
export function powerOfTwoAtLeast(length: number): number {
  let size = 2;
  while (size < length) size *= 2;
  return size;
}

/**
 * The DFT of `re + i·im` in place (forward: e^(−2πikn/N); `inverse`: the conjugate, divided by N).
 * Both arrays have the same power-of-two length.
 *
 * @example
 * ```ts
 * fftInPlace(re, im); // spectrum
 * fftInPlace(re, im, true); // and back
 * ```
 */
export function fftInPlace(re: Float64Array, im: Float64Array, inverse = false): void {
  if (im.length !== re.length) throw new Error('FFT arrays of different lengths');
  const transform = transformOfSize(re.length);
  const data = new Float64Array(2 * re.length);
  for (let index = 0; index < re.length; index++) {
    data[2 * index] = re[index]!;
    data[2 * index + 1] = im[index]!;
  }
  const out = new Float64Array(2 * re.length);
  if (inverse) transform.inverseTransform(out, data);
  else transform.transform(out, data);
  for (let index = 0; index < re.length; index++) {
    re[index] = out[2 * index]!;
    im[index] = out[2 * index + 1]!;
  }
}

/**
 * Power (|X[k]|²) of bins `firstBin` … `firstBin + count − 1` of the real samples
 * `samples[start … start + size)` (no window function), `size` a power of two, the bins below size/2.
 *
 * @example
 * ```ts
 * const powers = binPowersOf(recording, 0, 1024, 40, 96); // ggwave's data bins of the first window
 * ```
 */
export function binPowersOf(
  samples: Float32Array,
  start: number,
  size: number,
  firstBin: number,
  count: number,
): Float64Array {
  const transform = transformOfSize(size);
  const out = new Float64Array(2 * size);
  transform.realTransform(out, samples.subarray(start, start + size));
  const powers = new Float64Array(count);
  for (let bin = 0; bin < count; bin++) {
    const re = out[2 * (firstBin + bin)]!;
    const im = out[2 * (firstBin + bin) + 1]!;
    powers[bin] = re * re + im * im;
  }
  return powers;
}
