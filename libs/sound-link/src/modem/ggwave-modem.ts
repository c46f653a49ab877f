import ggwaveFactory from 'ggwave';
import { SoundLinkError, soundLinkAssert } from '../errors';
import { type HeardFixedFrame } from '../framing/fixed-frames';
import {
  decodeOffsetsSamples,
  fixedLengthFramesByDefault,
  ggwaveFrameSizeMaxBytes,
  ggwaveVolumePercent,
  receiveChunkSamples,
  soundProtocolDefault,
  soundSampleRateHz,
  startMarkerToleranceSamples,
  tonePlanDefault,
} from '../limits';
import { resampleLinear } from '../audio/resample';
import { type MergedReception, type ReceiverAttempt, mergeAttempts } from './multi-offset';
import { type SampleSpan, toneSpans as toneSpansOf } from './tone-detector';
import { demodulateFixedFrames, withNewFrames } from './fixed-demodulator';
import { withFramesRemoved } from './interference';
import { withoutEchoTails } from './echo-tails';
import {
  type TonePlan,
  type TonePlanName,
  frameSymbols,
  ggwaveCheckBytes,
  symbolSamples,
  tonePlans,
} from './tone-plan';
import { modulateFixedFrame } from './wide-modulator';

// ggwave (data-over-sound, FSK with Reed-Solomon; MIT) as the link's modem, audible "fastest"
// protocol by default ("fast" selectable), 32-bit float mono samples. Checked by experiment on
// 0.4.0: payloads are binary-safe (any byte, including 0x00), at most 140 bytes (longer input is
// truncated silently, so frames are checked here first), one module holds at most four instances
// (each call here borrows one and frees it). Its own resampler drops samples when fed small chunks
// at another rate, so recordings are resampled to 48 kHz here before decoding.
// The WASM build's decode returns nothing for a frame it heard but could not decode; its log lines
// ("Receiving sound data", "Decoded length", "Failed to capture") are the only sign, so the receiver
// reads them to tell a lost frame from silence. Fixed-length frames the receiver demodulates itself
// (fixed-demodulator.ts), with erasures ggwave's decoder cannot use; in the wide tone plan (the
// default: twelve tone groups, twice ggwave's bytes per second) the link's own modulator sends them
// too (wide-modulator.ts), in ggwave's plan ggwave does (tone-plan.ts).

/**
 * The ggwave protocols the link sends with (a receiver decodes either): `audible-fastest` takes
 * about 45 % less time on air than `audible-fast` (bench/results/sound.md).
 *
 * @example
 * ```ts
 * const protocol: SoundProtocol = 'audible-fast';
 * ```
 */
export type SoundProtocol = 'audible-fast' | 'audible-fastest';

/**
 * Everything the modem heard in a recording (positions in samples at 48 kHz): variable-length
 * frames merged over the decoding passes, fixed-length frames (demodulated here: fixed-demodulator.ts), and
 * where ggwave's tones were, to tell a lost fixed-length frame from silence.
 *
 * @example
 * ```ts
 * const { frames, undecodable, fixedFrames, toneSpans }: ModemReception = modem.receive(samples, 48_000);
 * ```
 */
export interface ModemReception extends MergedReception {
  readonly fixedFrames: readonly HeardFixedFrame[];
  /**
   * Empty when the modem tries no fixed lengths. The echo after a decoded fixed-length frame (its
   * own tones, delayed) is left out (echo-tails.ts).
   */
  readonly toneSpans: readonly SampleSpan[];
}

/**
 * A data-over-sound modem: frames of at most 140 bytes to 32-bit float mono samples and back.
 *
 * @example
 * ```ts
 * const modem: SoundModem = await loadGgwaveModem();
 * const samples = modem.encodeFrame(requestBytes);
 * modem.decodeFrames(samples, modem.sampleRateHz); // [requestBytes]
 * ```
 */
