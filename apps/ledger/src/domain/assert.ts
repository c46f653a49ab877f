/**
 * Assertions for programmer errors (TigerBeetle style): a broken invariant means the code is wrong,
 * not the input, so the process should stop rather than write a wrong ledger. Expected failures
 * (an unknown account, a currency mismatch) are typed results, never assertions.
 */
export class LedgerInvariantError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(`ledger invariant violated: ${message}`);
    this.name = 'LedgerInvariantError';
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new LedgerInvariantError(message);
}
