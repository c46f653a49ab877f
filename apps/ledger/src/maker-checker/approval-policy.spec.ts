import { approvalReasonsFor } from './approval-policy';

const limits = {
  aboveMinor: 1_000n,
  operatorWindowMinorMax: 5_000n,
  accountWindowMinorMax: 3_000n,
};

describe('approvalReasonsFor', () => {
  it('lets a movement within every limit post', () => {
    expect(approvalReasonsFor(1_000n, { byOperator: 3_999n, byAccount: 1_999n }, limits)).toEqual(
      [],
    );
  });

  it('holds a movement above the single limit', () => {
    expect(approvalReasonsFor(1_001n, { byOperator: 0n, byAccount: 0n }, limits)).toEqual([
      'AMOUNT_ABOVE_LIMIT',
    ]);
  });

  it('holds small movements that together pass an operator’s or an account’s window limit', () => {
    expect(approvalReasonsFor(2n, { byOperator: 4_999n, byAccount: 0n }, limits)).toEqual([
      'OPERATOR_WINDOW_LIMIT',
    ]);
    expect(approvalReasonsFor(2n, { byOperator: 0n, byAccount: 2_999n }, limits)).toEqual([
      'ACCOUNT_WINDOW_LIMIT',
    ]);
    expect(approvalReasonsFor(5_001n, { byOperator: 0n, byAccount: 0n }, limits)).toEqual([
      'AMOUNT_ABOVE_LIMIT',
      'OPERATOR_WINDOW_LIMIT',
      'ACCOUNT_WINDOW_LIMIT',
    ]);
  });

  it('refuses a non-positive amount as a programming error', () => {
    expect(() => approvalReasonsFor(0n, { byOperator: 0n, byAccount: 0n }, limits)).toThrow(
      'positive',
    );
  });
});