export interface SoundModem {
  /** The rate `encodeFrame` produces, in hertz. */
  readonly sampleRateHz: number;
  /** The fixed frame lengths the receiver tries (`[]`: variable-length frames only). */
  readonly fixedFrameSizesBytes: readonly number[];
  /** How fixed-length frames are laid out in tones, and the lengths their headers name. */
  readonly tonePlan: TonePlan;
  /** The audio of one frame; throws `FRAME_TOO_LARGE` over 140 bytes (never truncates). */
  encodeFrame(frame: Uint8Array): Float32Array;
  /**
   * The audio of one fixed-length frame (no markers) in the modem's tone plan, its length one of
   * `fixedFrameSizesBytes`; or in `tonePlan`, any of that plan's lengths (answering a sender in the
   * plan it used).
   */
  encodeFixedFrame(frame: Uint8Array, tonePlan?: TonePlanName): Float32Array;
  /** Every frame found in a recording at `sampleRateHz`, in order. */
  decodeFrames(samples: Float32Array, sampleRateHz: number): Uint8Array[];
  /** Every frame and start marker heard in a recording, and where tones were (positions at 48 kHz). */
  receive(samples: Float32Array, sampleRateHz: number): ModemReception;
  /** Kept for callers that close what they load; the modem holds no ggwave instance between calls. */
  close(): void;
}

/**
 * Options of {@link loadGgwaveModem}.
 *
 * @example
 * ```ts
 * const options: GgwaveModemOptions = { volumePercent: 25, outputSampleRateHz: 44_100 };
 * ```
 */
export interface GgwaveModemOptions {
  /** 1…100; default {@link ggwaveVolumePercent}. */
  readonly volumePercent?: number;
  /** Rate of the produced audio; default 48 kHz. 44.1 kHz for an output device that runs at it. */
  readonly outputSampleRateHz?: number;
  /** The protocol frames are sent with; default {@link soundProtocolDefault}. */
  readonly protocol?: SoundProtocol;
  /**
   * Sample offsets a recording is decoded from, the others only after the first lost a frame or
   * heard none; default {@link decodeOffsetsSamples}. `[0]`: one pass.
   */
  readonly decodeOffsetsSamples?: readonly number[];
  /**
   * How fixed-length frames are sent and received: `wide` (the link's own twelve tone groups) or
   * `ggwave` ("audible fastest"'s six); default {@link tonePlanDefault}. The receiver hears either:
   * its own plan first, the other while tones are left unexplained.
   */
  readonly tonePlan?: TonePlanName;
  /**
   * Fixed frame lengths the receiver tries and the sender uses, among the tone plan's
   * (`frameSizesBytes`); `[]`: variable-length frames only. Default: all of the plan's on "audible
   * fastest" while {@link fixedLengthFramesByDefault} (it is), else none.
   */
  readonly fixedFrameSizesBytes?: readonly number[];
  /**
   * Receives ggwave's own log lines (it prints while encoding and decoding); default: dropped. One
   * sink per process (the module is shared): the last modem loaded with `log` sets it.
   */
  readonly log?: (line: string) => void;
}

type GgwaveModule = Awaited<ReturnType<typeof ggwaveFactory>>;

/** Silence appended to every recording before decoding: four analysis frames. */
const trailingSilenceSamples = 4 * receiveChunkSamples;

let logSink: (line: string) => void = () => undefined;
/** Set while a decoding pass runs: ggwave's log lines, read as they come (decode is synchronous). */
let lineListener: ((line: string) => void) | undefined;
let modulePromise: Promise<GgwaveModule> | undefined;

function onLogLine(line: string): void {
  lineListener?.(line);
  logSink(line);
}

/** The WASM module is compiled once per process (about 50 ms); instances are cheap. */
function loadModule(): Promise<GgwaveModule> {
  modulePromise ??= ggwaveFactory({ print: onLogLine, printErr: onLogLine }).then((module) => {
    module.enableLog();
    return module;
  });
  return modulePromise;
}

