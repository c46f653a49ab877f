import { Progress, type ProgressOutput, progressBarWidthChars, renderBar } from './progress';

/** An output that records what was written, and a clock the test moves. */
function recorder(isTTY: boolean): ProgressOutput & { text: string } {
  const output = { text: '', isTTY, write: (chunk: string) => (output.text += chunk) };
  return output;
}

describe('progress', () => {
  it('draws a bar of filled and empty cells with counts, percent and time', () => {
    const line = renderBar('payments', 5, 20, 2_500);
    expect(line).toContain(
      `${'█'.repeat(progressBarWidthChars / 4)}${'░'.repeat((progressBarWidthChars * 3) / 4)}`,
    );
    expect(line).toMatch(/ 5\/20 {2}25% {2}2\.5 s$/);
    expect(renderBar('empty', 0, 0, 0)).toContain('█'.repeat(progressBarWidthChars));
  });

  it('on a terminal redraws one line in place, at most every 80 ms until done, and ends it', () => {
    let now = 0;
    const output = recorder(true);
    const progress = new Progress(output, 'enrolment', 4, { now: () => now });
    now = 10;
    progress.advance(); // too soon: not drawn
    now = 200;
    progress.advance();
    progress.advance(2); // done: always drawn
    progress.finish();
    const draws = output.text.split('\r\x1b[2K').filter(Boolean);
    expect(draws.map((draw) => / (\d)\/4 /.exec(draw)?.[1])).toEqual(['0', '2', '4', '4']);
    expect(output.text.endsWith('\n')).toBe(true);
    expect(output.text.split('\n')).toHaveLength(2);
  });

  it('without a terminal writes plain lines: the start, every quarter, the end — no carriage returns', () => {
    const output = recorder(false);
    const progress = new Progress(output, 'settlement', 8, { now: () => 0 });
    for (let index = 0; index < 8; index++) progress.advance();
    progress.finish('all confirmed');
    expect(output.text).not.toContain('\r');
    expect(
      output.text
        .trim()
        .split('\n')
        .map((line) => line.trim()),
    ).toEqual([
      'settlement: 0/8 (0%) 0.0 s',
      'settlement: 2/8 (25%) 0.0 s',
      'settlement: 4/8 (50%) 0.0 s',
      'settlement: 6/8 (75%) 0.0 s',
      'settlement: 8/8 (100%) 0.0 s  all confirmed',
    ]);
  });

  it('keeps lines logged during a bar above it, and ignores work reported after the end', () => {
    const output = recorder(true);
    const progress = new Progress(output, 'payments', 2, { now: () => 0 });
    progress.log('refused: TERMINAL_MISMATCH');
    progress.finish();
    const after = output.text;
    progress.advance();
    progress.finish();
    expect(output.text).toBe(after);
    expect(after).toContain('\r\x1b[2Krefused: TERMINAL_MISMATCH\n');
  });
});
