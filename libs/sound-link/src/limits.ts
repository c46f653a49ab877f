import { soundFrameSizeMaxBytes } from '@settle/protocol';

// Every limit of the sound link, units last in the names.

/**
 * Largest ggwave payload, in bytes (from `@settle/contracts`, where the protocol is sized by it).
 *
 * @example
 * ```ts
 * frame.length <= ggwaveFrameSizeMaxBytes;
 * ```
 */
export const ggwaveFrameSizeMaxBytes = soundFrameSizeMaxBytes;

/**
 * The sample rate the link sends at, in hertz (ggwave's native rate). Recordings at other rates
 * (a 44.1 kHz microphone) are resampled to it before decoding.
 *
 * @example
 * ```ts
 * const seconds = samples.length / soundSampleRateHz;
 * ```
 */
export const soundSampleRateHz = 48_000;

/**
 * Most frames one message may take: 16 frames carry 2064 bytes, more than any credential needs
 * (the largest is 1024 bytes, 8 frames) — and about two minutes on air.
 *
 * @example
 * ```ts
 * encodeMessageFrames(bytes, { framesMax: soundMessageFramesMax });
 * ```
 */
export const soundMessageFramesMax = 16;

/**
 * Bytes of the fragment header: marker 0xFF, 4-byte message id, index, count.
 *
 * @example
 * ```ts
 * fragmentHeaderSizeBytes + fragmentChunkSizeMaxBytes + fragmentChecksumSizeBytes === 140;
 * ```
 */
export const fragmentHeaderSizeBytes = 7;

/**
 * Bytes of the fragment trailer: a CRC-32 (IEEE) of the header and the chunk.
 *
 * @example
 * ```ts
 * const crc = frame.subarray(frame.length - fragmentChecksumSizeBytes);
 * ```
 */
export const fragmentChecksumSizeBytes = 4;

/**
 * Most message bytes one fragment carries: 140 − 7 − 4 = 129.
 *
 * @example
 * ```ts
 * const frames = Math.ceil(message.length / fragmentChunkSizeMaxBytes);
 * ```
 */
export const fragmentChunkSizeMaxBytes =
  ggwaveFrameSizeMaxBytes - fragmentHeaderSizeBytes - fragmentChecksumSizeBytes;

/**
 * Volume ggwave modulates at, in percent of full scale (peaks near 0.25): loud enough for a
 * counter-top distance, with headroom for 16-bit WAV files and added noise.
 *
 * @example
 * ```ts
 * loadGgwaveModem({ volumePercent: ggwaveVolumePercent });
 * ```
 */
export const ggwaveVolumePercent = 25;

/**
 * Silence between two variable-length frames of one transmission (and between such a frame and a
 * fixed-length one), in milliseconds: lets the receiver close one frame before the next one's
 * start marker. Fixed-length frames follow each other without silence.
 *
 * @example
 * ```ts
 * const gapSamples = (interFrameSilenceMs * soundSampleRateHz) / 1000;
 * ```
 */
export const interFrameSilenceMs = 250;

/**
 * Silence before the first frame and after the last of a transmission, in milliseconds: a margin
 * for an output device that starts late. The receiver needs none (bench/results/sound.md).
 *
 * @example
 * ```ts
 * encodeTransmission(modem, messages, { edgeSilenceMs: transmissionEdgeSilenceMs });
 * ```
 */
export const transmissionEdgeSilenceMs = 50;

/**
 * How fixed-length frames are laid out in tones unless a modem is loaded with another
 * (`loadGgwaveModem({ tonePlan })`, modem/tone-plan.ts): `wide`, the link's own twelve tone groups
 * (1.9–10.9 kHz, 6 bytes per 64 ms symbol), or `ggwave`, "audible fastest"'s six (3 bytes).
 *
 * @example
 * ```ts
 * loadGgwaveModem({ tonePlan: 'ggwave' }); // ggwave's own tones, half the speed
 * ```
 */
export const tonePlanDefault: 'wide' | 'ggwave' = 'wide';

