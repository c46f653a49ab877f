import ggwaveFactory from 'ggwave';
import { SoundLinkError, soundLinkAssert } from '../errors';
import { ggwaveFrameSizeMaxBytes, ggwaveVolumePercent, receiveChunkSamples, soundSampleRateHz } from '../limits';
import { resampleLinear } from '../audio/resample';

// ggwave (data-over-sound, FSK with Reed-Solomon; MIT) as the link's modem, audible "fast" protocol,
// 32-bit float mono samples. Checked by experiment on 0.4.0: payloads are binary-safe (any byte,
// including 0x00), at most 140 bytes (longer input is truncated silently, so frames are checked
// here first), one module holds at most four instances. Its own resampler drops samples when fed
// small chunks at another rate, so recordings are resampled to 48 kHz here before decoding.

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
  /** Frees the transmitting instance. */
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
let modulePromise: Promise<GgwaveModule> | undefined;

/** The WASM module is compiled once per process (about 50 ms); instances are cheap. */
function loadModule(): Promise<GgwaveModule> {
  modulePromise ??= ggwaveFactory({ print: (line) => logSink(line), printErr: (line) => logSink(line) }).then((module) => {
    module.disableLog();
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
  if (instance < 0) throw new SoundLinkError('MODEM_FAILED', 'ggwave has no free instance (at most four)', { retriable: true });
  return instance;
}

function copyBytes(view: Int8Array): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
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
  soundLinkAssert(Number.isInteger(volumePercent) && volumePercent >= 1 && volumePercent <= 100, 'volume in 1…100');
  const outputRateHz = options.outputSampleRateHz ?? soundSampleRateHz;
  let module: GgwaveModule;
  try {
    module = await loadModule();
  } catch (error) {
    modulePromise = undefined;
    throw new SoundLinkError('MODEM_FAILED', 'the ggwave module did not load', { cause: error, retriable: true });
  }
  if (options.log !== undefined) logSink = options.log;
  const transmitter = newInstance(module, soundSampleRateHz, outputRateHz);
  const protocol = module.ProtocolId.GGWAVE_PROTOCOL_AUDIBLE_FAST;

  return {
    sampleRateHz: outputRateHz,
    encodeFrame(frame: Uint8Array): Float32Array {
      if (!(frame instanceof Uint8Array) || frame.length === 0) throw new SoundLinkError('MESSAGE_INVALID', 'a frame has at least one byte');
      if (frame.length > ggwaveFrameSizeMaxBytes) throw new SoundLinkError('FRAME_TOO_LARGE', `a frame of ${frame.length} bytes; ggwave takes ${ggwaveFrameSizeMaxBytes}`);
      const waveform = copyBytes(module.encode(transmitter, frame, protocol, volumePercent));
      soundLinkAssert(waveform.length > 0 && waveform.length % 4 === 0, 'ggwave produced 32-bit samples');
      return new Float32Array(waveform.buffer);
    },
    decodeFrames(samples: Float32Array, sampleRateHz: number): Uint8Array[] {
      const resampled = sampleRateHz === soundSampleRateHz ? samples : resampleLinear(samples, sampleRateHz, soundSampleRateHz);
      // Silence after the recording lets ggwave finish a frame that ends right at its last sample.
      const atLinkRate = new Float32Array(resampled.length + trailingSilenceSamples);
      atLinkRate.set(resampled);
      const receiver = newInstance(module, soundSampleRateHz, soundSampleRateHz);
      const frames: Uint8Array[] = [];
      try {
        for (let offset = 0; offset < atLinkRate.length; offset += receiveChunkSamples) {
          const chunk = atLinkRate.slice(offset, offset + receiveChunkSamples);
          const decoded = module.decode(receiver, new Int8Array(chunk.buffer));
          if (decoded.length > 0) frames.push(copyBytes(decoded));
        }
      } finally {
        module.free(receiver);
      }
      return frames;
    },
    close(): void {
      module.free(transmitter);
    },
  };
}
