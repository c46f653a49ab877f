import { assert } from './assert';

/** Basis points are hundredths of a percent: 10 000 is 100 %. */
export const basisPointsPerUnit = 10_000n;
/** A fee schedule may take at most this share of a payment (10 %), in basis points. */
export const feeBasisPointsMax = 1_000;
/** A fixed fee per payment is at most this many minor units. */
export const feeFixedMinorUnitsMax = 1_000_000n;

/**
 * How a merchant's payments are priced: a share in basis points plus a fixed amount, rounded down.
 * `version` is stored in every entry it priced, so a rebuild reads the fee instead of re-pricing.
 */
export interface FeeSchedule {
  readonly version: string;
  readonly basisPoints: number;
  readonly fixedMinorUnits: bigint;
}

/** Used for merchants without a schedule of their own: no fee. */
export const zeroFeeSchedule: FeeSchedule = {
  version: 'fee-schedule-none',
  basisPoints: 0,
  fixedMinorUnits: 0n,
};

export function assertValidFeeSchedule(schedule: FeeSchedule): void {
  assert(
    Number.isInteger(schedule.basisPoints) &&
      schedule.basisPoints >= 0 &&
      schedule.basisPoints <= feeBasisPointsMax,
    'basis points in range',
  );
  assert(
    schedule.fixedMinorUnits >= 0n && schedule.fixedMinorUnits <= feeFixedMinorUnitsMax,
    'fixed fee in range',
  );
}

/**
 * The fee of a payment: `floor(amount × basisPoints / 10 000) + fixed`, never more than the amount
 * (a merchant never owes the processor for a sale). Bigint division truncates, which for
 * non-negative numbers is rounding down.
 */
export function feeFor(
  amount: bigint,
  schedule: FeeSchedule,
): { fee: bigint; merchantAmount: bigint } {
  assert(amount > 0n, 'a priced amount is positive');
  assertValidFeeSchedule(schedule);
  const uncapped =
    (amount * BigInt(schedule.basisPoints)) / basisPointsPerUnit + schedule.fixedMinorUnits;
  const fee = uncapped < amount ? uncapped : amount;
  const merchantAmount = amount - fee;
  assert(
    fee >= 0n && merchantAmount >= 0n && fee + merchantAmount === amount,
    'fee and merchant amount split the amount',
  );
  return { fee, merchantAmount };
}
