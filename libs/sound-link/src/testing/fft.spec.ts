import { fftInPlace, powerOfTwoAtLeast } from './fft';

describe('FFT', () => {
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

  it('refuses a size that is not a power of two', () => {
    expect(() => fftInPlace(new Float64Array(6), new Float64Array(6))).toThrow('power of two');
    expect(powerOfTwoAtLeast(1_025)).toBe(2_048);
  });
});
