import { type ReceiverAttempt, mergeAttempts } from './multi-offset';

const request = Uint8Array.of(0xa4, 0x01, 0x02);
const other = Uint8Array.of(0xa4, 0x01, 0x03);
const decoded = (startSample: number, frame: Uint8Array): ReceiverAttempt => ({
  startSample,
  outcome: 'frame',
  frame,
});

describe('merging decoding passes', () => {
  it('keeps one frame per start marker, however many passes decoded it', () => {
    const passes = [
      [decoded(12_288, request)],
      [decoded(12_544, request)],
      [{ startSample: 12_800, outcome: 'capture-failed' as const }],
    ];
    expect(mergeAttempts(passes, 9_600)).toEqual({
      frames: [{ startSample: 12_288, bytes: request, passes: 2 }],
      undecodable: [],
    });
  });

  it('keeps frames of different start markers apart, in order', () => {
    const passes = [[decoded(300_000, other)], [decoded(12_288, request), decoded(300_256, other)]];
    const { frames } = mergeAttempts(passes, 9_600);
    expect(frames.map((frame) => [frame.startSample, frame.bytes])).toEqual([
      [12_288, request],
      [300_000, other],
    ]);
  });

  it('reports a start marker no pass could decode, with what ggwave read of its header', () => {
    const passes = [
      [{ startSample: 12_288, outcome: 'capture-failed' as const, headerLengthBytes: 138 }],
      [{ startSample: 12_544, outcome: 'unfinished' as const }],
    ];
    expect(mergeAttempts(passes, 9_600)).toEqual({
      frames: [],
      undecodable: [{ startSample: 12_288, reason: 'capture-failed', headerLengthBytes: 138 }],
    });
  });

  it('reports a frame the recording cut off', () => {
    expect(mergeAttempts([[{ startSample: 0, outcome: 'unfinished' }]], 9_600).undecodable).toEqual(
      [{ startSample: 0, reason: 'unfinished' }],
    );
  });

  it('never chooses between passes that decoded different bytes', () => {
    const passes = [
      [decoded(12_288, request)],
      [decoded(12_544, request)],
      [decoded(12_800, other)],
    ];
    expect(mergeAttempts(passes, 9_600)).toEqual({
      frames: [],
      undecodable: [{ startSample: 12_288, reason: 'passes-disagree' }],
    });
  });
});
