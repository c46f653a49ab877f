import { meanPower, mixed, withClockDrift, withDropout, withWhiteNoise } from './audio-conditions';

describe('test audio conditions', () => {
  it('adds noise of the stated power: 0 dB SNR doubles the power, 10 dB adds a tenth', () => {
    const signal = new Float32Array(200_000).fill(0.1);
    const power = meanPower(signal);
    expect(
      meanPower(withWhiteNoise(signal, { signalPower: power, snrDb: 0, seed: 1 })) / power,
    ).toBeCloseTo(2, 1);
    expect(
      meanPower(withWhiteNoise(signal, { signalPower: power, snrDb: 10, seed: 2 })) / power,
    ).toBeCloseTo(1.1, 1);
  });

  it('stretches a recording by the clock drift, interpolating between samples', () => {
    const ramp = Float32Array.from({ length: 1_001 }, (_, index) => index);
    const drifted = withClockDrift(ramp, 0.2);
    expect(drifted.length).toBe(1_002);
    expect(drifted[501]).toBeCloseTo(501 / 1.002, 3);
  });

  it('mutes a dropout and mixes two recordings at an offset', () => {
    expect(Array.from(withDropout(Float32Array.of(1, 1, 1, 1), 1, 2))).toEqual([1, 0, 0, 1]);
    expect(Array.from(mixed(Float32Array.of(1, 1, 1), Float32Array.of(2, 2), 2))).toEqual([
      1, 1, 3, 2,
    ]);
  });
});