function newInstance(
  module: GgwaveModule,
  inputRateHz: number,
  outputRateHz: number,
  payloadLengthBytes = -1,
): number {
  const parameters = module.getDefaultParameters();
  parameters.payloadLength = payloadLengthBytes;
  parameters.sampleRateInp = inputRateHz;
  parameters.sampleRateOut = outputRateHz;
  parameters.sampleFormatInp = module.SampleFormat.GGWAVE_SAMPLE_FORMAT_F32;
  parameters.sampleFormatOut = module.SampleFormat.GGWAVE_SAMPLE_FORMAT_F32;
  const instance = module.init(parameters);
  if (instance < 0)
    throw new SoundLinkError('MODEM_FAILED', 'ggwave has no free instance (at most four)', {
      retriable: true,
    });
  return instance;
}

function copyBytes(view: Int8Array): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

function protocolId(
  module: GgwaveModule,
  protocol: SoundProtocol,
): GgwaveModule['ProtocolId'][keyof GgwaveModule['ProtocolId']] {
  return protocol === 'audible-fast'
    ? module.ProtocolId.GGWAVE_PROTOCOL_AUDIBLE_FAST
    : module.ProtocolId.GGWAVE_PROTOCOL_AUDIBLE_FASTEST;
}

/** A recording at 48 kHz with silence after it, which lets ggwave finish a frame that ends at its last sample. */
function atLinkRate(samples: Float32Array, sampleRateHz: number): Float32Array {
  const resampled =
    sampleRateHz === soundSampleRateHz
      ? samples
      : resampleLinear(samples, sampleRateHz, soundSampleRateHz);
  const padded = new Float32Array(resampled.length + trailingSilenceSamples);
  padded.set(resampled);
  return padded;
}

/** What ggwave's receiver hears in the recording fed from `offset`, told by its log lines. */
function decodePass(
  module: GgwaveModule,
  samples: Float32Array,
  offset: number,
): ReceiverAttempt[] {
  const attempts: ReceiverAttempt[] = [];
  let position = offset;
  let open: { startSample: number; headerLengthBytes?: number } | undefined;
  const close = (outcome: ReceiverAttempt['outcome'], frame?: Uint8Array) => {
    attempts.push({
      ...(open ?? { startSample: position }),
      outcome,
      ...(frame === undefined ? {} : { frame }),
    });
    open = undefined;
  };
  lineListener = (line) => {
    if (line.startsWith('Receiving sound data')) open = { startSample: position };
    else if (open !== undefined && line.startsWith('Decoded length = '))
      open = { ...open, headerLengthBytes: Number.parseInt(line.slice(17), 10) };
    else if (line.startsWith('Failed to capture sound data')) close('capture-failed');
  };
  const receiver = newInstance(module, soundSampleRateHz, soundSampleRateHz);
  try {
    for (; position < samples.length; position += receiveChunkSamples) {
      const decoded = module.decode(
        receiver,
        new Int8Array(samples.slice(position, position + receiveChunkSamples).buffer),
      );
      if (decoded.length > 0) close('frame', copyBytes(decoded));
    }
  } finally {
    lineListener = undefined;
    module.free(receiver);
  }
  if (open !== undefined) close('unfinished');
  return attempts;
}

/**
 * Samples of a fixed-length frame at 48 kHz: a symbol of 3 windows of 1024 samples per 3 bytes
 * (ggwave's plan) or 6 (wide), Reed-Solomon bytes included, no markers.
 *
 * @example
 * ```ts
 * fixedFrameSamples(39, tonePlans.ggwave) / 48_000; // 1.152 s
 * fixedFrameSamples(39, tonePlans.wide) / 48_000; // 0.768 s
 * ```
 */
export function fixedFrameSamples(lengthBytes: number, plan: TonePlan): number {
  return frameSymbols(plan, lengthBytes) * symbolSamples;
}

/**
 * Samples of a variable-length frame: start and end markers (16 windows each), then the length
 * header and the payload, 3 bytes per 3 windows ("audible fastest") or per 6 ("audible fast").
 *
 * @example
 * ```ts
 * variableFrameSamples(37) / 48_000; // 1.83 s on "audible fastest"
 * ```
 */
