import ggwaveFactory from 'ggwave';
import { SoundLinkError, soundLinkAssert } from '../errors';
import {
  decodeOffsetsSamples,
  ggwaveFrameSizeMaxBytes,
  ggwaveVolumePercent,
  receiveChunkSamples,
  soundProtocolDefault,
  soundSampleRateHz,
  startMarkerToleranceSamples,
} from '../limits';
import { resampleLinear } from '../audio/resample';
import { type MergedReception, type ReceiverAttempt, mergeAttempts } from './multi-offset';

// ggwave (data-over-sound, FSK with Reed-Solomon; MIT) as the link's modem, audible "fastest"
// protocol by default ("fast" selectable), 32-bit float mono samples. Checked by experiment on
// 0.4.0: payloads are binary-safe (any byte, including 0x00), at most 140 bytes (longer input is
// truncated silently, so frames are checked here first), one module holds at most four instances
// (each call here borrows one and frees it). Its own resampler drops samples when fed small chunks
// at another rate, so recordings are resampled to 48 kHz here before decoding.
// The WASM build's decode returns nothing for a frame it heard but could not decode; its log lines
// ("Receiving sound data", "Decoded length", "Failed to capture") are the only sign, so the receiver
// reads them to tell a lost frame from silence.

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
  /** The audio of one frame; throws `FRAME_TOO_LARGE` over 140 bytes (never truncates). */
  encodeFrame(frame: Uint8Array): Float32Array;
  /** Every frame found in a recording at `sampleRateHz`, in order. */
  decodeFrames(samples: Float32Array, sampleRateHz: number): Uint8Array[];
  /** Every start marker heard in a recording, with its frame or why none came out (positions at 48 kHz). */
  receive(samples: Float32Array, sampleRateHz: number): MergedReception;
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
   * Sample offsets a recording is decoded from, the others only after the first lost a frame;
   * default {@link decodeOffsetsSamples}. `[0]`: one pass.
   */
  readonly decodeOffsetsSamples?: readonly number[];
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

function newInstance(module: GgwaveModule, inputRateHz: number, outputRateHz: number): number {
  const parameters = module.getDefaultParameters();
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
  let module: GgwaveModule;
  try {
    module = await loadModule();
  } catch (error) {
    modulePromise = undefined;
    throw new SoundLinkError('MODEM_FAILED', 'the ggwave module did not load', {
      cause: error,
      retriable: true,
    });
  }
  if (options.log !== undefined) logSink = options.log;
  const offsets = options.decodeOffsetsSamples ?? decodeOffsetsSamples;
  soundLinkAssert(
    offsets.length > 0 &&
      offsets.every(
        (offset) => Number.isInteger(offset) && offset >= 0 && offset < receiveChunkSamples,
      ),
    'offsets in 0…1023',
  );
  const protocol = protocolId(module, options.protocol ?? soundProtocolDefault);
  const receive = (samples: Float32Array, sampleRateHz: number): MergedReception => {
    const padded = atLinkRate(samples, sampleRateHz);
    const [firstOffset, ...otherOffsets] = offsets;
    const first = decodePass(module, padded, firstOffset!);
    // The other offsets only when the first pass heard a start marker it could not decode: a frame
    // costs one pass (about 4 ms per second of audio) unless one was lost.
    const passes = first.every((attempt) => attempt.outcome === 'frame')
      ? [first]
      : [first, ...otherOffsets.map((offset) => decodePass(module, padded, offset))];
    return mergeAttempts(passes, startMarkerToleranceSamples);
  };

  return {
    sampleRateHz: outputRateHz,
    encodeFrame(frame: Uint8Array): Float32Array {
      if (!(frame instanceof Uint8Array) || frame.length === 0)
        throw new SoundLinkError('MESSAGE_INVALID', 'a frame has at least one byte');
      if (frame.length > ggwaveFrameSizeMaxBytes)
        throw new SoundLinkError(
          'FRAME_TOO_LARGE',
          `a frame of ${frame.length} bytes; ggwave takes ${ggwaveFrameSizeMaxBytes}`,
        );
      const transmitter = newInstance(module, soundSampleRateHz, outputRateHz);
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
