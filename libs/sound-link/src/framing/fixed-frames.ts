import { sha256 } from '@noble/hashes/sha2.js';
import { type SoundLinkFailure } from '../errors';
import { fixedFrameSizesBytes } from '../limits';
import { type TonePlanName } from '../modem/tone-plan';

// Messages in fixed-length frames (docs/sound-link.md, "Fixed-length frames"). Such a frame goes
// without start or end marker and without a length header, so the receiver decodes the recording
// once per length its tone plan names (`frameSizesBytes`, modem/tone-plan.ts). Decoding at a longer
// length than was sent can succeed (the true frame plus garbage), so every frame names its own
// length, by its index in that list:
//
//   frame   = header (1) | chunk         (exactly one of the plan's frameSizesBytes long)
//   header  = sizeIndex (bits 7–6) | index (bits 5–4) | count − 1 (bits 3–2) | tag (bits 1–0)
//   content = message | check (1, only when count > 1) | 0x80 | 0x00 …   (the chunks, in order)
//
// A message takes 1 to 4 frames, sent back to back; every frame but the last is full, the last is
// zero-padded to the smallest length it fits, and the 0x80 marks where the padding starts (so a
// message may be of any length up to 4 × (largest − 1) − 2 bytes: 250 in ggwave's plan). The check byte (first byte of SHA-256 of the
// message) and the 2-bit tag (its second byte's low bits, 0 for one frame) refuse frames of
// different messages put together.

const paddingMarker = 0x80;
const fixedFramesMax = 4;

/**
 * A fixed-length frame ggwave decoded, where it lay in the recording (samples at 48 kHz).
 *
 * @example
 * ```ts
 * const heard: HeardFixedFrame = { startSample: 2_400, endSample: 57_696, bytes: frame };
 * ```
 */
export interface HeardFixedFrame {
  readonly startSample: number;
  readonly endSample: number;
  readonly bytes: Uint8Array;
  /** The tone plan it was heard in (set by the modem's receiver). */
  readonly tonePlan?: TonePlanName;
}

/**
 * A whole message from fixed-length frames and where its first frame started.
 *
 * @example
 * ```ts
 * const message: PlacedMessage = { startSample: 2_400, bytes: requestSoundForm };
 * ```
 */
export interface PlacedMessage {
  readonly startSample: number;
  readonly bytes: Uint8Array;
}

function checkOf(message: Uint8Array): { check: number; tag: number } {
  const digest = sha256(message);
  return { check: digest[0]!, tag: digest[1]! & 3 };
}

function smallestSize(sizes: readonly number[], chunkBytes: number): number | undefined {
  return sizes.find((size) => size - 1 >= chunkBytes);
}

/**
 * The fixed-length frames of a message in frames of `sizes` (a tone plan's, ascending), or
 * `undefined` when it does not fit four of them (over 250 bytes in ggwave's plan): send it in
 * variable-length frames then.
 *
 * @example
 * ```ts
 * const frames = encodeFixedMessageFrames(requestSoundForm); // one 39-byte frame
 * ```
 */
export function encodeFixedMessageFrames(
  message: Uint8Array,
  sizes: readonly number[] = fixedFrameSizesBytes,
): Uint8Array[] | undefined {
  const bodyMax = Math.max(...sizes) - 1;
  const single = message.length + 1 <= bodyMax;
  const content = new Uint8Array(message.length + (single ? 1 : 2));
  content.set(message);
  const { check, tag } = single ? { check: 0, tag: 0 } : checkOf(message);
  if (!single) content[message.length] = check;
  content[content.length - 1] = paddingMarker;
  const count = Math.ceil(content.length / bodyMax);
  if (count > fixedFramesMax) return undefined;
  const fullSize = smallestSize(sizes, Math.ceil(content.length / count))!;
  const frames: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const chunk = content.subarray(index * (fullSize - 1), (index + 1) * (fullSize - 1));
    const size = index < count - 1 ? fullSize : smallestSize(sizes, chunk.length)!;
    const frame = new Uint8Array(size);
    frame[0] = (sizes.indexOf(size) << 6) | (index << 4) | ((count - 1) << 2) | tag;
    frame.set(chunk, 1);
    frames.push(frame);
  }
  return frames;
}

interface ParsedFixedFrame {
  readonly index: number;
  readonly count: number;
  readonly tag: number;
  readonly chunk: Uint8Array;
}

/**
 * A fixed-length frame's header and chunk, or `undefined` when the frame is not one sent at this
 * length in frames of `sizes` (a decoding at another length than was sent, or noise that passed
 * the Reed-Solomon check).
 *
 * @example
 * ```ts
 * parseFixedFrame(decoded)?.chunk;
 * ```
 */
export function parseFixedFrame(
  frame: Uint8Array,
  sizes: readonly number[] = fixedFrameSizesBytes,
): ParsedFixedFrame | undefined {
  const header = frame[0];
  if (header === undefined || sizes[header >> 6] !== frame.length) return undefined;
  const index = (header >> 4) & 3;
  const count = ((header >> 2) & 3) + 1;
  const tag = header & 3;
  if (index >= count || (count === 1 && tag !== 0)) return undefined;
  return { index, count, tag, chunk: frame.subarray(1) };
}

