/**
 * Why the sound link refused a message, a frame or a recording. Closed, ordered, append-only.
 *
 * @example
 * ```ts
 * import { soundLinkErrorCodes } from '@settle/sound-link';
 * soundLinkErrorCodes.includes('FRAME_MISSING'); // true
 * ```
 */
export const soundLinkErrorCodes = [
  /** The message needs more frames than allowed (one for a request or an authorization). */
  'MESSAGE_TOO_LARGE',
  /** An empty message, or a single-frame message starting with the fragment marker 0xFF. */
  'MESSAGE_INVALID',
  /** A frame longer than ggwave's 140 bytes (ggwave would truncate it silently). */
  'FRAME_TOO_LARGE',
  /** A fragment whose header or length is impossible. */
  'FRAME_MALFORMED',
  /** A fragment whose CRC-32 does not match: damaged on the air. */
  'FRAME_CORRUPTED',
  /** Two fragments with the same index. */
  'FRAME_DUPLICATE',
  /** Fragments missing from a message. */
  'FRAME_MISSING',
  /** Fragments of different messages (or counts) given as one. */
  'FRAMES_MIXED',
  /** Reassembled bytes whose SHA-256 does not match the message id. */
  'MESSAGE_CORRUPTED',
  /** A WAV file that cannot be read, or a recording that is empty or too long. */
  'AUDIO_INVALID',
  /** The ggwave module could not be loaded or could not make an instance. */
  'MODEM_FAILED',
  /**
   * A start marker was heard but no frame came out of it: too much noise, a dropout, two senders at
   * once, or decoding passes that disagree. Something was sent: ask for it again.
   */
  'FRAME_UNDECODABLE',
  /**
   * Bytes came out of a frame but the receiver's protocol does not recognise them (its `accepts`
   * check refused them): ggwave heard a frame wrong. Something was sent: ask for it again.
   */
  'MESSAGE_UNRECOGNISED',
] as const;

/**
 * One of {@link soundLinkErrorCodes}.
 *
 * @example
 * ```ts
 * const code: SoundLinkErrorCode = 'FRAME_CORRUPTED';
 * ```
 */
export type SoundLinkErrorCode = (typeof soundLinkErrorCodes)[number];

/**
 * Thrown for a message that cannot be sent (too large), an unreadable WAV file, or a modem failure.
 * `retriable` says whether the same call can succeed later (only a modem failure might).
 *
 * @example
 * ```ts
 * try {
 *   encodeMessageFrames(credentialBytes, { framesMax: 1 });
 * } catch (error) {
 *   if (error instanceof SoundLinkError && error.code === 'MESSAGE_TOO_LARGE') splitDifferently();
 * }
 * ```
 */
export class SoundLinkError extends Error {
  override readonly name = 'SoundLinkError';
  readonly code: SoundLinkErrorCode;
  readonly retriable: boolean;

  constructor(
    code: SoundLinkErrorCode,
    message: string,
    options?: { cause?: unknown; retriable?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options?.retriable ?? false;
  }
}

/**
 * An expected failure of receiving: a stable code, which frames it is about, and a message.
 *
 * @example
 * ```ts
 * const failure: SoundLinkFailure = { ok: false, code: 'FRAME_MISSING', message: 'frames 2 of 3 missing' };
 * ```
 */
export interface SoundLinkFailure {
  readonly ok: false;
  readonly code: SoundLinkErrorCode;
  readonly message: string;
  /** `FRAME_UNDECODABLE`: where in the recording the start marker was heard, in seconds. */
  readonly atSeconds?: number;
  /** `FRAME_MISSING`: the fragments (0-based) that never arrived, and how many the message has. */
  readonly missingFragments?: { readonly indices: readonly number[]; readonly count: number };
}

/**
 * A result of receiving.
 *
 * @example
 * ```ts
 * const result: SoundLinkResult<Uint8Array> = reassembleFrames(frames);
 * if (result.ok) handle(result.value);
 * ```
 */
export type SoundLinkResult<TValue> =
  { readonly ok: true; readonly value: TValue } | SoundLinkFailure;

/** Crashes on a programmer error inside this library. */
export function soundLinkAssert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`sound-link: assertion failed: ${message}`);
}
