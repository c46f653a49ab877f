import { WaveFile } from 'wavefile';
import { decodeWav, encodeWav } from './wav';

describe('WAV files', () => {
  const samples = Float32Array.from([0, 0.5, -0.5, 1, -1, 2, -2, 0.25]);

  it('writes 16-bit mono PCM that wavefile reads back', () => {
    const wav = new WaveFile(encodeWav({ samples, sampleRateHz: 48_000 }));
    expect(wav.fmt).toMatchObject({
      sampleRate: 48_000,
      numChannels: 1,
      audioFormat: 1,
      bitsPerSample: 16,
    });
    expect(Array.from(wav.getSamples(false, Int16Array) as unknown as Int16Array)).toEqual([
      0, 16384, -16384, 32767, -32767, 32767, -32767, 8192,
    ]);
  });

  it('reads its own files, other bit depths and several channels (mixed down)', () => {
    expect(
      Array.from(decodeWav(encodeWav({ samples, sampleRateHz: 44_100 })).samples).map((value) =>
        Number(value.toFixed(3)),
      ),
    ).toEqual([0, 0.5, -0.5, 1, -1, 1, -1, 0.25]);
    const stereo = new WaveFile();
    stereo.fromScratch(2, 44_100, '32f', [
      Float32Array.from([0.5, 0.25]),
      Float32Array.from([0.1, -0.25]),
    ]);
    expect(decodeWav(stereo.toBuffer())).toEqual({
      samples: Float32Array.from([0.3, 0]),
      sampleRateHz: 44_100,
    });
    const eightBit = new WaveFile();
    eightBit.fromScratch(1, 16_000, '8', [128, 192, 64]);
    expect(Array.from(decodeWav(eightBit.toBuffer()).samples)).toEqual([0, 0.5, -0.5]);
  });

  it('refuses compressed and out-of-range files', () => {
    const alaw = new WaveFile();
    alaw.fromScratch(1, 48_000, '16', [0, 1000]);
    alaw.toALaw();
    expect(() => decodeWav(alaw.toBuffer())).toThrow(
      expect.objectContaining({ code: 'AUDIO_INVALID' }),
    );
    expect(() => decodeWav(encodeWav({ samples, sampleRateHz: 8_000 }))).toThrow(
      expect.objectContaining({ code: 'AUDIO_INVALID' }),
    );
  });
});