/** The message in complete content (chunks in order), or `undefined` if its padding or check is wrong. */
function unpad(chunks: readonly Uint8Array[], tag: number): Uint8Array | undefined {
  const content = Buffer.concat(chunks);
  let end = content.length;
  while (end > 0 && content[end - 1] === 0) end--;
  if (end === 0 || content[end - 1] !== paddingMarker) return undefined;
  if (chunks.length === 1) return new Uint8Array(content.subarray(0, end - 1));
  if (end < 3) return undefined;
  const message = new Uint8Array(content.subarray(0, end - 2));
  const expected = checkOf(message);
  return expected.check === content[end - 2] && expected.tag === tag ? message : undefined;
}

function missing(indices: readonly number[], count: number, atSample: number): SoundLinkFailure {
  return {
    ok: false,
    code: 'FRAME_MISSING',
    message: `frame(s) ${indices.map((index) => index + 1).join(', ')} of ${count} of a fixed-length message missing (near ${(atSample / 48_000).toFixed(2)} s)`,
    missingFragments: { indices, count },
  };
}

type Group = { frames: (HeardFixedFrame & ParsedFixedFrame)[] };

function groupFailure(group: Group): SoundLinkFailure {
  const first = group.frames[0]!;
  const have = new Set(group.frames.map((frame) => frame.index));
  const indices = Array.from({ length: first.count }, (_, index) => index).filter(
    (index) => !have.has(index),
  );
  return missing(indices, first.count, first.startSample);
}

/** The message a complete group of frames holds, or the failure it is. */
function messageOf(group: Group): PlacedMessage | SoundLinkFailure {
  const first = group.frames[0]!;
  if (first.index !== 0 || group.frames.length !== first.count) return groupFailure(group);
  const message = unpad(
    group.frames.map((each) => each.chunk),
    first.tag,
  );
  if (message !== undefined) return { startSample: first.startSample, bytes: message };
  return {
    ok: false,
    code: first.count === 1 ? 'FRAME_MALFORMED' : 'FRAMES_MIXED',
    message:
      first.count === 1
        ? 'a fixed-length frame without its padding marker'
        : 'the frames of a fixed-length message do not belong together',
  };
}

/**
 * Whether `part` continues `group`: a later index with the same count and tag, starting where the
 * group's last frame ended — or, when frames between them were lost, where those frames would have
 * ended. A message's frames are sent back to back and every frame but its last is as long as its
 * first, so a lost frame leaves a hole as long as the frame before it (the tolerance is allowed once
 * per frame boundary crossed). A lost middle frame is then one message missing one frame, not two
 * messages each missing the other's frames.
 */
function continues(
  group: Group,
  part: HeardFixedFrame & ParsedFixedFrame,
  toleranceSamples: number,
) {
  const last = group.frames.at(-1)!;
  const lost = part.index - last.index - 1;
  if (lost < 0 || part.count !== last.count || part.tag !== last.tag) return false;
  const expectedStart = last.endSample + lost * (last.endSample - last.startSample);
  return Math.abs(part.startSample - expectedStart) <= toleranceSamples * (lost + 1);
}

/**
 * The messages in fixed-length frames heard: frames of one message must follow each other (each
 * starting within `toleranceSamples` of the previous one's end, or of where the lost frames between
 * them would have ended) with the same count and tag — two senders' frames may interleave; an
 * incomplete message is `FRAME_MISSING` (naming the frames, one report per message),
 * one whose padding or check is wrong `FRAMES_MIXED`. Frames that do not parse in frames of
 * `sizes` are dropped without a report (decodings at another length than was sent).
 *
 * @example
 * ```ts
 * const { messages, failures } = assembleFixedFrames(heard, 14_400);
 * ```
 */
export function assembleFixedFrames(
  heard: readonly HeardFixedFrame[],
  toleranceSamples: number,
  sizes: readonly number[] = fixedFrameSizesBytes,
): { messages: PlacedMessage[]; failures: SoundLinkFailure[] } {
  const groups: Group[] = [];
  for (const frame of [...heard].sort((left, right) => left.startSample - right.startSample)) {
    const parsed = parseFixedFrame(frame.bytes, sizes);
    if (parsed === undefined) continue;
    const part = { ...frame, ...parsed };
    const open = groups.find(
      (group) =>
        group.frames.length < group.frames[0]!.count && continues(group, part, toleranceSamples),
    );
    if (open !== undefined) open.frames.push(part);
    else groups.push({ frames: [part] });
  }
  const messages: PlacedMessage[] = [];
  const failures: SoundLinkFailure[] = [];
  for (const outcome of groups.map(messageOf))
    if ('bytes' in outcome) messages.push(outcome);
    else failures.push(outcome);
  return { messages, failures };
}
