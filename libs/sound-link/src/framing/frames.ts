import { sha256 } from '@noble/hashes/sha2.js';
import {
  SoundLinkError,
  type SoundLinkFailure,
  type SoundLinkResult,
  soundLinkAssert,
} from '../errors';
import {
  fragmentChecksumSizeBytes,
  fragmentChunkSizeMaxBytes,
  fragmentHeaderSizeBytes,
  ggwaveFrameSizeMaxBytes,
  soundMessageFramesMax,
} from '../limits';
import { crc32 } from './crc32';

// What goes into each ggwave frame (docs/sound-link.md):
//   - a message of at most 140 bytes goes as it is, in one frame. Protocol messages are CBOR data
//     items, and no CBOR item starts with 0xFF (a "break"), so 0xFF can mark fragments;
//   - a longer message (a credential) is split into fragments of at most 140 bytes:
//       0xFF | message id (4) | index (1) | count (1) | chunk (1…129) | CRC-32 (4, big-endian)
//     The message id is the first 4 bytes of SHA-256 of the whole message: fragments of different
//     messages cannot be mixed up, and the reassembled message is checked against it. The CRC-32
//     covers header and chunk: a fragment damaged on the air is refused before reassembly and named.

/**
 * The first byte of every fragment; never the first byte of a single-frame message.
 *
 * @example
 * ```ts
 * const isFragment = frame[0] === fragmentMarker;
 * ```
 */
export const fragmentMarker = 0xff;

const messageIdSizeBytes = 4;

/**
 * Options of {@link encodeMessageFrames}.
 *
 * @example
 * ```ts
 * const options: EncodeMessageFramesOptions = { framesMax: 1 }; // a request or an authorization
 * ```
 */
export interface EncodeMessageFramesOptions {
  /** Most frames the message may take: 1 for a payment request or a consumer authorization. */
  readonly framesMax: number;
}

/** The message id: the first 4 bytes of SHA-256 of the message. */
function messageIdOf(message: Uint8Array): Uint8Array {
  return sha256(message).subarray(0, messageIdSizeBytes);
}

function fragment(
  messageId: Uint8Array,
  index: number,
  count: number,
  chunk: Uint8Array,
): Uint8Array {
  const frame = new Uint8Array(fragmentHeaderSizeBytes + chunk.length + fragmentChecksumSizeBytes);
  frame[0] = fragmentMarker;
  frame.set(messageId, 1);
  frame[5] = index;
  frame[6] = count;
  frame.set(chunk, fragmentHeaderSizeBytes);
  const crc = crc32(frame.subarray(0, frame.length - fragmentChecksumSizeBytes));
  new DataView(frame.buffer).setUint32(frame.length - fragmentChecksumSizeBytes, crc);
  return frame;
}

/**
 * Splits a message into ggwave frames: the message itself when it fits one frame, else numbered,
 * checksummed fragments. Throws `SoundLinkError` `MESSAGE_TOO_LARGE` when it needs more than
 * `framesMax` frames (it is never truncated), `MESSAGE_INVALID` when it is empty or a single-frame
 * message starts with 0xFF.
 *
 * @example
 * ```ts
 * import { encodeMessageFrames } from '@settle/sound-link';
 * const [frame] = encodeMessageFrames(requestBytes, { framesMax: 1 });
 * const credentialFrames = encodeMessageFrames(terminalCredentialBytes, { framesMax: 16 }); // 2 frames
 * ```
 */
export function encodeMessageFrames(
  message: Uint8Array,
  options: EncodeMessageFramesOptions,
): Uint8Array[] {
  soundLinkAssert(
    Number.isSafeInteger(options.framesMax) &&
      options.framesMax >= 1 &&
      options.framesMax <= soundMessageFramesMax,
    'framesMax in 1…16',
  );
  if (!(message instanceof Uint8Array) || message.length === 0)
    throw new SoundLinkError('MESSAGE_INVALID', 'a message has at least one byte');
  if (message.length <= ggwaveFrameSizeMaxBytes) {
    if (message[0] === fragmentMarker)
      throw new SoundLinkError(
        'MESSAGE_INVALID',
        'a single-frame message cannot start with 0xFF (the fragment marker)',
      );
    return [message.slice()];
  }
  const count = Math.ceil(message.length / fragmentChunkSizeMaxBytes);
  if (count > options.framesMax) {
    throw new SoundLinkError(
      'MESSAGE_TOO_LARGE',
      `a message of ${message.length} bytes needs ${count} frames, more than ${options.framesMax}`,
    );
  }
  const messageId = messageIdOf(message);
  const frames = Array.from({ length: count }, (_, index) =>
    fragment(
      messageId,
      index,
      count,
      message.subarray(index * fragmentChunkSizeMaxBytes, (index + 1) * fragmentChunkSizeMaxBytes),
    ),
  );
  soundLinkAssert(
    frames.every((frame) => frame.length <= ggwaveFrameSizeMaxBytes),
    'every fragment fits a frame',
  );
  return frames;
}

