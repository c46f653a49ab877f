// Test support: spectra of recordings, for the simulators' tests (slope of pink noise, band limits).
import { fftInPlace, powerOfTwoAtLeast } from '../audio/fft';

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
