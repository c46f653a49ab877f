// A room's reverberation (docs/sound-link.md, "Receiving fixed-length frames"): a tone rings on in
// its bin after its symbol ends (RT60 0.5 s: ≈ 7.7 dB less per 64 ms symbol), so in the next
// symbol the previous symbol's bin competes with the current one and often wins. This model
// subtracts, in power, the share of each bin's power of one symbol that is still there a symbol
// later, before the strongest bin is picked (decision feedback without decisions: every bin is
// discounted by its own past). The share is measured on the recording itself — how much of a clear
// tone's power its bin keeps one symbol after the tone changed — never assumed from a room.

/** Bins per tone group (tone-plan.ts); a symbol's powers are `groups` of them. */
const binsPerGroup = 16;
/** A tone counts as clear when its bin is this many times the group's next strongest. */
const clearToneRatioMin = 4;
/**
 * The share subtracted is the one a clear tone's bin keeps in 19 cases of 20: the tail's power
 * fluctuates (a sum of reflections), and only its largest values win a group. A median would
 * leave most of the errors (bench: RT60 0.5 s, seeds 21–120).
 */
const tailShareQuantile = 0.95;
/** A bin cannot keep more than all of its power. */
const tailShareMax = 1;

/** The strongest bin of `group` in the symbol at `alignment`, if it stands clear of the others. */
function clearTone(
  powers: Float64Array,
  dataBins: number,
  alignment: number,
  group: number,
): number | undefined {
  const offset = alignment * dataBins + group * binsPerGroup;
  let best = 0;
  let second = 0;
  let bestBin = 0;
  for (let bin = 0; bin < binsPerGroup; bin++) {
    const value = powers[offset + bin]!;
    if (value > best) {
      second = best;
      best = value;
      bestBin = bin;
    } else if (value > second) second = value;
  }
  return best > 0 && best >= clearToneRatioMin * second ? bestBin : undefined;
}

/**
 * The share of a bin's power still there `lagAlignments` later (one symbol), from the recording:
 * over every group whose clear tone changed to another clear tone, the power left in the old
 * tone's bin over what it had; the {@link tailShareQuantile} of those shares (0 when no tone
 * changed). `powers` holds, per alignment, the data bins' powers of `groups` groups of 16.
 *
 * @example
 * ```ts
 * const share = reverbTailShare(powers, 12, 6); // ≈ 0.3 in a room of RT60 0.5 s, 0.001 in a quiet one
 * ```
 */
export function reverbTailShare(
  powers: Float64Array,
  lagAlignments: number,
  groups: number,
): number {
  const dataBins = groups * binsPerGroup;
  if (powers.length % dataBins !== 0)
    throw new Error(`powers are not whole symbols of ${dataBins} bins`);
  if (!Number.isInteger(lagAlignments) || lagAlignments < 1)
    throw new Error(`lag of ${lagAlignments} alignments`);
  const alignments = powers.length / dataBins;
  const shares: number[] = [];
  for (let alignment = lagAlignments; alignment < alignments; alignment++) {
    const earlier = alignment - lagAlignments;
    for (let group = 0; group < groups; group++) {
      const before = clearTone(powers, dataBins, earlier, group);
      if (before === undefined) continue;
      const now = clearTone(powers, dataBins, alignment, group);
      if (now === undefined || now === before) continue;
      const bin = group * binsPerGroup + before;
      shares.push(powers[alignment * dataBins + bin]! / powers[earlier * dataBins + bin]!);
    }
  }
  if (shares.length === 0) return 0;
  shares.sort((left, right) => left - right);
  const share = shares[Math.floor(tailShareQuantile * (shares.length - 1))]!;
  return Math.min(tailShareMax, share);
}

/**
 * Each alignment's powers less `share` of the same bins' powers `lagAlignments` earlier (the
 * first `lagAlignments` alignments as they are: what rang before the recording is unknown). A
 * bin may go below zero: more than its tail was expected there.
 *
 * @example
 * ```ts
 * const fresh = withoutReverbTails(powers, 12, reverbTailShare(powers, 12, 6), 6);
 * ```
 */
export function withoutReverbTails(
  powers: Float64Array,
  lagAlignments: number,
  share: number,
  groups: number,
): Float64Array {
  if (!(share >= 0 && share <= tailShareMax)) throw new Error(`tail share ${share}`);
  const lagValues = lagAlignments * groups * binsPerGroup;
  const fresh = powers.slice();
  for (let index = lagValues; index < powers.length; index++)
    fresh[index] = powers[index]! - share * powers[index - lagValues]!;
  return fresh;
}
