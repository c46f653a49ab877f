// The fixed-length frame format without audio: every message length round-trips, a decoding at a
// longer length than was sent (ggwave returns the frame plus garbage) is dropped, frames of two
// messages are not put together, and missing frames are named.
import {
  type HeardFixedFrame,
  assembleFixedFrames,
  encodeFixedMessageFrames,
  parseFixedFrame,
} from './fixed-frames';
import { seededRandom } from '../testing/audio-conditions';
import { tonePlans } from '../modem/tone-plan';

/** Frames as a receiver would place them: back to back, 1 s each. */
function heard(frames: readonly Uint8Array[], firstSample = 0): HeardFixedFrame[] {
  return frames.map((bytes, index) => ({
    startSample: firstSample + index * 48_000,
    endSample: firstSample + (index + 1) * 48_000,
    bytes,
  }));
}

function message(length: number, seed: number): Uint8Array {
  const random = seededRandom(seed);
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

describe('fixed-length frames', () => {
  it('carries every message length from 1 to 250 bytes in 1 to 4 frames, and nothing longer', () => {
    for (let length = 1; length <= 250; length++) {
      const sent = message(length, length);
      const frames = encodeFixedMessageFrames(sent)!;
      expect(frames.length).toBe(Math.ceil((length + (length + 1 <= 63 ? 1 : 2)) / 63));
      expect(frames.every((frame) => [39, 44, 52, 64].includes(frame.length))).toBe(true);
      expect(assembleFixedFrames(heard(frames), 14_400)).toEqual({
        messages: [{ startSample: 0, bytes: sent }],
        failures: [],
      });
    }
    expect(encodeFixedMessageFrames(new Uint8Array(251))).toBeUndefined();
  });

  it("carries every message length up to 698 bytes in the wide plan's frames (39, 48, 84, 176), one frame up to 174", () => {
    const wide = tonePlans.wide.frameSizesBytes;
    for (let length = 1; length <= 698; length++) {
      const sent = message(length, length);
      const frames = encodeFixedMessageFrames(sent, wide)!;
      expect(frames.length).toBe(Math.ceil((length + (length + 1 <= 175 ? 1 : 2)) / 175));
      expect(frames.every((frame) => wide.includes(frame.length))).toBe(true);
      expect(assembleFixedFrames(heard(frames), 14_400, wide)).toEqual({
        messages: [{ startSample: 0, bytes: sent }],
        failures: [],
      });
    }
    expect(encodeFixedMessageFrames(new Uint8Array(699), wide)).toBeUndefined();
  });

  it('uses the smallest frames for the sound forms: 37 B → 39, 74 B → 39 + 39, 82 B → 44 + 44', () => {
    const sizes = (length: number) =>
      encodeFixedMessageFrames(new Uint8Array(length).fill(1))!.map((frame) => frame.length);
    expect(sizes(37)).toEqual([39]);
    expect(sizes(74)).toEqual([39, 39]);
    expect(sizes(82)).toEqual([44, 44]);
    expect(sizes(169)).toEqual([64, 64, 52]);
  });

  it('drops a decoding at a longer length than was sent (the frame plus garbage)', () => {
    const [frame] = encodeFixedMessageFrames(message(37, 1))!;
    const longer = new Uint8Array(44);
    longer.set(frame!);
    longer.fill(0x5a, frame!.length);
    expect(parseFixedFrame(longer)).toBeUndefined();
    expect(assembleFixedFrames(heard([longer]), 14_400)).toEqual({ messages: [], failures: [] });
  });

  it('refuses frames of two messages put together, and names missing frames', () => {
    const first = encodeFixedMessageFrames(message(82, 2))!;
    const second = encodeFixedMessageFrames(message(82, 3))!;
    const mixed = assembleFixedFrames(heard([first[0]!, second[1]!]), 14_400);
    expect(mixed.messages).toEqual([]);
    expect(mixed.failures.map((failure) => failure.code)).not.toHaveLength(0);
    expect(assembleFixedFrames(heard([first[1]!]), 14_400).failures).toMatchObject([
      { code: 'FRAME_MISSING', missingFragments: { indices: [0], count: 2 } },
    ]);
    const credential = encodeFixedMessageFrames(message(169, 4))!;
    expect(
      assembleFixedFrames(heard([credential[0]!, credential[1]!]), 14_400).failures,
    ).toMatchObject([{ code: 'FRAME_MISSING', missingFragments: { indices: [2], count: 3 } }]);
    // Halves too far apart in time are not one message either.
    const apart = heard([first[0]!, first[1]!]).map((frame, index) => ({
      ...frame,
      startSample: frame.startSample + index * 96_000,
    }));
    expect(assembleFixedFrames(apart, 14_400).messages).toEqual([]);
  });

  it('names a lost middle frame once, in the message it belongs to', () => {
    const credential = heard(encodeFixedMessageFrames(message(169, 4))!);
    expect(credential).toHaveLength(3);
    expect(assembleFixedFrames([credential[0]!, credential[2]!], 14_400)).toEqual({
      messages: [],
      failures: [
        expect.objectContaining({
          code: 'FRAME_MISSING',
          missingFragments: { indices: [1], count: 3 },
        }),
      ],
    });
    const long = heard(encodeFixedMessageFrames(message(240, 6))!, 4_800);
    expect(long).toHaveLength(4);
    expect(assembleFixedFrames([long[0]!, long[3]!], 14_400).failures).toEqual([
      expect.objectContaining({ missingFragments: { indices: [1, 2], count: 4 } }),
    ]);
    // A frame far from where the lost one would have ended is another message's.
    const late = { ...credential[2]!, startSample: credential[2]!.startSample + 30_000 };
    expect(
      assembleFixedFrames([credential[0]!, late], 14_400).failures.map(
        (failure) => failure.missingFragments,
      ),
    ).toEqual([
      { indices: [1, 2], count: 3 },
      { indices: [0, 1], count: 3 },
    ]);
  });

  it('assembles two senders whose frames interleave (each message from its own, back to back)', () => {
    const ours = message(82, 11);
    const theirs = message(120, 12);
    const frames = [
      ...heard(encodeFixedMessageFrames(ours)!),
      ...heard(encodeFixedMessageFrames(theirs)!, 20_000),
    ];
    const { messages, failures } = assembleFixedFrames(frames, 14_400);
    expect(failures).toEqual([]);
    expect(messages.map((each) => each.bytes)).toEqual([ours, theirs]);
  });

  it('refuses every single-byte change of a two-frame message (check byte, tag, padding, header)', () => {
    const sent = message(82, 5);
    const frames = encodeFixedMessageFrames(sent)!;
    for (let frameIndex = 0; frameIndex < frames.length; frameIndex++)
      for (let position = 0; position < frames[frameIndex]!.length; position++) {
        const changed = frames.map((frame) => frame.slice());
        const target = changed[frameIndex]!;
        target[position] = target[position]! ^ 0x01;
        expect(assembleFixedFrames(heard(changed), 14_400).messages).toEqual([]);
      }
  });
});
