/**
 * Crashes on a programmer error (a catalogue that contradicts itself, an upcaster that breaks its
 * contract). Expected failures — bad input — are results with codes, never assertions.
 */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`contracts: ${message}`);
}
