import { WaveFile } from 'wavefile';
import { SoundLinkError } from '../errors';
import { recordingSampleRateMaxHz, recordingSampleRateMinHz, recordingSecondsMax } from '../limits';

/**
 * Mono audio: samples in [-1, 1] and their rate.
 *
 * @example
 * ```ts
 * const audio: MonoAudio = { samples: new Float32Array(48_000), sampleRateHz: 48_000 }; // one second of silence
 * ```
 */
export interface MonoAudio {
  readonly samples: Float32Array;
  readonly sampleRateHz: number;
}

const int16Scale = 32767;

/** Bytes of the canonical RIFF/WAVE header of linear PCM: RIFF, fmt and data chunk headers. */
const wavHeaderSizeBytes = 44;

/**
 * A WAV file (RIFF, 16-bit linear PCM, mono, little-endian) of the samples, clipped to [-1, 1].
 * The canonical 44-byte header is written here (it is fixed); {@link decodeWav} reads any PCM WAV.
 *
 * @example
 * ```ts
 * import { encodeWav } from '@settle/sound-link';
 * writeFileSync('request.wav', encodeWav({ samples, sampleRateHz: 48_000 }));
 * ```
 */
export function encodeWav(audio: MonoAudio): Uint8Array {
  const { samples, sampleRateHz } = audio;
  const dataSizeBytes = samples.length * 2;
  const bytes = new Uint8Array(wavHeaderSizeBytes + dataSizeBytes);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) =>
    [...text].forEach((character, index) => (bytes[offset + index] = character.charCodeAt(0)));
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataSizeBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // linear PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz * 2, true); // bytes per second
  view.setUint16(32, 2, true); // bytes per sample frame
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, dataSizeBytes, true);
  for (let index = 0; index < samples.length; index++) {
    const sample = samples[index]!;
    const scaled = (sample > 1 ? 1 : sample < -1 ? -1 : sample) * int16Scale;
    view.setInt16(
      wavHeaderSizeBytes + index * 2,
      scaled >= 0 ? (scaled + 0.5) | 0 : -((-scaled + 0.5) | 0),
      true,
    ); // round half away from zero
  }
  return bytes;
}

/** How each supported bit depth's raw values map to [-1, 1]: `(value - offset) * factor`. */
const unitScales: Readonly<Record<string, { readonly offset: number; readonly factor: number }>> = {
  '8': { offset: 128, factor: 1 / 128 },
  '16': { offset: 0, factor: 1 / 32768 },
  '24': { offset: 0, factor: 1 / 8388608 },
  '32': { offset: 0, factor: 1 / 2147483648 },
  '32f': { offset: 0, factor: 1 },
  '64': { offset: 0, factor: 1 },
};

/**
 * Reads a WAV file of linear PCM (8, 16, 24 or 32-bit integers, 32 or 64-bit floats; several
 * channels are mixed down) as mono float samples. Throws `SoundLinkError` `AUDIO_INVALID` for an
 * unreadable or compressed file (A-law, µ-law, ADPCM), a sample rate outside 16–192 kHz, or more
 * than {@link recordingSecondsMax} seconds.
 *
 * @example
 * ```ts
 * import { decodeWav } from '@settle/sound-link';
 * const { samples, sampleRateHz } = decodeWav(readFileSync('authorization.wav'));
 * ```
 */
export function decodeWav(bytes: Uint8Array): MonoAudio {
  let wav: WaveFile;
  try {
    wav = new WaveFile(bytes);
  } catch (error) {
    throw new SoundLinkError('AUDIO_INVALID', 'not a WAV file wavefile can read', { cause: error });
  }
  const format = wav.fmt as { sampleRate: number; numChannels: number };
  const scale = unitScales[wav.bitDepth];
  if (scale === undefined)
    throw new SoundLinkError(
      'AUDIO_INVALID',
      `samples of bit depth ${wav.bitDepth}: convert to linear PCM`,
    );
  if (
    format.sampleRate < recordingSampleRateMinHz ||
    format.sampleRate > recordingSampleRateMaxHz
  ) {
    throw new SoundLinkError('AUDIO_INVALID', `a sample rate of ${format.sampleRate} Hz`);
  }
  // getSamples (raw values, fast) rather than toBitDepth('32f'), which takes about 60 ms per second of audio.
  const raw = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
  const channels = format.numChannels === 1 ? [raw as Float64Array] : (raw as Float64Array[]);
  const length = channels[0]?.length ?? 0;
  if (length === 0) throw new SoundLinkError('AUDIO_INVALID', 'a recording without samples');
  if (length > recordingSecondsMax * format.sampleRate)
    throw new SoundLinkError('AUDIO_INVALID', `a recording longer than ${recordingSecondsMax} s`);
  const samples = new Float32Array(length);
  const factor = scale.factor / channels.length;
  for (const channel of channels) {
    for (let index = 0; index < length; index++)
      samples[index] = samples[index]! + (channel[index]! - scale.offset) * factor;
  }
  return { samples, sampleRateHz: format.sampleRate };
}
