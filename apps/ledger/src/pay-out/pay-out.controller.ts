import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type SqlPool } from '@settle/messaging';
import {
  type AdminActor,
  AdminActorOf,
  AdminOnly,
  JsonSchemaValidationPipe,
  SQL_POOL,
} from '@settle/platform';
import { adminProblem, keyReused, notFound } from '../admin-http/problems';
import { currency, identifier, positiveAmount } from '../admin-http/schemas';
import { type KeyConflict, type Gated } from '../maker-checker/maker-checker';
import { heldAnswer, type HeldAnswer, makerOnly } from '../maker-checker/movement-answer';
import { type PayoutRecord, type PayoutRejection, type PayoutResult } from './pay-out.decider';
import { loadPayout, PayOutHandler, type PayoutRequest } from './pay-out.handler';

const payoutSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['clientKey', 'merchantId', 'amount', 'currency'],
  properties: { clientKey: identifier, merchantId: identifier, amount: positiveAmount, currency },
};

interface PayoutView {
  payoutId: string;
  merchantId: string;
  amount: string;
  currency: string;
  status: PayoutRecord['status'];
  requestedBy: string;
  entryId: string | null;
}

const rejectedFields: Record<PayoutRejection, string> = {
  UNKNOWN_MERCHANT: 'merchantId',
  CURRENCY_MISMATCH: 'currency',
  AMOUNT_OUT_OF_RANGE: 'amount',
  INSUFFICIENT_BALANCE: 'amount',
};

/**
 * Payouts to merchants (docs/ledger.md, "Payouts"). Audited; past the limits a payout waits for a
 * checker like every money movement (`/admin/approvals`).
 */
@ApiTags('admin')
@Controller('admin/payouts')
export class PayOutController {
  constructor(
    private readonly handler: PayOutHandler,
    @Inject(SQL_POOL) private readonly pool: SqlPool,
  ) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.payout.create', { role: 'maker' })
  @ApiOperation({
    summary:
      'Pays a merchant out of what it is owed; idempotent by clientKey; above the configured amount or the rolling limits it waits for a checker (outcome pending-approval).',
  })
  async request(
    @Body(new JsonSchemaValidationPipe<PayoutRequest>(payoutSchema)) body: PayoutRequest,
    @AdminActorOf() maker: AdminActor,
  ): Promise<({ outcome: 'posted' | 'duplicate' } & PayoutView) | HeldAnswer> {
    return answer(await this.handler.payOut(body, makerOnly(maker)));
  }

  @Get(':payoutId')
  @AdminOnly('ledger.admin.payout.read')
  @ApiOperation({
    summary:
      'A payout that was made (a held one is an approval: GET /admin/approvals/:approvalId).',
  })
  async read(
    @Param('payoutId', new JsonSchemaValidationPipe(identifier)) payoutId: string,
  ): Promise<PayoutView> {
    const payout = await loadPayout(this.pool, 'payout_id', payoutId);
    if (payout === null) throw notFound(`Payout ${payoutId}`, 'payoutId');
    return viewOf(payout);
  }
}

function viewOf(payout: PayoutRecord): PayoutView {
  return {
    payoutId: payout.payoutId,
    merchantId: payout.merchantId,
    amount: payout.amount.toString(),
    currency: payout.currency,
    status: payout.status,
    requestedBy: payout.requestedBy,
    entryId: payout.entryId,
  };
}

function answer(
  result: Gated<PayoutResult | KeyConflict>,
): ({ outcome: 'posted' | 'duplicate' } & PayoutView) | HeldAnswer {
  switch (result.outcome) {
    case 'pending-approval':
      return heldAnswer(result);
    case 'posted':
      return { outcome: 'posted', ...viewOf(result.payout) };
    case 'duplicate':
      if (result.conflicting) throw keyReused('clientKey');
      return { outcome: 'duplicate', ...viewOf(result.payout) };
    case 'rejected':
      throw adminProblem(
        HttpStatus.UNPROCESSABLE_ENTITY,
        result.code,
        'Payout not posted',
        rejectedFields[result.code],
        'cannot be paid out',
      );
  }
}
