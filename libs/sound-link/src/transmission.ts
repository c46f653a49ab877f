import { SoundLinkError, type SoundLinkFailure, soundLinkAssert } from './errors';
import { decodeFrameStream, encodeMessageFrames } from './framing/frames';
import {
  interFrameSilenceMs,
  recordingSampleRateMaxHz,
  recordingSampleRateMinHz,
  recordingSecondsMax,
  soundSampleRateHz,
} from './limits';
import { type MonoAudio } from './audio/wav';
import { type SoundModem } from './modem/ggwave-modem';
import { type UndecodableFrame } from './modem/multi-offset';

/**
 * One message to send and how many frames it may take.
 *
 * @example
 * ```ts
 * const outgoing: OutgoingMessage[] = [
 *   { bytes: terminalCredentialBytes, framesMax: 16 },
 *   { bytes: requestBytes, framesMax: 1 },
 * ];
 * ```
 */
export interface OutgoingMessage {
  readonly bytes: Uint8Array;
  /** 1 for a payment request or a consumer authorization (they must fit one frame). */
  readonly framesMax: number;
}

/**
 * The audio of a transmission: every frame of every message, in order, separated by
 * {@link interFrameSilenceMs} of silence and with that silence before the first and after the last.
 * Throws `MESSAGE_TOO_LARGE` for a message over its frame budget.
 *
 * @example
 * ```ts
 * import { encodeTransmission, loadGgwaveModem } from '@settle/sound-link';
 * const audio = encodeTransmission(modem, [{ bytes: requestBytes, framesMax: 1 }]);
 * audio.samples.length / audio.sampleRateHz; // seconds on air
 * ```
 */
export function encodeTransmission(
  modem: SoundModem,
  messages: readonly OutgoingMessage[],
): MonoAudio {
  soundLinkAssert(messages.length > 0, 'at least one message');
  const frames = messages.flatMap((message) =>
    encodeMessageFrames(message.bytes, { framesMax: message.framesMax }),
  );
  const silence = new Float32Array(Math.round((interFrameSilenceMs * modem.sampleRateHz) / 1000));
  const parts: Float32Array[] = [silence];
  for (const frame of frames) parts.push(modem.encodeFrame(frame), silence);
  const samples = new Float32Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    samples.set(part, offset);
    offset += part.length;
  }
  return { samples, sampleRateHz: modem.sampleRateHz };
}

/**
 * What a recording held.
 *
 * @example
 * ```ts
 * const { messages, failures }: ReceivedTransmission = decodeRecording(modem, audio);
 * ```
 */
export interface ReceivedTransmission {
  /** Whole messages, single-frame or reassembled, in the order they completed. */
  readonly messages: Uint8Array[];
  /**
   * Frames or fragment groups that could not be used, with stable codes: `FRAME_UNDECODABLE` for
   * each start marker heard without a frame, then those of the frames (`FRAME_MISSING`, …).
   */
  readonly failures: SoundLinkFailure[];
}

const undecodableReasons: Record<UndecodableFrame['reason'], string> = {
  'capture-failed': 'no frame could be decoded',
  unfinished: 'the recording ended before the frame did',
  'passes-disagree': 'decoding passes disagree on its bytes',
};

function undecodableFailure(lost: UndecodableFrame): SoundLinkFailure {
  const atSeconds = Math.round((lost.startSample / soundSampleRateHz) * 1000) / 1000;
  const header =
    lost.headerLengthBytes === undefined ? '' : ` (header: ${lost.headerLengthBytes} bytes)`;
  return {
    ok: false,
    code: 'FRAME_UNDECODABLE',
    message: `a start marker at ${atSeconds} s, but ${undecodableReasons[lost.reason]}${header}`,
    atSeconds,
  };
}

/**
 * Decodes every message in a recording at any rate from 16 to 192 kHz (resampled to 48 kHz first),
 * with silence or noise around it, and reports every frame heard but lost (a failure, not silence). Throws `AUDIO_INVALID` for an impossible rate or length.
 *
 * @example
 * ```ts
 * import { decodeRecording, decodeWav } from '@settle/sound-link';
 * const { messages } = decodeRecording(modem, decodeWav(readFileSync('in.wav')));
 * ```
 */
export function decodeRecording(modem: SoundModem, audio: MonoAudio): ReceivedTransmission {
  if (
    audio.sampleRateHz < recordingSampleRateMinHz ||
    audio.sampleRateHz > recordingSampleRateMaxHz
  ) {
    throw new SoundLinkError('AUDIO_INVALID', `a sample rate of ${audio.sampleRateHz} Hz`);
  }
  if (audio.samples.length > recordingSecondsMax * audio.sampleRateHz)
    throw new SoundLinkError('AUDIO_INVALID', `a recording longer than ${recordingSecondsMax} s`);
  const reception = modem.receive(audio.samples, audio.sampleRateHz);
  const content = decodeFrameStream(reception.frames.map((frame) => frame.bytes));
  return {
    messages: content.messages,
    failures: [...reception.undecodable.map(undecodableFailure), ...content.failures],
  };
}
