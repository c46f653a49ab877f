/**
 * Overdraft status changes of a wallet (DESIGN §6): the entry always posts; crossing zero downwards
 * publishes account.overdrawn, crossing back to zero or above publishes account.back-in-funds.
 * Balances are the wallet's normal (credit) balance: what the processor owes the consumer.
 */
export type OverdraftTransition = 'overdrawn' | 'back-in-funds' | 'none';

export function overdraftTransition(
  balanceBefore: bigint,
  balanceAfter: bigint,
): OverdraftTransition {
  if (balanceBefore >= 0n && balanceAfter < 0n) return 'overdrawn';
  if (balanceBefore < 0n && balanceAfter >= 0n) return 'back-in-funds';
  return 'none';
}
