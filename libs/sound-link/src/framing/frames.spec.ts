import fc from 'fast-check';
import { crc32 } from './crc32';
import {
  decodeFrameStream,
  encodeMessageFrames,
  fragmentMarker,
  parseFrame,
  reassembleFrames,
} from './frames';
import {
  fragmentChunkSizeMaxBytes,
  ggwaveFrameSizeMaxBytes,
  soundMessageFramesMax,
} from '../limits';

const longMessage = fc.uint8Array({ minLength: ggwaveFrameSizeMaxBytes + 1, maxLength: 1024 });

function shuffled<T>(items: readonly T[], order: readonly number[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = order[index % order.length]! % (index + 1);
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

function recrc(frame: Uint8Array): Uint8Array {
  const copy = frame.slice();
  new DataView(copy.buffer).setUint32(copy.length - 4, crc32(copy.subarray(0, copy.length - 4)));
  return copy;
}

describe('framing', () => {
  it('computes the standard CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('sends a message of at most 140 bytes as it is, in one frame', () => {
    const message = Uint8Array.from({ length: 140 }, (_, index) => index);
    expect(encodeMessageFrames(message, { framesMax: 1 })).toEqual([message]);
    expect(reassembleFrames([message])).toEqual({ ok: true, value: message });
  });

  it('refuses a message over its frame budget instead of truncating it', () => {
    expect(() => encodeMessageFrames(new Uint8Array(141).fill(1), { framesMax: 1 })).toThrow(
      expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }),
    );
    expect(() =>
      encodeMessageFrames(new Uint8Array(16 * fragmentChunkSizeMaxBytes + 1), {
        framesMax: soundMessageFramesMax,
      }),
    ).toThrow(expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }));
    expect(() => encodeMessageFrames(new Uint8Array(0), { framesMax: 1 })).toThrow(
      expect.objectContaining({ code: 'MESSAGE_INVALID' }),
    );
    expect(() => encodeMessageFrames(Uint8Array.of(fragmentMarker, 1), { framesMax: 1 })).toThrow(
      expect.objectContaining({ code: 'MESSAGE_INVALID' }),
    );
  });

  it('property: fragments fit a frame and reassemble in any order', () => {
    fc.assert(
      fc.property(
        longMessage,
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (message, order) => {
          const frames = encodeMessageFrames(message, { framesMax: soundMessageFramesMax });
          expect(frames.length).toBe(Math.ceil(message.length / fragmentChunkSizeMaxBytes));
          expect(
            frames.every(
              (frame) => frame.length <= ggwaveFrameSizeMaxBytes && frame[0] === fragmentMarker,
            ),
          ).toBe(true);
          expect(reassembleFrames(shuffled(frames, order))).toEqual({ ok: true, value: message });
          expect(decodeFrameStream(shuffled(frames, order))).toEqual({
            messages: [message],
            failures: [],
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: any single-byte corruption of any fragment is refused', () => {
    fc.assert(
      fc.property(
        longMessage,
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (message, frameChoice, position, delta) => {
          const frames = encodeMessageFrames(message, { framesMax: soundMessageFramesMax });
          const target = frameChoice % frames.length;
          const corrupted = frames[target]!.slice();
          corrupted[position % corrupted.length] = corrupted[position % corrupted.length]! ^ delta;
          const result = reassembleFrames(
            frames.map((frame, index) => (index === target ? corrupted : frame)),
          );
          expect(result.ok).toBe(false);
          expect(['FRAME_CORRUPTED', 'FRAMES_MIXED']).toContain(!result.ok && result.code);
        },
      ),
      { numRuns: 300 },
    );
  });

  describe('reassembly names what is wrong', () => {
    const message = Uint8Array.from({ length: 300 }, (_, index) => index % 251);
    const frames = encodeMessageFrames(message, { framesMax: soundMessageFramesMax });
    const other = encodeMessageFrames(
      Uint8Array.from(message, (byte) => byte ^ 1),
      { framesMax: soundMessageFramesMax },
    );

    it.each([
      ['a missing fragment', [frames[0]!, frames[2]!], 'FRAME_MISSING'],
      ['a duplicate fragment', [frames[0]!, frames[1]!, frames[1]!, frames[2]!], 'FRAME_DUPLICATE'],
      ['a fragment of another message', [frames[0]!, other[1]!, frames[2]!], 'FRAMES_MIXED'],
      [
        'a whole message among fragments',
        [frames[0]!, Uint8Array.of(0xa0), frames[2]!],
        'FRAMES_MIXED',
      ],
      ['no frame at all', [], 'FRAME_MISSING'],
      [
        'a fragment rebuilt with a valid CRC around changed bytes',
        [
          frames[0]!,
          recrc(Uint8Array.from(frames[1]!, (byte, at) => (at === 20 ? byte ^ 1 : byte))),
          frames[2]!,
        ],
        'MESSAGE_CORRUPTED',
      ],
      [
        'an impossible index',
        [recrc(Uint8Array.from(frames[0]!, (byte, at) => (at === 5 ? 9 : byte)))],
        'FRAME_MALFORMED',
      ],
      ['a frame over 140 bytes', [new Uint8Array(141)], 'FRAME_TOO_LARGE'],
    ])('%s', (_name, input, code) => {
      expect(reassembleFrames(input)).toMatchObject({ ok: false, code });
    });

    it('a stream keeps complete messages, tolerates a repeated fragment and reports an incomplete one', () => {
      const request = Uint8Array.of(0xa1, 0x00, 0x01);
      const stream = decodeFrameStream([
        other[0]!,
        frames[1]!,
        request,
        frames[0]!,
        frames[1]!,
        frames[2]!,
        other[2]!,
      ]);
      expect(stream.messages).toEqual([request, message]);
      expect(stream.failures).toEqual([expect.objectContaining({ code: 'FRAME_MISSING' })]);
    });

    it('parses a fragment header', () => {
      expect(parseFrame(frames[1]!)).toMatchObject({
        ok: true,
        value: { kind: 'fragment', index: 1, count: 3 },
      });
    });
  });
});