/**
 * A received frame, classified: a whole single-frame message, or a checked fragment.
 *
 * @example
 * ```ts
 * const parsed: ParsedFrame = unwrap(parseFrame(frame));
 * if (parsed.kind === 'fragment') group(parsed.messageIdHex, parsed);
 * ```
 */
export type ParsedFrame =
  | { readonly kind: 'message'; readonly message: Uint8Array }
  | {
      readonly kind: 'fragment';
      readonly messageIdHex: string;
      readonly index: number;
      readonly count: number;
      readonly chunk: Uint8Array;
    };

function failure(code: SoundLinkFailure['code'], message: string): SoundLinkFailure {
  return { ok: false, code, message };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Classifies and checks one received frame: `FRAME_TOO_LARGE`, `FRAME_MALFORMED` (impossible
 * header or length), `FRAME_CORRUPTED` (CRC-32 mismatch), `MESSAGE_INVALID` (empty).
 *
 * @example
 * ```ts
 * import { parseFrame } from '@settle/sound-link';
 * const parsed = parseFrame(frameFromModem);
 * ```
 */
export function parseFrame(frame: Uint8Array): SoundLinkResult<ParsedFrame> {
  if (frame.length === 0) return failure('MESSAGE_INVALID', 'an empty frame');
  if (frame.length > ggwaveFrameSizeMaxBytes)
    return failure('FRAME_TOO_LARGE', `a frame of ${frame.length} bytes`);
  if (frame[0] !== fragmentMarker)
    return { ok: true, value: { kind: 'message', message: frame.slice() } };
  if (frame.length < fragmentHeaderSizeBytes + 1 + fragmentChecksumSizeBytes)
    return failure('FRAME_MALFORMED', 'a fragment too short to hold a chunk');
  const checked = frame.subarray(0, frame.length - fragmentChecksumSizeBytes);
  const expectedCrc = new DataView(frame.buffer, frame.byteOffset, frame.length).getUint32(
    frame.length - fragmentChecksumSizeBytes,
  );
  if (crc32(checked) !== expectedCrc)
    return failure('FRAME_CORRUPTED', 'a fragment whose CRC-32 does not match');
  const index = frame[5]!;
  const count = frame[6]!;
  if (count < 2 || count > soundMessageFramesMax || index >= count)
    return failure('FRAME_MALFORMED', `fragment ${index} of ${count} is impossible`);
  return {
    ok: true,
    value: {
      kind: 'fragment',
      messageIdHex: hex(frame.subarray(1, 5)),
      index,
      count,
      chunk: frame.slice(fragmentHeaderSizeBytes, frame.length - fragmentChecksumSizeBytes),
    },
  };
}

type Fragment = Extract<ParsedFrame, { kind: 'fragment' }>;

/** Reassembles the checked fragments of one message (any order). */
function reassembleFragments(fragments: readonly Fragment[]): SoundLinkResult<Uint8Array> {
  const first = fragments[0];
  soundLinkAssert(first !== undefined, 'at least one fragment');
  if (
    fragments.some((part) => part.messageIdHex !== first.messageIdHex || part.count !== first.count)
  ) {
    return failure('FRAMES_MIXED', 'fragments of different messages');
  }
  const byIndex = new Array<Fragment | undefined>(first.count);
  for (const part of fragments) {
    if (byIndex[part.index] !== undefined)
      return failure('FRAME_DUPLICATE', `fragment ${part.index} twice`);
    byIndex[part.index] = part;
  }
  const missing = [...byIndex.keys()].filter((index) => byIndex[index] === undefined);
  if (missing.length > 0) {
    return {
      ...failure('FRAME_MISSING', `fragments ${missing.join(', ')} of ${first.count} missing`),
      missingFragments: { indices: missing, count: first.count },
    };
  }
  const parts = byIndex as Fragment[];
  if (
    parts.some(
      (part, index) => index < first.count - 1 && part.chunk.length !== fragmentChunkSizeMaxBytes,
    )
  ) {
    return failure(
      'FRAME_MALFORMED',
      `every fragment but the last carries ${fragmentChunkSizeMaxBytes} bytes`,
    );
  }
  const message = new Uint8Array(parts.reduce((total, part) => total + part.chunk.length, 0));
  parts.forEach((part, index) => message.set(part.chunk, index * fragmentChunkSizeMaxBytes));
  if (hex(messageIdOf(message)) !== first.messageIdHex)
    return failure('MESSAGE_CORRUPTED', 'the reassembled message does not match its message id');
  return { ok: true, value: message };
}

/**
 * Reassembles one message from all of its frames, in any order: a single-frame message as it is, a
 * fragmented one after checking each fragment and the whole. Fails with a stable code for a
 * missing (`FRAME_MISSING`), duplicate (`FRAME_DUPLICATE`), foreign (`FRAMES_MIXED`) or damaged
 * (`FRAME_CORRUPTED`, `MESSAGE_CORRUPTED`) frame.
 *
 * @example
 * ```ts
 * import { reassembleFrames } from '@settle/sound-link';
 * const credential = reassembleFrames(receivedFrames);
 * if (!credential.ok) askToRepeat(credential.code);
 * ```
 */
export function reassembleFrames(frames: readonly Uint8Array[]): SoundLinkResult<Uint8Array> {
  if (frames.length === 0) return failure('FRAME_MISSING', 'no frame');
  const parsed: ParsedFrame[] = [];
  for (const frame of frames) {
    const result = parseFrame(frame);
    if (!result.ok) return result;
    parsed.push(result.value);
  }
  const singles = parsed.filter((frame) => frame.kind === 'message');
  if (singles.length > 0)
    return parsed.length === 1
      ? { ok: true, value: singles[0]!.message }
      : failure('FRAMES_MIXED', 'a whole message among other frames');
  return reassembleFragments(parsed as Fragment[]);
}

/**
 * What {@link decodeFrameStream} found in a sequence of received frames.
 *
 * @example
 * ```ts
 * const { messages, failures }: FrameStreamContent = decodeFrameStream(frames);
 * ```
 */
export interface FrameStreamContent {
  /** Whole messages in the order their last frame arrived. */
  readonly messages: Uint8Array[];
  readonly failures: SoundLinkFailure[];
}

/**
 * Sorts a sequence of received frames (a recording may hold several messages, e.g. a terminal
 * credential then a payment request) into whole messages: single frames as they are, fragments
 * grouped by message id and reassembled. Damaged or incomplete groups are reported, not dropped.
 *
 * @example
 * ```ts
 * import { decodeFrameStream } from '@settle/sound-link';
 * const { messages, failures } = decodeFrameStream(modem.decodeFrames(samples, 48_000));
 * ```
 */
export function decodeFrameStream(frames: readonly Uint8Array[]): FrameStreamContent {
  const messages: Uint8Array[] = [];
  const failures: SoundLinkFailure[] = [];
  const groups = new Map<string, Fragment[]>();
  for (const frame of frames) {
    const result = parseFrame(frame);
    if (!result.ok) {
      failures.push(result);
      continue;
    }
    const parsed = result.value;
    if (parsed.kind === 'message') {
      messages.push(parsed.message);
      continue;
    }
    const group = [...(groups.get(parsed.messageIdHex) ?? []), parsed];
    groups.set(parsed.messageIdHex, group);
    if (new Set(group.map((part) => part.index)).size === parsed.count) {
      groups.delete(parsed.messageIdHex);
      const unique = group.filter(
        (part, position) => group.findIndex((other) => other.index === part.index) === position,
      );
      const message = reassembleFragments(unique);
      if (message.ok) messages.push(message.value);
      else failures.push(message);
    }
  }
  for (const group of groups.values()) {
    const incomplete = reassembleFragments(
      group.filter(
        (part, position) => group.findIndex((other) => other.index === part.index) === position,
      ),
    );
    if (!incomplete.ok) failures.push(incomplete);
  }
  return { messages, failures };
}
