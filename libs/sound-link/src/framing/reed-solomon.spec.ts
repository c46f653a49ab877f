import { seededRandom } from '../testing/audio-conditions';
import { reedSolomonCheck, reedSolomonDecode } from './reed-solomon';

describe('Reed-Solomon as ggwave uses it', () => {
  const data = Uint8Array.from({ length: 39 }, (_, index) => (index * 37 + 11) & 255);

  it('makes the check bytes ggwave sends after a 39-byte frame (read off its audio)', () => {
    expect(Buffer.from(reedSolomonCheck(data, 14)).toString('hex')).toBe(
      '613bb3f79a72a147ab987bd34e63',
    );
  });

  it('corrects erasures and errors up to erasures + 2 × errors = check bytes, and says how many errors', () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 300; trial++) {
      const checkBytes = 14;
      const word = new Uint8Array([...data, ...reedSolomonCheck(data, checkBytes)]);
      const erasures = Math.floor(random() * (checkBytes + 1));
      const errors = Math.floor((checkBytes - erasures) / 2);
      const positions = new Set<number>();
      while (positions.size < erasures + errors) positions.add(Math.floor(random() * word.length));
      const damaged = [...positions];
      for (const position of damaged) word[position]! ^= 1 + Math.floor(random() * 254);
      const decoded = reedSolomonDecode(word, checkBytes, damaged.slice(0, erasures));
      expect(decoded?.errors).toBe(errors);
      expect(Buffer.from(decoded!.data).equals(Buffer.from(data))).toBe(true);
    }
  });

  it('refuses a word with more damage than its check bytes cover', () => {
    const word = new Uint8Array([...data, ...reedSolomonCheck(data, 14)]);
    for (const position of [0, 5, 9, 14, 20, 25, 30, 44]) word[position]! ^= 0x5a;
    expect(reedSolomonDecode(word, 14, [])).toBeUndefined();
    expect(
      reedSolomonDecode(
        word,
        14,
        Array.from({ length: 15 }, (_, i) => i),
      ),
    ).toBeUndefined();
  });
});
