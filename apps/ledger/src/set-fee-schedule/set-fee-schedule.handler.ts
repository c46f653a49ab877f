import { Inject, Injectable } from '@nestjs/common';
import { type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, SQL_POOL } from '@settle/platform';
import { assert } from '../domain/assert';
import { assertValidFeeSchedule } from '../domain/fees';

export interface SetFeeSchedule {
  readonly merchantId: string;
  readonly basisPoints: number;
  readonly fixedMinorUnits: bigint;
  /** From when later payments are priced by it; null: now. */
  readonly effectiveFrom: string | null;
  readonly operatorId: string;
}

/** The schedule as stored: its version names it in every entry it prices. */
export interface FeeScheduleVersion {
  readonly version: string;
  readonly merchantId: string;
  readonly basisPoints: number;
  readonly fixedMinorUnits: bigint;
  readonly effectiveFrom: string;
}

/**
 * A merchant's new fee schedule version (ledger_fee_schedules, append-only by use: a change is a new
 * version). The bounds are the domain's (fees.ts); the table's CHECK says the same.
 */
@Injectable()
export class SetFeeScheduleHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async set(command: SetFeeSchedule): Promise<FeeScheduleVersion> {
    assertValidFeeSchedule({
      version: 'new',
      basisPoints: command.basisPoints,
      fixedMinorUnits: command.fixedMinorUnits,
    });
    const now = this.clock.now().toISOString();
    const { rows } = await this.pool.query<{ version: string; effective_from: Date }>(
      `INSERT INTO ledger_fee_schedules (merchant_id, basis_points, fixed_minor_units, effective_from, created_by, created_at)
       VALUES ($1, $2, $3, coalesce($4::timestamptz, $6::timestamptz), $5, $6::timestamptz) RETURNING version, effective_from`,
      [
        command.merchantId,
        command.basisPoints,
        command.fixedMinorUnits.toString(),
        command.effectiveFrom,
        command.operatorId,
        now,
      ],
    );
    const row = rows[0];
    assert(row !== undefined, 'an insert returns its row');
    return {
      version: row.version,
      merchantId: command.merchantId,
      basisPoints: command.basisPoints,
      fixedMinorUnits: command.fixedMinorUnits,
      effectiveFrom: row.effective_from.toISOString(),
    };
  }
}