export function variableFrameSamples(
  lengthBytes: number,
  protocol: SoundProtocol = 'audible-fastest',
): number {
  const windowsPerTx = protocol === 'audible-fast' ? 6 : 3;
  const dataTx = 1 + Math.ceil((lengthBytes + ggwaveCheckBytes(lengthBytes)) / 3);
  return (32 + windowsPerTx * dataTx) * receiveChunkSamples;
}

/** Whether tones lie outside every decoded fixed-length frame (more than half a second of them). */
function tonesUnexplained(
  toneSpans: readonly SampleSpan[],
  frames: readonly HeardFixedFrame[],
): boolean {
  const unexplained = toneSpans.reduce((total, span) => {
    const covered = frames.reduce(
      (sum, frame) =>
        sum +
        Math.max(0, Math.min(span.end, frame.endSample) - Math.max(span.start, frame.startSample)),
      0,
    );
    return total + Math.max(0, span.end - span.start - covered);
  }, 0);
  return unexplained > soundSampleRateHz / 2;
}

/**
 * The fixed-length frames in a recording: demodulated; then, while tones remain that no frame
 * explains (a second sender, a clock drift), demodulated again with the frames found taken out of
 * the recording, adding the symbols' windows up coherently, failing that by their powers, failing
 * that by their weakest (at most three more rounds).
 */
function fixedFramesHeard(
  plan: TonePlan,
  samples: Float32Array,
  sizes: readonly number[],
  audioOf: (frame: Uint8Array) => Float32Array,
  toneSpans: readonly SampleSpan[],
  known: readonly HeardFixedFrame[],
): HeardFixedFrame[] {
  let heard = demodulateFixedFrames(plan, samples, sizes);
  const addNew = (found: readonly HeardFixedFrame[]): boolean => {
    const before = heard.length;
    heard = withNewFrames(heard, found);
    return heard.length > before;
  };
  for (let round = 0; round < 3 && tonesUnexplained(toneSpans, [...known, ...heard]); round++) {
    const residual = withFramesRemoved(
      samples,
      heard.map((frame) => ({ startSample: frame.startSample, audio: audioOf(frame.bytes) })),
    );
    const found =
      (heard.length > 0 && addNew(demodulateFixedFrames(plan, residual, sizes))) ||
      addNew(demodulateFixedFrames(plan, residual, sizes, 'power')) ||
      addNew(demodulateFixedFrames(plan, residual, sizes, 'least'));
    if (!found) break;
  }
  return heard.map((frame) => ({ ...frame, tonePlan: plan.name }));
}

/** The union of spans, sorted: overlapping and touching spans made one. */
function unitedSpans(spans: readonly SampleSpan[]): SampleSpan[] {
  const united: SampleSpan[] = [];
  for (const span of [...spans].sort((left, right) => left.start - right.start)) {
    const last = united.at(-1);
    if (last !== undefined && span.start <= last.end)
      united[united.length - 1] = { start: last.start, end: Math.max(last.end, span.end) };
    else united.push(span);
  }
  return united;
}

/**
 * The fixed-length frames in a recording, in the modem's own tone plan and then, only while tones
 * are left that no frame explains (a sender on the other plan, or a frame lost), in the other: a
 * receiver hears either plan, and a clean recording in its own costs one plan's demodulation.
 */
function fixedFramesOfPlans(
  plans: readonly TonePlan[],
  samples: Float32Array,
  sizesOf: (plan: TonePlan) => readonly number[],
  audioOf: (plan: TonePlan, frame: Uint8Array) => Float32Array,
  toneSpans: readonly SampleSpan[],
): HeardFixedFrame[] {
  let frames: HeardFixedFrame[] = [];
  for (const plan of plans) {
    if (plan !== plans[0] && !tonesUnexplained(toneSpans, frames)) break;
    const heard = fixedFramesHeard(
      plan,
      samples,
      sizesOf(plan),
      (frame) => audioOf(plan, frame),
      toneSpans,
      frames,
    );
    frames = [...frames, ...heard];
  }
  return frames;
}

