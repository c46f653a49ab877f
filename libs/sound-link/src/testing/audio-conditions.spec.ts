import { meanPower, withWhiteNoise } from './audio-conditions';

describe('test audio conditions', () => {
  it('adds noise of the stated power: 0 dB SNR doubles the power, 10 dB adds a tenth', () => {
    const signal = new Float32Array(200_000).fill(0.1);
    const power = meanPower(signal);
    expect(meanPower(withWhiteNoise(signal, { signalPower: power, snrDb: 0, seed: 1 })) / power).toBeCloseTo(2, 1);
    expect(meanPower(withWhiteNoise(signal, { signalPower: power, snrDb: 10, seed: 2 })) / power).toBeCloseTo(1.1, 1);
  });
});
