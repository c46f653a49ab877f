// The detector that tells a lost fixed-length frame (no start marker) from silence: in either tone
// plan it finds a frame's tones in noise stronger than the signal and nothing in noise alone (seeded).
import { loadGgwaveModem } from './ggwave-modem';
import { toneSpans } from './tone-detector';
import { type TonePlanName, tonePlans } from './tone-plan';
import { meanPower, withSilence, withWhiteNoise } from '../testing/audio-conditions';

describe('toneSpans', () => {
  it.each<TonePlanName>(['wide', 'ggwave'])(
    "finds a fixed-length frame's tones (%s plan) at −5 dB SNR, and nothing in 20 s of white noise",
    async (planName) => {
      const plan = tonePlans[planName];
      const modem = await loadGgwaveModem({ tonePlan: planName });
      const frame = modem.encodeFixedFrame(new Uint8Array(39).fill(0x21));
      const clean = withSilence(frame, 48_000, 48_000);
      const noisy = withWhiteNoise(clean, { signalPower: meanPower(frame), snrDb: -5, seed: 3 });
      const [span, ...others] = toneSpans(plan, noisy);
      expect(others).toEqual([]);
      expect(span!.start).toBeGreaterThanOrEqual(48_000 - 2_048);
      expect(span!.end).toBeLessThanOrEqual(48_000 + frame.length + 2_048);
      expect(span!.end - span!.start).toBeGreaterThan(frame.length * 0.9);
      const noise = withWhiteNoise(new Float32Array(20 * 48_000), {
        signalPower: 0.01,
        snrDb: 0,
        seed: 5,
      });
      expect(toneSpans(plan, noise)).toEqual([]);
    },
  );
});
