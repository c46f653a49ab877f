import { soundLinkAssert } from '../errors';

// ggwave decides where a frame starts and ends from 1024-sample analysis windows, and now and then
// takes a data tone for the end marker (about 0.4 % of frames even at +20 dB). The same recording
// fed from another sample offset is cut into other windows and rarely fails at the same place, so
// after a lost frame the receiver decodes it again from a few offsets and merges what the passes
// heard here: one result per start marker, agreed by every pass that decoded it.

/** Why ggwave gave up on a frame whose start marker it heard. */
export type AttemptOutcome = 'frame' | 'capture-failed' | 'unfinished';

/**
 * One start marker ggwave heard in one decoding pass, and what came of it.
 *
 * @example
 * ```ts
 * const attempt: ReceiverAttempt = { startSample: 12_288, outcome: 'capture-failed', headerLengthBytes: 138 };
 * ```
 */
export interface ReceiverAttempt {
  /** Where the start marker was heard, in samples at the link rate from the recording's start. */
  readonly startSample: number;
  readonly outcome: AttemptOutcome;
  /** The payload, for outcome `frame`. */
  readonly frame?: Uint8Array;
  /** The payload length ggwave read from the frame header, when it got that far. */
  readonly headerLengthBytes?: number;
}

/**
 * A frame every pass that decoded it agreed on.
 *
 * @example
 * ```ts
 * const heard: HeardFrame = { startSample: 12_288, bytes: requestBytes, passes: 4 };
 * ```
 */
export interface HeardFrame {
  readonly startSample: number;
  readonly bytes: Uint8Array;
  /** How many passes decoded it. */
  readonly passes: number;
}

/**
 * A start marker that produced no usable frame in any pass.
 *
 * @example
 * ```ts
 * const lost: UndecodableFrame = { startSample: 12_288, reason: 'capture-failed', headerLengthBytes: 138 };
 * ```
 */
export interface UndecodableFrame {
  readonly startSample: number;
  /** `passes-disagree`: two passes decoded different bytes (a miscorrection or two senders at once). */
  readonly reason: 'capture-failed' | 'unfinished' | 'passes-disagree';
  readonly headerLengthBytes?: number;
}

/**
 * Merged passes.
 *
 * @example
 * ```ts
 * const { frames, undecodable }: MergedReception = mergeAttempts(passes, 9_600);
 * ```
 */
export interface MergedReception {
  readonly frames: HeardFrame[];
  readonly undecodable: UndecodableFrame[];
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && left.every((byte, index) => byte === right[index]);
}

/** Attempts of all passes grouped by start marker: starts closer than the tolerance are one frame. */
function groupByStart(
  passes: readonly (readonly ReceiverAttempt[])[],
  toleranceSamples: number,
): ReceiverAttempt[][] {
  const attempts = passes.flat().sort((left, right) => left.startSample - right.startSample);
  const groups: ReceiverAttempt[][] = [];
  for (const attempt of attempts) {
    const current = groups.at(-1);
    if (current !== undefined && attempt.startSample - current[0]!.startSample <= toleranceSamples)
      current.push(attempt);
    else groups.push([attempt]);
  }
  return groups;
}

function mergeGroup(group: readonly ReceiverAttempt[]): HeardFrame | UndecodableFrame {
  const startSample = group[0]!.startSample;
  const frames = group.flatMap((attempt) => (attempt.frame === undefined ? [] : [attempt.frame]));
  const headerLengthBytes = group.find(
    (attempt) => attempt.headerLengthBytes !== undefined,
  )?.headerLengthBytes;
  const header = headerLengthBytes === undefined ? {} : { headerLengthBytes };
  const first = frames[0];
  if (first === undefined)
    return {
      startSample,
      reason: group.some((attempt) => attempt.outcome === 'capture-failed')
        ? 'capture-failed'
        : 'unfinished',
      ...header,
    };
  // Never choose between two decodings: one of them is wrong, and nothing here can tell which.
  if (frames.some((frame) => !sameBytes(frame, first)))
    return { startSample, reason: 'passes-disagree', ...header };
  return { startSample, bytes: first, passes: frames.length };
}

/**
 * Merges the attempts of several decoding passes over one recording: per start marker, the frame
 * the passes that decoded it agree on, or why none came out.
 *
 * @example
 * ```ts
 * import { mergeAttempts } from './multi-offset';
 * const merged = mergeAttempts([passAtOffset0, passAtOffset512], 9_600);
 * ```
 */
export function mergeAttempts(
  passes: readonly (readonly ReceiverAttempt[])[],
  toleranceSamples: number,
): MergedReception {
  soundLinkAssert(toleranceSamples > 0, 'a positive tolerance');
  const frames: HeardFrame[] = [];
  const undecodable: UndecodableFrame[] = [];
  for (const group of groupByStart(passes, toleranceSamples)) {
    const merged = mergeGroup(group);
    if ('bytes' in merged) frames.push(merged);
    else undecodable.push(merged);
  }
  return { frames, undecodable };
}
