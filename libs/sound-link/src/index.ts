// @settle/sound-link: the offline protocol's messages as sound (ggwave, audible fastest protocol,
// 48 kHz mono) and back, with explicit framing for messages longer than one 140-byte frame, and WAV
// files. See docs/sound-link.md.

export {
  type SoundLinkErrorCode,
  type SoundLinkFailure,
  type SoundLinkResult,
  SoundLinkError,
  soundLinkErrorCodes,
} from './errors';
export * from './limits';
export { crc32 } from './framing/crc32';
export {
  type EncodeMessageFramesOptions,
  type FrameStreamContent,
  type ParsedFrame,
  decodeFrameStream,
  encodeMessageFrames,
  fragmentMarker,
  parseFrame,
  reassembleFrames,
} from './framing/frames';
export {
  type HeardFixedFrame,
  type PlacedMessage,
  assembleFixedFrames,
  encodeFixedMessageFrames,
  parseFixedFrame,
} from './framing/fixed-frames';
export {
  type GgwaveModemOptions,
  type ModemReception,
  type SoundModem,
  type SoundProtocol,
  fixedFrameSamples,
  loadGgwaveModem,
  variableFrameSamples,
} from './modem/ggwave-modem';
export { type SampleSpan, toneSpans } from './modem/tone-detector';
export {
  type TonePlan,
  type TonePlanName,
  planBandHz,
  planBins,
  tonePlans,
} from './modem/tone-plan';
export { type HeardFrame, type MergedReception, type UndecodableFrame } from './modem/multi-offset';
export { resampleLinear } from './audio/resample';
export { type MonoAudio, decodeWav, encodeWav } from './audio/wav';
export {
  type DecodeRecordingOptions,
  type OutgoingMessage,
  type ReceivedTransmission,
  type TransmissionOptions,
  decodeRecording,
  encodeTransmission,
} from './transmission';
