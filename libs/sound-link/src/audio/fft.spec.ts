import { binPowersOf, fftInPlace, powerOfTwoAtLeast } from './fft';

/** The DFT by its definition, O(N²): what the FFT must agree with. */
function naiveDft(re: Float64Array, im: Float64Array) {
  const size = re.length;
  const outRe = new Float64Array(size);
  const outIm = new Float64Array(size);
  for (let bin = 0; bin < size; bin++) {
    for (let index = 0; index < size; index++) {
      const angle = (-2 * Math.PI * bin * index) / size;
      outRe[bin] = outRe[bin]! + re[index]! * Math.cos(angle) - im[index]! * Math.sin(angle);
      outIm[bin] = outIm[bin]! + re[index]! * Math.sin(angle) + im[index]! * Math.cos(angle);
    }
  }
  return { outRe, outIm };
}

describe('FFT (fft.js)', () => {
  it('puts a cosine of k cycles in bins k and N − k, and inverts exactly', () => {
    const size = 64;
    const original = Float64Array.from({ length: size }, (_, index) =>
      Math.cos((2 * Math.PI * 5 * index) / size),
    );
    const re = original.slice();
    const im = new Float64Array(size);
    fftInPlace(re, im);
    const magnitudes = Array.from(re, (value, bin) => Math.hypot(value, im[bin]!));
    expect(magnitudes[5]).toBeCloseTo(size / 2, 9);
    expect(magnitudes[size - 5]).toBeCloseTo(size / 2, 9);
    expect(magnitudes.filter((magnitude) => magnitude > 1e-9)).toHaveLength(2);
    fftInPlace(re, im, true);
    re.forEach((value, index) => expect(value).toBeCloseTo(original[index]!, 12));
  });

  it('agrees with the DFT’s definition on complex input (sizes 2 to 128)', () => {
    for (const size of [2, 4, 8, 32, 128]) {
      const re = Float64Array.from({ length: size }, (_, index) => Math.sin(index * 1.7) + 0.3);
      const im = Float64Array.from({ length: size }, (_, index) => Math.cos(index * 0.9));
      const { outRe, outIm } = naiveDft(re, im);
      fftInPlace(re, im);
      re.forEach((value, bin) => expect(value).toBeCloseTo(outRe[bin]!, 9));
      im.forEach((value, bin) => expect(value).toBeCloseTo(outIm[bin]!, 9));
    }
  });

  it('gives the power of a window’s bins from real samples, as the complex transform does', () => {
    const samples = Float32Array.from({ length: 3 * 1024 }, (_, index) => Math.sin(index * 0.37));
    const powers = binPowersOf(samples, 1024, 1024, 40, 96);
    const re = Float64Array.from(samples.subarray(1024, 2048));
    const im = new Float64Array(1024);
    fftInPlace(re, im);
    powers.forEach((power, bin) =>
      expect(power).toBeCloseTo(re[40 + bin]! ** 2 + im[40 + bin]! ** 2, 6),
    );
  });

  it('refuses a size that is not a power of two', () => {
    expect(() => fftInPlace(new Float64Array(6), new Float64Array(6))).toThrow('power of two');
    expect(() => fftInPlace(new Float64Array(8), new Float64Array(4))).toThrow('lengths');
    expect(powerOfTwoAtLeast(1_025)).toBe(2_048);
  });
});
