import { Body, Controller, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AdminOnly,
  AdminOperator,
  JsonSchemaValidationPipe,
  ProblemException,
} from '@settle/platform';
import { identifier, timestamp } from '../admin-http/schemas';
import { feeBasisPointsMax, feeFixedMinorUnitsMax } from '../domain/fees';
import { SetFeeScheduleHandler } from './set-fee-schedule.handler';

interface FeeScheduleRequest {
  basisPoints: number;
  fixedMinorUnits: string;
  effectiveFrom: string | null;
}

/**
 * The bounds are the domain's (fees.ts), which ledger_fee_schedules' CHECK repeats (migration 0002;
 * fee-schedule-bounds.spec.ts holds the three together). A schema cannot bound a decimal string's
 * value, so the fixed fee's maximum is checked beside it, with the same problem a schema bound gives.
 */
const feeScheduleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['basisPoints', 'fixedMinorUnits', 'effectiveFrom'],
  properties: {
    basisPoints: { type: 'integer', minimum: 0, maximum: feeBasisPointsMax },
    fixedMinorUnits: { type: 'string', pattern: '^(0|[1-9][0-9]{0,18})$' },
    effectiveFrom: { anyOf: [timestamp, { type: 'null' }] },
  },
};

/** An operator sets a merchant's fee schedule (docs/ledger.md, "Admin API"); audited. */
@ApiTags('admin')
@Controller('admin')
export class SetFeeScheduleController {
  constructor(private readonly handler: SetFeeScheduleHandler) {}

  @Post('merchants/:merchantId/fee-schedules')
  @AdminOnly('ledger.admin.fee-schedule.create', { role: 'maker' })
  @ApiOperation({
    summary:
      'Sets a merchant’s fee schedule (basis points ≤ 1000 + fixed ≤ 1 000 000 minor units), effective now or from a time; returns its version.',
  })
  async createFeeSchedule(
    @Param('merchantId', new JsonSchemaValidationPipe(identifier)) merchantId: string,
    @Body(new JsonSchemaValidationPipe<FeeScheduleRequest>(feeScheduleSchema))
    body: FeeScheduleRequest,
    @AdminOperator() operatorId: string,
  ): Promise<{
    version: string;
    merchantId: string;
    basisPoints: number;
    fixedMinorUnits: string;
    effectiveFrom: string;
  }> {
    const fixedMinorUnits = BigInt(body.fixedMinorUnits);
    if (fixedMinorUnits > feeFixedMinorUnitsMax) {
      throw ProblemException.validation([
        {
          field: 'fixedMinorUnits',
          code: 'OUT_OF_RANGE',
          message: `must be at most ${feeFixedMinorUnitsMax}`,
        },
      ]);
    }
    const created = await this.handler.set({
      merchantId,
      basisPoints: body.basisPoints,
      fixedMinorUnits,
      effectiveFrom: body.effectiveFrom,
      operatorId,
    });
    return { ...created, fixedMinorUnits: created.fixedMinorUnits.toString() };
  }
}
