import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, AdminOperator, JsonSchemaValidationPipe, ProblemException } from '@settle/platform';
import { DataSource } from 'typeorm';
import { type PayoutRecord, type PayoutResult } from './pay-out.decider';
import { PayOutHandler, toPayoutRecord } from './pay-out.handler';

const identifier = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;

interface PayoutRequest {
  clientKey: string;
  merchantId: string;
  amount: string;
  currency: string;
}
const payoutSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['clientKey', 'merchantId', 'amount', 'currency'],
  properties: { clientKey: identifier, merchantId: identifier, amount: { type: 'string', pattern: '^[1-9][0-9]{0,18}$' }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
};

interface PayoutView {
  outcome: PayoutResult['outcome'];
  payoutId: string;
  merchantId: string;
  amount: string;
  currency: string;
  status: PayoutRecord['status'];
  requestedBy: string;
  entryId: string | null;
}

/** Payouts to merchants (docs/ledger.md, "Payouts"). Audited; large ones need a second operator. */
@ApiTags('admin')
@Controller('admin/payouts')
export class PayOutController {
  constructor(
    private readonly handler: PayOutHandler,
    private readonly dataSource: DataSource,
  ) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.payout.create')
  @ApiOperation({ summary: 'Pays a merchant out of what it is owed; idempotent by clientKey; above the configured amount it waits for a second operator.' })
  async request(@Body(new JsonSchemaValidationPipe<PayoutRequest>(payoutSchema)) body: PayoutRequest, @AdminOperator() operatorId: string): Promise<PayoutView> {
    return view(await this.handler.request({ ...body, operatorId }), 'clientKey');
  }

  @Post(':payoutId/approval')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.payout.approve')
  @ApiOperation({ summary: 'The second operator’s approval of a pending payout (never the operator who requested it).' })
  async approve(@Param('payoutId', new JsonSchemaValidationPipe(identifier)) payoutId: string, @AdminOperator() operatorId: string): Promise<PayoutView> {
    return view(await this.handler.approve(payoutId, operatorId), 'payoutId');
  }

  @Get(':payoutId')
  @AdminOnly('ledger.admin.payout.read')
  @ApiOperation({ summary: 'A payout and its state.' })
  async read(@Param('payoutId', new JsonSchemaValidationPipe(identifier)) payoutId: string): Promise<Omit<PayoutView, 'outcome'>> {
    const rows: Parameters<typeof toPayoutRecord>[0][] = await this.dataSource.query(
      'SELECT payout_id, client_key, merchant_id, amount::text, currency, status, requested_by, entry_id FROM ledger_payouts WHERE payout_id = $1',
      [payoutId],
    );
    if (!rows[0]) throw new ProblemException({ status: HttpStatus.NOT_FOUND, code: 'NOT_FOUND', title: 'Not found', detail: `Payout ${payoutId} was not found.` });
    const { outcome: _outcome, ...rest } = viewOf('duplicate', toPayoutRecord(rows[0]));
    return rest;
  }
}

function viewOf(outcome: PayoutResult['outcome'], payout: PayoutRecord): PayoutView {
  return { outcome, payoutId: payout.payoutId, merchantId: payout.merchantId, amount: payout.amount.toString(), currency: payout.currency, status: payout.status, requestedBy: payout.requestedBy, entryId: payout.entryId };
}

function view(result: PayoutResult, keyField: string): PayoutView {
  switch (result.outcome) {
    case 'posted':
    case 'pending-approval':
      return viewOf(result.outcome, result.payout);
    case 'duplicate':
      if (result.conflicting) {
        throw new ProblemException({ status: HttpStatus.CONFLICT, code: 'IDEMPOTENCY_KEY_REUSED', title: 'Client key reused', detail: 'This clientKey requested a different payout.', errors: [{ field: keyField, code: 'IDEMPOTENCY_KEY_REUSED', message: 'was used for a different payout' }] });
      }
      return viewOf('duplicate', result.payout);
    case 'rejected': {
      const fields: Record<typeof result.code, string> = {
        UNKNOWN_MERCHANT: 'merchantId',
        CURRENCY_MISMATCH: 'currency',
        AMOUNT_OUT_OF_RANGE: 'amount',
        INSUFFICIENT_BALANCE: 'amount',
        PAYOUT_NOT_FOUND: 'payoutId',
        SECOND_OPERATOR_REQUIRED: 'payoutId',
      };
      const status = result.code === 'PAYOUT_NOT_FOUND' ? HttpStatus.NOT_FOUND : result.code === 'SECOND_OPERATOR_REQUIRED' ? HttpStatus.FORBIDDEN : HttpStatus.UNPROCESSABLE_ENTITY;
      throw new ProblemException({ status, code: result.code, title: 'Payout not posted', detail: `The payout cannot be posted: ${result.code}.`, errors: [{ field: fields[result.code], code: result.code, message: 'cannot be paid out' }] });
    }
  }
}
