import { sha256 } from '@noble/hashes/sha2.js';
import { SoundLinkError, type SoundLinkFailure, soundLinkAssert } from './errors';
import {
  type HeardFixedFrame,
  type PlacedMessage,
  assembleFixedFrames,
  encodeFixedMessageFrames,
} from './framing/fixed-frames';
import { decodeFrameStream, encodeMessageFrames, fragmentMarker } from './framing/frames';
import {
  interFrameSilenceMs,
  receiveChunkSamples,
  transmissionEdgeSilenceMs,
  recordingSampleRateMaxHz,
  recordingSampleRateMinHz,
  recordingSecondsMax,
  soundSampleRateHz,
} from './limits';
import { type MonoAudio } from './audio/wav';
import { type ModemReception, type SoundModem, variableFrameSamples } from './modem/ggwave-modem';
import { type HeardFrame, type UndecodableFrame } from './modem/multi-offset';
import { type SampleSpan } from './modem/tone-detector';
import { type TonePlanName, tonePlans } from './modem/tone-plan';

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
 * Options of {@link encodeTransmission}.
 *
 * @example
 * ```ts
 * const options: TransmissionOptions = { edgeSilenceMs: 250, interFrameSilenceMs: 250 }; // as before
 * ```
 */
export interface TransmissionOptions {
  /** Silence before the first frame and after the last; default {@link transmissionEdgeSilenceMs}. */
  readonly edgeSilenceMs?: number;
  /** Silence around a variable-length frame; default {@link interFrameSilenceMs}. */
  readonly interFrameSilenceMs?: number;
  /**
   * The tone plan of the fixed-length frames, when not the modem's: the plan a request was heard in
   * (`ReceivedTransmission.tonePlan`), to answer a terminal whose speaker or microphone only
   * carries ggwave's band in kind (docs/sound-link.md, "Tone plans").
   */
  readonly tonePlan?: TonePlanName;
}

/** One frame's audio, and whether it is a fixed-length one (which needs no silence around it). */
interface FrameAudio {
  readonly fixed: boolean;
  readonly samples: Float32Array;
}

function messageAudio(
  modem: SoundModem,
  message: OutgoingMessage,
  tonePlan: TonePlanName = modem.tonePlan.name,
): FrameAudio[] {
  const variable = encodeMessageFrames(message.bytes, { framesMax: message.framesMax });
  const plan = tonePlans[tonePlan];
  const sizes = plan === modem.tonePlan ? modem.fixedFrameSizesBytes : plan.frameSizesBytes;
  const fixed =
    modem.fixedFrameSizesBytes.length === 0
      ? undefined
      : encodeFixedMessageFrames(message.bytes, plan.frameSizesBytes);
  if (fixed !== undefined && fixed.every((frame) => sizes.includes(frame.length)))
    return fixed.map((frame) => ({
      fixed: true,
      samples: modem.encodeFixedFrame(frame, tonePlan),
    }));
  return variable.map((frame) => ({ fixed: false, samples: modem.encodeFrame(frame) }));
}

/**
 * The audio of a transmission: every frame of every message, in order. A message of up to 250
 * bytes goes in ggwave's fixed-length frames (when the modem has them), back to back; longer ones in
 * variable-length frames with {@link interFrameSilenceMs} of silence around each. Silence of
 * {@link transmissionEdgeSilenceMs} before the first frame and after the last. Throws
 * `MESSAGE_TOO_LARGE` for a message over its frame budget.
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
  options: TransmissionOptions = {},
): MonoAudio {
  soundLinkAssert(messages.length > 0, 'at least one message');
  const frames = messages.flatMap((message) => messageAudio(modem, message, options.tonePlan));
  const silence = (milliseconds: number) =>
    new Float32Array(Math.round((milliseconds * modem.sampleRateHz) / 1000));
  const edge = silence(options.edgeSilenceMs ?? transmissionEdgeSilenceMs);
  const between = silence(options.interFrameSilenceMs ?? interFrameSilenceMs);
  const parts: Float32Array[] = [edge];
  frames.forEach((frame, index) => {
    const previous = frames[index - 1];
    if (previous !== undefined && !(previous.fixed && frame.fixed)) parts.push(between);
    parts.push(frame.samples);
  });
  parts.push(edge);
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
   * each start marker (or, for fixed-length frames, stretch of tones) heard without a frame, then
   * those of the frames (`FRAME_MISSING`, …).
   */
  readonly failures: SoundLinkFailure[];
  /**
   * The tone plan the first fixed-length message came in (a receiver hears either): answer in it
   * (`encodeTransmission(…, { tonePlan })`). Absent when none came in fixed-length frames.
   */
  readonly tonePlan?: TonePlanName;
}

