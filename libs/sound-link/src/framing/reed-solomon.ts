// Reed-Solomon over GF(2^8) as ggwave uses it (its reed-solomon library, a port of the Wikiversity
// "Reed–Solomon codes for coders" code): primitive polynomial 0x11D, generator roots α^0 … α^(n−1),
// the check bytes after the data. Here with **erasures**: the receiver's own demodulator knows which
// bytes it did not hear (a dropout, a collision) and a code of n check bytes corrects e erasures and
// t errors when e + 2t ≤ n — twice as many lost bytes as ggwave's own decoder, which knows of none.
// Polynomials are arrays, highest degree first, as in the original.

const exp = new Uint8Array(512);
const log = new Uint8Array(256);
{
  let value = 1;
  for (let power = 0; power < 255; power++) {
    exp[power] = value;
    log[value] = power;
    value <<= 1;
    if (value & 0x100) value ^= 0x11d;
  }
  for (let power = 255; power < 512; power++) exp[power] = exp[power - 255]!;
}

function mul(left: number, right: number): number {
  return left === 0 || right === 0 ? 0 : exp[log[left]! + log[right]!]!;
}

function inverse(value: number): number {
  return exp[255 - log[value]!]!;
}

function alphaPower(power: number): number {
  return exp[((power % 255) + 255) % 255]!;
}

function evaluate(poly: readonly number[], x: number): number {
  let result = poly[0]!;
  for (let index = 1; index < poly.length; index++) result = mul(result, x) ^ poly[index]!;
  return result;
}

function polyMul(left: readonly number[], right: readonly number[]): number[] {
  const product = new Array<number>(left.length + right.length - 1).fill(0);
  for (let j = 0; j < right.length; j++)
    for (let i = 0; i < left.length; i++) product[i + j]! ^= mul(left[i]!, right[j]!);
  return product;
}

function polyAdd(left: readonly number[], right: readonly number[]): number[] {
  const sum = new Array<number>(Math.max(left.length, right.length)).fill(0);
  for (let i = 0; i < left.length; i++) sum[i + sum.length - left.length] = left[i]!;
  for (let i = 0; i < right.length; i++) sum[i + sum.length - right.length]! ^= right[i]!;
  return sum;
}

function polyScale(poly: readonly number[], factor: number): number[] {
  return poly.map((coefficient) => mul(coefficient, factor));
}

/**
 * The `checkBytes` Reed-Solomon bytes ggwave appends to `data`.
 *
 * @example
 * ```ts
 * reedSolomonCheck(frame, 14); // the 14 bytes that follow a 39-byte frame on air
 * ```
 */
export function reedSolomonCheck(data: Uint8Array, checkBytes: number): Uint8Array {
  let generator = [1];
  for (let i = 0; i < checkBytes; i++) generator = polyMul(generator, [1, alphaPower(i)]);
  const remainder = new Array<number>(data.length + checkBytes).fill(0);
  data.forEach((byte, index) => (remainder[index] = byte));
  for (let i = 0; i < data.length; i++) {
    const coefficient = remainder[i]!;
    if (coefficient !== 0)
      for (let j = 1; j < generator.length; j++)
        remainder[i + j]! ^= mul(generator[j]!, coefficient);
  }
  return Uint8Array.from(remainder.slice(data.length));
}

/**
 * The word's `checkBytes` syndromes (its value at α^0 … α^(checkBytes − 1)): all 0 for a codeword.
 * A decoder that tries several sets of erasures on one word computes them once.
 *
 * @example
 * ```ts
 * const synd = reedSolomonSyndromes(heard, 14);
 * reedSolomonDecode(heard, 14, [20, 21], synd);
 * ```
 */
export function reedSolomonSyndromes(word: ArrayLike<number>, checkBytes: number): Uint8Array {
  const synd = new Uint8Array(checkBytes);
  for (let i = 0; i < checkBytes; i++) {
    // Horner's rule at α^i, multiplying through the log table.
    let value = word[0]!;
    for (let index = 1; index < word.length; index++)
      value = (value === 0 ? 0 : exp[log[value]! + i]!) ^ word[index]!;
    synd[i] = value;
  }
  return synd;
}

