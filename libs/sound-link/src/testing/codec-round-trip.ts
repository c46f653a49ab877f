// Test support: a recording through a lossy codec and back (a voice message sent on, a call), with
// the ffmpeg on the PATH (Debian's `ffmpeg` package: libopus and libmp3lame). Nothing is installed
// here: without ffmpeg the round trip is unavailable and says why. (sox cannot write Opus.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeWav, encodeWav } from '../audio/wav';

export interface LossyCodec {
  readonly name: string;
  /** ffmpeg's encoder and its options. */
  readonly encoderArguments: readonly string[];
  readonly fileExtension: string;
}

/** Opus at 24 kbit/s in its speech mode, as messaging apps send voice. */
export const opusVoice: LossyCodec = {
  name: 'Opus 24 kbit/s (voip)',
  encoderArguments: ['-c:a', 'libopus', '-b:a', '24k', '-application', 'voip'],
  fileExtension: 'opus',
};

/** MP3 at 64 kbit/s (LAME, constant bit rate). */
export const mp3: LossyCodec = {
  name: 'MP3 64 kbit/s',
  encoderArguments: ['-c:a', 'libmp3lame', '-b:a', '64k'],
  fileExtension: 'mp3',
};

/** Why the codecs cannot run here, or `undefined` when an ffmpeg that has both encoders is on the PATH. */
export function codecsUnavailableReason(): string | undefined {
  const probe = spawnSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return 'no ffmpeg on the PATH';
  const missing = ['libopus', 'libmp3lame'].filter((encoder) => !probe.stdout.includes(encoder));
  return missing.length > 0 ? `ffmpeg lacks ${missing.join(' and ')}` : undefined;
}

/**
 * The samples (mono, as a 16-bit WAV file) encoded with `codec` and decoded back to `sampleRateHz`.
 * Throws when ffmpeg fails (see {@link codecsUnavailableReason}).
 */
export function codecRoundTrip(
  samples: Float32Array,
  codec: LossyCodec,
  sampleRateHz = 48_000,
): Float32Array {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'sound-codec-'));
  try {
    const original = path.join(directory, 'original.wav');
    const encoded = path.join(directory, `encoded.${codec.fileExtension}`);
    const decoded = path.join(directory, 'decoded.wav');
    writeFileSync(original, encodeWav({ samples, sampleRateHz }));
    ffmpeg(['-i', original, ...codec.encoderArguments, encoded]);
    ffmpeg(['-i', encoded, '-ar', String(sampleRateHz), '-ac', '1', '-c:a', 'pcm_s16le', decoded]);
    return decodeWav(readFileSync(decoded)).samples;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function ffmpeg(arguments_: readonly string[]): void {
  const run = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...arguments_], {
    encoding: 'utf8',
  });
  if (run.error !== undefined || run.status !== 0)
    throw new Error(`ffmpeg ${arguments_.join(' ')} failed: ${run.error?.message ?? run.stderr}`);
}
