// Whether a money movement an operator asks for may post at once or waits for a checker. Pure: the
// totals and limits are read and passed in by the caller.

/** Why a movement waits for a second operator. Closed set, append-only. */
export const approvalReasons = [
  'AMOUNT_ABOVE_LIMIT',
  'OPERATOR_WINDOW_LIMIT',
  'ACCOUNT_WINDOW_LIMIT',
] as const;
export type ApprovalReason = (typeof approvalReasons)[number];

export interface ApprovalLimits {
  /** A single movement above this waits. */
  readonly aboveMinor: bigint;
  /** What one operator moved in the window, this movement included, above this waits. */
  readonly operatorWindowMinorMax: bigint;
  /** What operators moved on one wallet or merchant in the window, this movement included, above this waits. */
  readonly accountWindowMinorMax: bigint;
}

/** Minor units moved in the rolling window, in the movement's currency, before this movement. */
export interface WindowTotals {
  readonly byOperator: bigint;
  readonly byAccount: bigint;
}

/**
 * Every reason the movement of `amount` must wait for a checker; empty when it may post now.
 *
 * @example
 * approvalReasonsFor(500n, { byOperator: 0n, byAccount: 0n }, limits); // [] under limits of 1000
 */
export function approvalReasonsFor(
  amount: bigint,
  totals: WindowTotals,
  limits: ApprovalLimits,
): ApprovalReason[] {
  if (amount <= 0n || totals.byOperator < 0n || totals.byAccount < 0n)
    throw new Error('approvalReasonsFor: amounts and totals are positive');
  const reasons: ApprovalReason[] = [];
  if (amount > limits.aboveMinor) reasons.push('AMOUNT_ABOVE_LIMIT');
  if (totals.byOperator + amount > limits.operatorWindowMinorMax)
    reasons.push('OPERATOR_WINDOW_LIMIT');
  if (totals.byAccount + amount > limits.accountWindowMinorMax)
    reasons.push('ACCOUNT_WINDOW_LIMIT');
  return reasons;
}
