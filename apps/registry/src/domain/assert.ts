/**
 * Assertions for programmer errors (TigerBeetle style): a broken invariant means the code is wrong,
 * not the input. Expected failures (an expired code, a used challenge) are typed results instead.
 */
export class RegistryInvariantError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(`registry invariant violated: ${message}`);
    this.name = 'RegistryInvariantError';
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new RegistryInvariantError(message);
}