/** The receiving side: variable-length passes (more offsets after a loss), fixed-length frames, tones. */
function receiver(
  module: GgwaveModule,
  offsets: readonly number[],
  plan: TonePlan,
  fixedSizes: readonly number[],
  audioOf: (plan: TonePlan, frame: Uint8Array) => Float32Array,
): SoundModem['receive'] {
  // The modem's own plan first, then the other, in all its lengths.
  const plans = [plan, ...Object.values(tonePlans).filter((other) => other !== plan)];
  const sizesOf = (each: TonePlan) => (each === plan ? fixedSizes : each.frameSizesBytes);
  return (samples, sampleRateHz) => {
    const padded = atLinkRate(samples, sampleRateHz);
    const [firstOffset, ...otherOffsets] = offsets;
    const first = decodePass(module, padded, firstOffset!);
    // The other offsets unless the first pass decoded every frame it heard, and heard one: a
    // frame costs one pass (about 4 ms per second of audio) unless one was lost. A pass that heard
    // nothing is retried too: deep in noise (−10 dB) it can miss a start marker that another window
    // alignment finds (bench/results/sound.md).
    const passes =
      first.length > 0 && first.every((attempt) => attempt.outcome === 'frame')
        ? [first]
        : [first, ...otherOffsets.map((offset) => decodePass(module, padded, offset))];
    const merged = mergeAttempts(passes, startMarkerToleranceSamples);
    if (fixedSizes.length === 0) return { ...merged, fixedFrames: [], toneSpans: [] };
    // Either plan's tones: each detector hears its own plan best.
    const toneSpans = unitedSpans(plans.flatMap((each) => toneSpansOf(each, padded)));
    const fixedFrames = fixedFramesOfPlans(plans, padded, sizesOf, audioOf, toneSpans);
    return { ...merged, fixedFrames, toneSpans: withoutEchoTails(padded, toneSpans, fixedFrames) };
  };
}

/** The decoding offsets and fixed frame lengths of a modem, checked. */
function receiverSettings(options: GgwaveModemOptions): {
  offsets: readonly number[];
  plan: TonePlan;
  fixedSizes: readonly number[];
} {
  const offsets = options.decodeOffsetsSamples ?? decodeOffsetsSamples;
  soundLinkAssert(
    offsets.length > 0 &&
      offsets.every(
        (offset) => Number.isInteger(offset) && offset >= 0 && offset < receiveChunkSamples,
      ),
    'offsets in 0…1023',
  );
  const planName = options.tonePlan ?? tonePlanDefault;
  soundLinkAssert(planName === 'wide' || planName === 'ggwave', 'tone plan wide or ggwave');
  const plan = tonePlans[planName];
  // Fixed-length frames only on "audible fastest" (an "audible fast" modem is the old setting),
  // and by default while fixedLengthFramesByDefault.
  const fixedSizes =
    options.fixedFrameSizesBytes ??
    (fixedLengthFramesByDefault && (options.protocol ?? soundProtocolDefault) === 'audible-fastest'
      ? plan.frameSizesBytes
      : []);
  soundLinkAssert(
    fixedSizes.every((size) => plan.frameSizesBytes.includes(size)),
    `fixed frame sizes among the ${planName} plan's ${plan.frameSizesBytes.join(', ')}`,
  );
  return { offsets, plan, fixedSizes };
}

/** The module, or `MODEM_FAILED` (retriable) when it cannot load. */
async function loadedModule(): Promise<GgwaveModule> {
  try {
    return await loadModule();
  } catch (error) {
    modulePromise = undefined;
    throw new SoundLinkError('MODEM_FAILED', 'the ggwave module did not load', {
      cause: error,
      retriable: true,
    });
  }
}