/**
 * Payload lengths of ggwave's fixed-length frames (no start or end marker, no length header; at
 * most 64 bytes), the receiver trying each in turn. Chosen for the sound forms: a request (37 B)
 * takes one 39-byte frame, an authorization (74–82 B) two of 39 or 44, a credential (147–169 B)
 * three (framing/fixed-frames.ts). The wide plan's are in modem/tone-plan.ts.
 *
 * @example
 * ```ts
 * loadGgwaveModem({ tonePlan: 'ggwave', fixedFrameSizesBytes }); // all of them, as by default
 * ```
 */
export const fixedFrameSizesBytes: readonly number[] = [39, 44, 52, 64];

/**
 * Whether a modem on "audible fastest" sends and tries fixed-length frames unless told
 * (`fixedFrameSizesBytes`). On: they make the repeat checkout 3.9 s instead of 5.2 s and, with the
 * receiver's own demodulator, are no worse than variable-length frames in any condition measured
 * (docs/sound-link.md, "Fixed-length frames by default"). A receiver decodes variable-length frames
 * too; a sender and its receivers must agree on fixed-length ones.
 *
 * @example
 * ```ts
 * loadGgwaveModem({ fixedFrameSizesBytes: [] }); // opt out: variable-length frames only
 * ```
 */
export const fixedLengthFramesByDefault = true;

/**
 * The largest payload ggwave's fixed-length mode takes, in bytes.
 *
 * @example
 * ```ts
 * fixedFrameSizesBytes.every((size) => size <= ggwaveFixedFrameSizeMaxBytes);
 * ```
 */
export const ggwaveFixedFrameSizeMaxBytes = 64;

/**
 * Samples the receiver hands ggwave at a time: its analysis frame at 48 kHz.
 *
 * @example
 * ```ts
 * for (let offset = 0; offset < samples.length; offset += receiveChunkSamples) decodeChunk(offset);
 * ```
 */
export const receiveChunkSamples = 1024;

/**
 * Sample offsets a recording is decoded from (see modem/multi-offset.ts), a quarter analysis window
 * apart: the first always, the other three when the first heard a start marker it could not
 * decode or heard no frame at all. Measured in bench/results/sound.md.
 *
 * @example
 * ```ts
 * loadGgwaveModem({ decodeOffsetsSamples: [0] }); // a single pass
 * ```
 */
export const decodeOffsetsSamples: readonly number[] = [0, 256, 512, 768];

/**
 * Start markers heard by different passes closer than this, in samples at 48 kHz (0.2 s), are one
 * frame: passes hear a marker within a window or two of each other, and frames of one transmission
 * start seconds apart.
 *
 * @example
 * ```ts
 * mergeAttempts(passes, startMarkerToleranceSamples);
 * ```
 */
export const startMarkerToleranceSamples = 9_600;

/**
 * The ggwave protocol frames are sent with unless a modem is loaded with another.
 *
 * @example
 * ```ts
 * loadGgwaveModem({ protocol: soundProtocolDefault });
 * ```
 */
export const soundProtocolDefault = 'audible-fastest' as const;

/**
 * Longest recording the receiver decodes, in seconds (about 29 million samples at 48 kHz): bounds
 * memory and time for a hostile or mistaken WAV file.
 *
 * @example
 * ```ts
 * if (samples.length > recordingSecondsMax * sampleRateHz) throw new Error('recording too long');
 * ```
 */
export const recordingSecondsMax = 600;

/**
 * Lowest sample rate a recording may have, in hertz: its Nyquist frequency (8 kHz) stays above
 * ggwave's highest audible tone (about 6.4 kHz).
 *
 * @example
 * ```ts
 * if (rate < recordingSampleRateMinHz || rate > recordingSampleRateMaxHz) reject();
 * ```
 */
export const recordingSampleRateMinHz = 16_000;

/**
 * Highest sample rate a recording may have, in hertz.
 *
 * @example
 * ```ts
 * if (rate > recordingSampleRateMaxHz) reject();
 * ```
 */
export const recordingSampleRateMaxHz = 192_000;
