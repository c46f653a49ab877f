// Runs where ffmpeg is installed (Debian's package); elsewhere the test is skipped and the reason
// is checked to be given.
import { meanPower } from './audio-conditions';
import { codecRoundTrip, codecsUnavailableReason, mp3, opusVoice } from './codec-round-trip';

const unavailable = codecsUnavailableReason();

describe('lossy codec round trips (ffmpeg)', () => {
  (unavailable === undefined ? it : it.skip)(
    'brings a 3 kHz tone back through Opus and MP3 at its level (±1 dB)',
    () => {
      const tone = Float32Array.from(
        { length: 48_000 },
        (_, index) => 0.25 * Math.sin((2 * Math.PI * 3_000 * index) / 48_000),
      );
      for (const codec of [opusVoice, mp3]) {
        const back = codecRoundTrip(tone, codec);
        expect(back.length).toBeGreaterThan(47_000);
        const levelDb = 10 * Math.log10(meanPower(back.subarray(4_800, 43_200)) / meanPower(tone));
        expect(Math.abs(levelDb)).toBeLessThan(1);
      }
    },
  );

  (unavailable === undefined ? it.skip : it)('says why it cannot run without ffmpeg', () => {
    expect(unavailable).toMatch(/ffmpeg/);
  });
});
