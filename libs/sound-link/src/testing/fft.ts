// Test support: a radix-2 FFT of any power-of-two size, for the simulators that work on a whole
// recording at once (band-limiting, reverb by convolution) and for the tests that measure spectra.
// (The receiver's tone detector has its own, fixed at one 1024-sample window and tuned for that.)

/** The smallest power of two ≥ `length`. */
export function powerOfTwoAtLeast(length: number): number {
  let size = 1;
  while (size < length) size *= 2;
  return size;
}

/**
 * The discrete Fourier transform of `re + i·im` in place (forward: e^(−2πikn/N); `inverse`: the
 * conjugate, divided by N). The length must be a power of two.
 */
export function fftInPlace(re: Float64Array, im: Float64Array, inverse = false): void {
  const size = re.length;
  if ((size & (size - 1)) !== 0 || im.length !== size)
    throw new Error(`FFT size ${size} is not a power of two matching both arrays`);
  swapIntoBitReversedOrder(re, im);
  const sign = inverse ? 1 : -1;
  for (let span = 2; span <= size; span *= 2) {
    const half = span / 2;
    // One rotation per stage, advanced by multiplication: Math.sin per butterfly is slow under Jest.
    const stepRe = Math.cos((2 * Math.PI) / span);
    const stepIm = sign * Math.sin((2 * Math.PI) / span);
    for (let base = 0; base < size; base += span) {
      let wRe = 1;
      let wIm = 0;
      for (let k = 0; k < half; k++) {
        const odd = base + k + half;
        const tRe = wRe * re[odd]! - wIm * im[odd]!;
        const tIm = wRe * im[odd]! + wIm * re[odd]!;
        re[odd] = re[base + k]! - tRe;
        im[odd] = im[base + k]! - tIm;
        re[base + k] = re[base + k]! + tRe;
        im[base + k] = im[base + k]! + tIm;
        const nextRe = wRe * stepRe - wIm * stepIm;
        wIm = wRe * stepIm + wIm * stepRe;
        wRe = nextRe;
      }
    }
  }
  if (inverse) {
    for (let index = 0; index < size; index++) {
      re[index] = re[index]! / size;
      im[index] = im[index]! / size;
    }
  }
}

function swapIntoBitReversedOrder(re: Float64Array, im: Float64Array): void {
  const size = re.length;
  for (let index = 1, reversed = 0; index < size; index++) {
    let bit = size >> 1;
    for (; reversed & bit; bit >>= 1) reversed ^= bit;
    reversed ^= bit;
    if (index < reversed) {
      const re0 = re[index]!;
      const im0 = im[index]!;
      re[index] = re[reversed]!;
      im[index] = im[reversed]!;
      re[reversed] = re0;
      im[reversed] = im0;
    }
  }
}

/** The samples' spectrum, zero-padded to a power of two. */
export function spectrumOf(samples: Float32Array, size = powerOfTwoAtLeast(samples.length)) {
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  re.set(samples.subarray(0, size));
  fftInPlace(re, im);
  return { re, im };
}

/**
 * Mean power per frequency bin of the samples (averaged periodogram: consecutive windows of
 * `windowSize` samples, rectangular), bins 0 … windowSize / 2.
 */
export function powerSpectrum(samples: Float32Array, windowSize: number): Float64Array {
  const bins = new Float64Array(windowSize / 2 + 1);
  const windows = Math.floor(samples.length / windowSize);
  for (let window = 0; window < windows; window++) {
    const { re, im } = spectrumOf(
      samples.subarray(window * windowSize, (window + 1) * windowSize),
      windowSize,
    );
    for (let bin = 0; bin < bins.length; bin++)
      bins[bin] = bins[bin]! + (re[bin]! * re[bin]! + im[bin]! * im[bin]!) / windows;
  }
  return bins;
}
