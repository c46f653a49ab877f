// The reverberation model of the fixed-length receiver's second pass: the share of a tone's power
// its bin keeps a symbol later is read off the recording, and taking it out lets the current
// symbol's tone win its group again.
import { reverbTailShare, withoutReverbTails } from './reverb-tails';

const groups = 6;
const dataBins = groups * 16;
const lagAlignments = 2;

/**
 * Powers of `symbols` symbols, one alignment each plus one in between (lag 2): in every group a
 * tone of power 1 at bin (symbol × 5 + group) mod 16 and, of the symbol before, `tail` left in
 * its bin; a floor of 10⁻⁴ elsewhere.
 */
function ringingPowers(symbols: number, tail: number): Float64Array {
  const powers = new Float64Array(symbols * lagAlignments * dataBins).fill(1e-4);
  const toneBin = (symbol: number, group: number) => group * 16 + ((symbol * 5 + group) % 16);
  for (let symbol = 0; symbol < symbols; symbol++)
    for (let copy = 0; copy < lagAlignments; copy++) {
      const offset = (symbol * lagAlignments + copy) * dataBins;
      for (let group = 0; group < groups; group++) {
        powers[offset + toneBin(symbol, group)] = 1;
        if (symbol > 0) powers[offset + toneBin(symbol - 1, group)] = tail;
      }
    }
  return powers;
}

/** Each group's strongest bin at one alignment. */
function strongestBins(powers: Float64Array, alignment: number): number[] {
  return Array.from({ length: groups }, (_, group) => {
    const bins = powers.subarray(
      alignment * dataBins + group * 16,
      alignment * dataBins + group * 16 + 16,
    );
    return bins.indexOf(Math.max(...bins));
  });
}

describe('reverbTailShare', () => {
  it('reads the share of power a tone leaves in its bin a symbol later', () => {
    expect(reverbTailShare(ringingPowers(8, 0.2), lagAlignments, groups)).toBeCloseTo(0.2, 6);
  });

  it('is (close to) 0 without a room, and 0 without tones', () => {
    expect(reverbTailShare(ringingPowers(8, 1e-4), lagAlignments, groups)).toBeLessThan(1e-3);
    expect(reverbTailShare(new Float64Array(10 * dataBins), lagAlignments, groups)).toBe(0);
  });

  it('refuses powers that are not whole symbols and a lag that is not a whole alignment', () => {
    expect(() => reverbTailShare(new Float64Array(95), lagAlignments, groups)).toThrow('96 bins');
    expect(() => reverbTailShare(new Float64Array(dataBins), 0.5, groups)).toThrow('lag');
  });
});

describe('withoutReverbTails', () => {
  it("lets the current tone win its group where the previous one's tail was stronger", () => {
    // A tail stronger than the tone: the room's response faded the new tone's bin.
    const powers = ringingPowers(4, 0.2);
    const faded = 3 * lagAlignments * dataBins + 16 + ((3 * 5 + 1) % 16);
    powers[faded] = 0.15;
    expect(strongestBins(powers, 3 * lagAlignments)[1]).toBe((2 * 5 + 1) % 16);
    const share = reverbTailShare(powers, lagAlignments, groups);
    const fresh = withoutReverbTails(powers, lagAlignments, share, groups);
    expect(strongestBins(fresh, 3 * lagAlignments)[1]).toBe((3 * 5 + 1) % 16);
  });

  it('leaves the first symbol as it is and refuses a share outside 0…1', () => {
    const powers = ringingPowers(3, 0.2);
    const fresh = withoutReverbTails(powers, lagAlignments, 0.2, groups);
    expect(fresh.subarray(0, lagAlignments * dataBins)).toEqual(
      powers.subarray(0, lagAlignments * dataBins),
    );
    expect(() => withoutReverbTails(powers, lagAlignments, 1.5, groups)).toThrow('tail share');
  });
});
