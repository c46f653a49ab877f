// Progress of the demo's long phases (enrolment, payments, settlement): a bar redrawn in place on a
// terminal, and a few plain lines otherwise (CI logs, a pipe), so a log file never fills with
// carriage returns.

/** Where progress goes: process.stdout, or anything shaped like it. */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Characters of the bar itself. */
export const progressBarWidthChars = 28;
/** Shortest interval between two redraws of a bar (the final state is always drawn). */
export const progressRedrawIntervalMs = 80;
/** Without a terminal, a line at every this many percent. */
export const progressPlainStepPercent = 25;

export interface ProgressOptions {
  /** Draw a bar in place (default: the output is a TTY). */
  readonly tty?: boolean;
  /** Milliseconds clock (tests pass their own). */
  readonly now?: () => number;
}

/** The bar for `done` of `total`: filled and empty cells, then counts and percent. */
export function renderBar(
  label: string,
  done: number,
  total: number,
  elapsedMs: number,
  note = '',
): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * progressBarWidthChars);
  const bar = '█'.repeat(filled) + '░'.repeat(progressBarWidthChars - filled);
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  return `  ${label.padEnd(12)} ${bar} ${String(done).padStart(String(total).length)}/${total} ${percent}  ${(elapsedMs / 1000).toFixed(1)} s${note ? `  ${note}` : ''}`;
}

/** The plain line for `done` of `total` (no terminal). */
export function renderPlainLine(
  label: string,
  done: number,
  total: number,
  elapsedMs: number,
  note = '',
): string {
  const percent = total > 0 ? Math.floor((Math.min(done, total) / total) * 100) : 100;
  return `  ${label}: ${done}/${total} (${percent}%) ${(elapsedMs / 1000).toFixed(1)} s${note ? `  ${note}` : ''}`;
}

type DrawKind = 'start' | 'progress' | 'finish';

/** One phase's progress. `advance` and `set` report work done; `finish` ends the line. */
export class Progress {
  private done = 0;
  private lastDrawMs = Number.NEGATIVE_INFINITY;
  private lastPlainStep = 0;
  private lastPlainDone = -1;
  private finished = false;
  private readonly startedMs: number;
  private readonly tty: boolean;
  private readonly now: () => number;
  private note = '';

  constructor(
    private readonly output: ProgressOutput,
    private readonly label: string,
    private total: number,
    options: ProgressOptions = {},
  ) {
    this.tty = options.tty ?? output.isTTY === true;
    this.now = options.now ?? Date.now;
    this.startedMs = this.now();
    this.draw('start');
  }

  advance(by = 1, note?: string): void {
    this.set(this.done + by, note);
  }

  set(done: number, note?: string): void {
    if (this.finished) return;
    this.done = Math.max(0, Math.min(done, this.total));
    if (note !== undefined) this.note = note;
    this.draw('progress');
  }

  /** More work turned up: the bar's end moves. */
  grow(total: number): void {
    this.total = Math.max(total, this.done);
  }

  /** A line above the bar (the bar is redrawn under it). */
  log(line: string): void {
    if (this.tty && !this.finished) {
      this.output.write(`\r\x1b[2K${line}\n`);
      this.draw('start');
    } else this.output.write(`${line}\n`);
  }

  finish(note?: string): void {
    if (this.finished) return;
    if (note !== undefined) this.note = note;
    this.draw('finish');
    this.finished = true;
    if (this.tty) this.output.write('\n');
  }

  private draw(kind: DrawKind): void {
    if (this.finished) return;
    const now = this.now();
    const elapsedMs = now - this.startedMs;
    if (this.tty) {
      if (
        kind === 'progress' &&
        now - this.lastDrawMs < progressRedrawIntervalMs &&
        this.done < this.total
      )
        return;
      this.lastDrawMs = now;
      const line = renderBar(this.label, this.done, this.total, elapsedMs, this.note);
      const width = this.output.columns ?? 0;
      this.output.write(`\r\x1b[2K${width > 0 ? line.slice(0, width - 1) : line}`);
      return;
    }
    // Plain lines: the start, each further step of progressPlainStepPercent, and the end.
    const step =
      this.total > 0 ? Math.floor((this.done / this.total) * (100 / progressPlainStepPercent)) : 0;
    // The last step is left to `finish`, which prints it once with its note.
    const due =
      kind === 'start'
        ? this.lastPlainDone < 0
        : kind === 'progress'
          ? step > this.lastPlainStep && this.done < this.total
          : this.done !== this.lastPlainDone || this.note !== '';
    if (!due) return;
    this.lastPlainStep = step;
    this.lastPlainDone = this.done;
    this.output.write(
      `${renderPlainLine(this.label, this.done, this.total, elapsedMs, this.note)}\n`,
    );
  }
}