/**
 * Options of {@link decodeRecording}.
 *
 * @example
 * ```ts
 * import { isSoundForm } from '@settle/protocol/sound-form';
 * const options: DecodeRecordingOptions = { accepts: isSoundForm };
 * ```
 */
export interface DecodeRecordingOptions {
  /**
   * Whether decoded bytes are a message of the caller's protocol. A single frame has only ggwave's
   * Reed–Solomon check, which a length misread in heavy noise can pass (seen under babble at 0 dB);
   * bytes refused here are reported as `MESSAGE_UNRECOGNISED` instead of returned. Default: all.
   */
  readonly accepts?: (message: Uint8Array) => boolean;
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

/** Pairs a fixed-length message's halves when the second starts within this of the first's end (0.3 s). */
const fixedPairToleranceSamples = 14_400;
/** Tones no frame accounts for, this long or longer (≈ 0.13 s), are a frame heard but lost. */
const lostToneSamplesMin = 6 * receiveChunkSamples;
/** Lost tones closer than this (0.5 s) are reported as one. */
const lostToneMergeSamples = 24_000;

function toSeconds(sample: number): number {
  return Math.round((sample / soundSampleRateHz) * 1000) / 1000;
}

/** Where a variable-length message's last frame started: single frames by their bytes, fragments by message id. */
function completedAt(message: Uint8Array, frames: readonly HeardFrame[]): number {
  const idHex = Buffer.from(sha256(message).subarray(0, 4)).toString('hex');
  const own = frames.filter(
    (frame) =>
      (frame.bytes.length === message.length &&
        frame.bytes.every((byte, index) => byte === message[index])) ||
      (frame.bytes[0] === fragmentMarker &&
        Buffer.from(frame.bytes.subarray(1, 5)).toString('hex') === idHex),
  );
  return Math.max(0, ...own.map((frame) => frame.startSample));
}

/** What part of the recording the frames heard (decoded or not) account for. */
function accountedSpans(reception: ModemReception): SampleSpan[] {
  const variable = [...reception.frames, ...reception.undecodable].map((attempt) => {
    const lengthBytes =
      'bytes' in attempt ? attempt.bytes.length : (attempt.headerLengthBytes ?? 140);
    return {
      start: attempt.startSample - 24 * receiveChunkSamples,
      // The slower protocol's length: a receiver cannot tell which one a frame used.
      end: attempt.startSample + variableFrameSamples(lengthBytes, 'audible-fast'),
    };
  });
  const fixed = reception.fixedFrames.map((frame) => ({
    start: frame.startSample - receiveChunkSamples,
    end: frame.endSample + receiveChunkSamples,
  }));
  return [...variable, ...fixed];
}

/** Tones no frame accounts for: fixed-length frames heard but lost (they have no start marker). */
function lostToneFailures(reception: ModemReception): SoundLinkFailure[] {
  const accounted = accountedSpans(reception).sort((left, right) => left.start - right.start);
  const lost: SampleSpan[] = [];
  for (const span of reception.toneSpans) {
    let cursor = span.start;
    const gaps: SampleSpan[] = [];
    for (const covered of accounted) {
      if (covered.end <= cursor || covered.start >= span.end) continue;
      if (covered.start > cursor) gaps.push({ start: cursor, end: covered.start });
      cursor = Math.max(cursor, covered.end);
    }
    if (cursor < span.end) gaps.push({ start: cursor, end: span.end });
    lost.push(...gaps.filter((gap) => gap.end - gap.start >= lostToneSamplesMin));
  }
  // Tones interrupted (a dropout, a hand over the microphone) are one lost frame, not several.
  const merged: SampleSpan[] = [];
  for (const gap of lost) {
    const previous = merged.at(-1);
    if (previous !== undefined && gap.start - previous.end < lostToneMergeSamples)
      merged[merged.length - 1] = { start: previous.start, end: gap.end };
    else merged.push(gap);
  }
  return merged.map((gap) => ({
    ok: false,
    code: 'FRAME_UNDECODABLE',
    message: `tones from ${toSeconds(gap.start)} to ${toSeconds(gap.end)} s, but no frame could be decoded`,
    atSeconds: toSeconds(gap.start),
  }));
}

/** A start marker inside a decoded fixed-length frame is one of its data tones, not a lost frame. */
function insideFixedFrame(lost: UndecodableFrame, reception: ModemReception): boolean {
  return reception.fixedFrames.some(
    (frame) => lost.startSample >= frame.startSample && lost.startSample <= frame.endSample,
  );
}

/** The messages in fixed-length frames, assembled per tone plan (each plan's header names its own lengths). */
function fixedMessages(frames: readonly HeardFixedFrame[]): {
  messages: (PlacedMessage & { tonePlan: TonePlanName })[];
  failures: SoundLinkFailure[];
} {
  const assembled = Object.values(tonePlans).map((plan) => {
    const own = frames.filter((frame) => (frame.tonePlan ?? 'ggwave') === plan.name);
    const { messages, failures } = assembleFixedFrames(
      own,
      fixedPairToleranceSamples,
      plan.frameSizesBytes,
    );
    return { messages: messages.map((message) => ({ ...message, tonePlan: plan.name })), failures };
  });
  return {
    messages: assembled.flatMap((each) => each.messages),
    failures: assembled.flatMap((each) => each.failures),
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
export function decodeRecording(
  modem: SoundModem,
  audio: MonoAudio,
  options: DecodeRecordingOptions = {},
): ReceivedTransmission {
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
  const fixed = fixedMessages(reception.fixedFrames);
  const placed = [
    ...content.messages.map((bytes) => ({
      startSample: completedAt(bytes, reception.frames),
      bytes,
    })),
    ...fixed.messages,
  ].sort((left, right) => left.startSample - right.startSample);
  const undecodable = [
    ...reception.undecodable
      .filter((lost) => !insideFixedFrame(lost, reception))
      .map(undecodableFailure),
    ...lostToneFailures(reception),
  ].sort((left, right) => (left.atSeconds ?? 0) - (right.atSeconds ?? 0));
  const accepts = options.accepts ?? (() => true);
  const unrecognised = placed
    .filter((message) => !accepts(message.bytes))
    .map((message) => unrecognisedFailure(message));
  const tonePlan = [...fixed.messages]
    .sort((left, right) => left.startSample - right.startSample)
    .find((message) => accepts(message.bytes))?.tonePlan;
  return {
    messages: placed.filter((message) => accepts(message.bytes)).map((message) => message.bytes),
    failures: [...undecodable, ...unrecognised, ...fixed.failures, ...content.failures],
    ...(tonePlan === undefined ? {} : { tonePlan }),
  };
}

function unrecognisedFailure(message: {
  startSample: number;
  bytes: Uint8Array;
}): SoundLinkFailure {
  const atSeconds = toSeconds(message.startSample);
  return {
    ok: false,
    code: 'MESSAGE_UNRECOGNISED',
    message: `a frame at ${atSeconds} s decoded to ${message.bytes.length} bytes that are not a message of this protocol`,
    atSeconds,
  };
}