/** The syndromes with the erasures' contribution removed (Forney syndromes). */
function forneySyndromes(
  synd: ArrayLike<number>,
  erasures: readonly number[],
  length: number,
): number[] {
  const forney = Array.from(synd);
  for (const position of erasures) {
    const x = alphaPower(length - 1 - position);
    for (let j = 0; j < forney.length - 1; j++) forney[j] = mul(forney[j]!, x) ^ forney[j + 1]!;
  }
  return forney;
}

/** Berlekamp–Massey over the Forney syndromes (the first `budget` of them): the error locator. */
function errorLocator(forney: readonly number[], budget: number): number[] {
  let locator = [1];
  let previous = [1];
  for (let k = 0; k < budget; k++) {
    let delta = forney[k]!;
    for (let j = 1; j < locator.length && j <= k; j++)
      delta ^= mul(locator[locator.length - 1 - j]!, forney[k - j]!);
    previous = [...previous, 0];
    if (delta === 0) continue;
    if (previous.length > locator.length) {
      const next = polyScale(previous, delta);
      previous = polyScale(locator, inverse(delta));
      locator = next;
    }
    locator = polyAdd(locator, polyScale(previous, delta));
  }
  while (locator.length > 1 && locator[0] === 0) locator.shift();
  return locator;
}

/** Positions (index into the word) where the locator has its roots (Chien search). */
function errorPositions(locator: readonly number[], length: number): number[] | undefined {
  // The reversed locator's value at α^i, term by term: the coefficient of x^k times α^(i·k).
  const logs = locator.map((coefficient) => (coefficient === 0 ? -1 : log[coefficient]!));
  const positions: number[] = [];
  for (let i = 0; i < length; i++) {
    let value = 0;
    for (let k = 0; k < logs.length; k++)
      if (logs[k]! >= 0) value ^= exp[(logs[k]! + i * k) % 255]!;
    if (value === 0) positions.push(length - 1 - i);
  }
  return positions.length === locator.length - 1 ? positions : undefined;
}

/** Forney's algorithm: the word with the errata at `positions` corrected. */
function corrected(
  word: number[],
  synd: ArrayLike<number>,
  positions: readonly number[],
): number[] {
  const roots = positions.map((position) => alphaPower(word.length - 1 - position));
  let locator = [1];
  for (const root of roots) locator = polyMul(locator, [root, 1]);
  const product = polyMul([...Array.from(synd).reverse(), 0], locator);
  const evaluator = product.slice(product.length - locator.length);
  const result = [...word];
  roots.forEach((root, i) => {
    const rootInverse = inverse(root);
    let derivative = 1;
    roots.forEach((other, j) => {
      if (j !== i) derivative = mul(derivative, 1 ^ mul(rootInverse, other));
    });
    const y = mul(root, evaluate(evaluator, rootInverse));
    result[positions[i]!]! ^= derivative === 0 ? 0 : mul(y, inverse(derivative));
  });
  return result;
}

/**
 * The data of a Reed-Solomon word (data then `checkBytes` check bytes) with `erasures` (byte
 * positions known to be unreliable, whatever they hold) and errors corrected, and how many errors
 * there were; or `undefined` when it cannot be corrected (erasures + 2 × errors > checkBytes).
 * `synd`: the word's syndromes, when already computed.
 *
 * @example
 * ```ts
 * reedSolomonDecode(heard, 14, [20, 21, 22]); // { data: the 39 data bytes, errors: 1 }, or undefined
 * ```
 */
export function reedSolomonDecode(
  received: Uint8Array,
  checkBytes: number,
  erasures: readonly number[],
  synd: Uint8Array = reedSolomonSyndromes(received, checkBytes),
): { data: Uint8Array; errors: number } | undefined {
  if (erasures.length > checkBytes) return undefined;
  const word = Array.from(received);
  if (synd.every((value) => value === 0))
    return { data: Uint8Array.from(word.slice(0, -checkBytes)), errors: 0 };
  const forney = forneySyndromes(synd, erasures, word.length);
  const locator = errorLocator(forney, checkBytes - erasures.length);
  const errors = locator.length - 1;
  if (2 * errors + erasures.length > checkBytes) return undefined;
  const found = errors === 0 ? [] : errorPositions(locator, word.length);
  if (found === undefined) return undefined;
  const fixed = corrected(word, synd, [...erasures, ...found]);
  if (reedSolomonSyndromes(fixed, checkBytes).some((value) => value !== 0)) return undefined;
  return { data: Uint8Array.from(fixed.slice(0, -checkBytes)), errors };
}
