import { histogram, niceWidth, percentile } from './statistics';

describe('percentile (nearest rank)', () => {
  it('takes the smallest value with at least p % at or below it', () => {
    const values = [15, 20, 35, 40, 50];
    expect([
      percentile(values, 5),
      percentile(values, 30),
      percentile(values, 40),
      percentile(values, 50),
      percentile(values, 100),
    ]).toEqual([15, 20, 20, 35, 50]);
  });

  it('does not depend on the order of the values and never interpolates', () => {
    const values = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect([percentile(values, 50), percentile(values, 99), percentile(values, 100)]).toEqual([
      50, 99, 100,
    ]);
    expect(percentile([3, 1000], 50)).toBe(3);
  });

  it('is null without values and refuses p outside (0, 100]', () => {
    expect(percentile([], 50)).toBeNull();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('histogram', () => {
  it('puts every value in exactly one bin of a nice width', () => {
    const values = [101, 120, 180, 199, 250, 260, 990];
    const bins = histogram(values, 10);
    expect(bins.reduce((sum, bin) => sum + bin.count, 0)).toBe(values.length);
    expect(bins[0]).toEqual({ from: 100, to: 200, count: 4 });
    expect(bins.at(-1)).toEqual({ from: 900, to: 1000, count: 1 });
    for (const [index, bin] of bins.entries())
      if (index > 0) expect(bin.from).toBe(bins[index - 1]!.to);
  });

  it('gives one bin when every value is the same, and none without values', () => {
    expect(histogram([42, 42, 42])).toEqual([{ from: 42, to: 43, count: 3 }]);
    expect(histogram([])).toEqual([]);
  });

  it('refuses an impossible bin count', () => {
    expect(() => histogram([1, 2], 0)).toThrow(RangeError);
    expect(() => histogram([1, 2], 1.5)).toThrow(RangeError);
  });

  it('chooses 1, 2 or 5 times a power of ten', () => {
    expect([
      niceWidth(0.7),
      niceWidth(1.5),
      niceWidth(3),
      niceWidth(7),
      niceWidth(42),
      niceWidth(0),
    ]).toEqual([1, 2, 5, 10, 50, 1]);
  });
});
