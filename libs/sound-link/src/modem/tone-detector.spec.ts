// The detector that tells a lost fixed-length frame (no start marker) from silence: it finds
// ggwave's tones in noise as strong as the signal and nothing in noise alone (seeded).
import { fixedFrameSizesBytes } from '../limits';
import { loadGgwaveModem } from './ggwave-modem';
import { ggwaveToneSpans } from './tone-detector';
import { meanPower, withSilence, withWhiteNoise } from '../testing/audio-conditions';

describe('ggwaveToneSpans', () => {
  it("finds a fixed-length frame's tones at −5 dB SNR, and nothing in 20 s of white noise", async () => {
    const modem = await loadGgwaveModem({ fixedFrameSizesBytes });
    const frame = modem.encodeFixedFrame(new Uint8Array(39).fill(0x21));
    const clean = withSilence(frame, 48_000, 48_000);
    const noisy = withWhiteNoise(clean, { signalPower: meanPower(frame), snrDb: -5, seed: 3 });
    const [span, ...others] = ggwaveToneSpans(noisy);
    expect(others).toEqual([]);
    expect(span!.start).toBeGreaterThanOrEqual(48_000 - 2_048);
    expect(span!.end).toBeLessThanOrEqual(48_000 + frame.length + 2_048);
    expect(span!.end - span!.start).toBeGreaterThan(frame.length * 0.9);
    const noise = withWhiteNoise(new Float32Array(20 * 48_000), {
      signalPower: 0.01,
      snrDb: 0,
      seed: 5,
    });
    expect(ggwaveToneSpans(noise)).toEqual([]);
  });
});