/** ggwave's audio of a frame: variable-length (`payloadLengthBytes` −1) or fixed-length. */
function ggwaveEncoder(
  module: GgwaveModule,
  protocol: ReturnType<typeof protocolId>,
  volumePercent: number,
  outputRateHz: number,
) {
  return (frame: Uint8Array, payloadLengthBytes: number, rateHz = outputRateHz): Float32Array => {
    const transmitter = newInstance(module, soundSampleRateHz, rateHz, payloadLengthBytes);
    let waveform: Uint8Array;
    try {
      waveform = copyBytes(module.encode(transmitter, frame, protocol, volumePercent));
    } finally {
      module.free(transmitter);
    }
    soundLinkAssert(
      waveform.length > 0 && waveform.length % 4 === 0,
      'ggwave produced 32-bit samples',
    );
    return new Float32Array(waveform.buffer);
  };
}

/**
 * Loads ggwave and makes a modem. Throws `SoundLinkError` `MODEM_FAILED` if the module cannot load.
 *
 * @example
 * ```ts
 * import { loadGgwaveModem } from '@settle/sound-link';
 * const modem = await loadGgwaveModem();
 * try {
 *   const samples = modem.encodeFrame(authorizationBytes);
 * } finally {
 *   modem.close();
 * }
 * ```
 */
export async function loadGgwaveModem(options: GgwaveModemOptions = {}): Promise<SoundModem> {
  const volumePercent = options.volumePercent ?? ggwaveVolumePercent;
  soundLinkAssert(
    Number.isInteger(volumePercent) && volumePercent >= 1 && volumePercent <= 100,
    'volume in 1…100',
  );
  const outputRateHz = options.outputSampleRateHz ?? soundSampleRateHz;
  const module = await loadedModule();
  if (options.log !== undefined) logSink = options.log;
  const { offsets, plan, fixedSizes } = receiverSettings(options);
  const encode = ggwaveEncoder(
    module,
    protocolId(module, options.protocol ?? soundProtocolDefault),
    volumePercent,
    outputRateHz,
  );
  const fixedFrameAudio = (framePlan: TonePlan, frame: Uint8Array, rateHz: number) =>
    framePlan.name === 'wide'
      ? modulateFixedFrame(framePlan, frame, rateHz, volumePercent)
      : encode(frame, frame.length, rateHz);
  const receive = receiver(module, offsets, plan, fixedSizes, (framePlan, frame) =>
    fixedFrameAudio(framePlan, frame, soundSampleRateHz),
  );
  return {
    sampleRateHz: outputRateHz,
    fixedFrameSizesBytes: fixedSizes,
    tonePlan: plan,
    encodeFrame(frame: Uint8Array): Float32Array {
      if (!(frame instanceof Uint8Array) || frame.length === 0)
        throw new SoundLinkError('MESSAGE_INVALID', 'a frame has at least one byte');
      if (frame.length > ggwaveFrameSizeMaxBytes)
        throw new SoundLinkError(
          'FRAME_TOO_LARGE',
          `a frame of ${frame.length} bytes; ggwave takes ${ggwaveFrameSizeMaxBytes}`,
        );
      return encode(frame, -1);
    },
    encodeFixedFrame(frame: Uint8Array, tonePlan?: TonePlanName): Float32Array {
      const framePlan = tonePlan === undefined ? plan : tonePlans[tonePlan];
      const sizes = framePlan === plan ? fixedSizes : framePlan.frameSizesBytes;
      if (
        !(frame instanceof Uint8Array) ||
        fixedSizes.length === 0 ||
        !sizes.includes(frame.length)
      )
        throw new SoundLinkError(
          'FRAME_TOO_LARGE',
          `a fixed-length frame of ${frame.length} bytes; this modem takes ${sizes.join(', ')} in the ${framePlan.name} plan`,
        );
      return fixedFrameAudio(framePlan, frame, outputRateHz);
    },
    decodeFrames(samples: Float32Array, sampleRateHz: number): Uint8Array[] {
      return receive(samples, sampleRateHz).frames.map((frame) => frame.bytes);
    },
    receive,
    close(): void {
      // Nothing held: instances live for one call each.
    },
  };
}
