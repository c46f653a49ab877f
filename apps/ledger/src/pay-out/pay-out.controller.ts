import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AdminActor, AdminActorOf, AdminOnly, JsonSchemaValidationPipe, ProblemException } from '@settle/platform';
import { DataSource } from 'typeorm';
import { type PayoutRecord, type PayoutResult } from './pay-out.decider';
import { type PayoutDismissal, payoutColumns, PayOutHandler, toPayoutRecord } from './pay-out.handler';

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

/** The longest list of payouts one request returns. */
const payoutsListedMax = 100;

interface PayoutView {
  outcome: PayoutResult['outcome'] | PayoutDismissal['outcome'];
  payoutId: string;
  merchantId: string;
  amount: string;
  currency: string;
  status: PayoutRecord['status'];
  requestedBy: string;
  entryId: string | null;
  expiresAt: string;
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
  @AdminOnly('ledger.admin.payout.create', { role: 'maker' })
  @ApiOperation({ summary: 'Pays a merchant out of what it is owed; idempotent by clientKey; above the configured amount or the rolling limits it waits for a checker.' })
  async request(@Body(new JsonSchemaValidationPipe<PayoutRequest>(payoutSchema)) body: PayoutRequest, @AdminActorOf() maker: AdminActor): Promise<PayoutView> {
    return view(await this.handler.request(body, maker), 'clientKey');
  }

  @Post(':payoutId/approval')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.payout.approve', { role: 'checker' })
  @ApiOperation({ summary: 'A checker’s approval of a pending payout (never the operator who requested it, never after its deadline).' })
  async approve(@Param('payoutId', new JsonSchemaValidationPipe(identifier)) payoutId: string, @AdminActorOf() checker: AdminActor): Promise<PayoutView> {
    return view(await this.handler.approve(payoutId, checker), 'payoutId');
  }

  @Post(':payoutId/rejection')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.payout.reject', { role: 'checker' })
  @ApiOperation({ summary: 'A checker’s rejection of a pending payout: nothing is paid; a repeated rejection finds it.' })
  async reject(@Param('payoutId', new JsonSchemaValidationPipe(identifier)) payoutId: string, @AdminActorOf() checker: AdminActor): Promise<PayoutView> {
    const result = await this.handler.reject(payoutId, checker);
    return result.outcome === 'rejected' ? view(result, 'payoutId') : viewOf(result.outcome, result.payout);
  }

  @Get()
  @AdminOnly('ledger.admin.payout.list')
  @ApiOperation({ summary: 'Payouts waiting for a checker and not yet expired, oldest first (at most 100).' })
  async listPending(@Query(new JsonSchemaValidationPipe<Record<string, never>>({ type: 'object', additionalProperties: false, properties: {} })) _query: Record<string, never>): Promise<{ payouts: Omit<PayoutView, 'outcome'>[] }> {
    const rows: Parameters<typeof toPayoutRecord>[0][] = await this.dataSource.query(
      `SELECT ${payoutColumns} FROM ledger_payouts WHERE status = 'pending-approval' AND expires_at > now() ORDER BY requested_at LIMIT ${payoutsListedMax}`,
    );
    return { payouts: rows.map((row) => withoutOutcome(viewOf('pending-approval', toPayoutRecord(row)))) };
  }

  @Get(':payoutId')
  @AdminOnly('ledger.admin.payout.read')
  @ApiOperation({ summary: 'A payout and its state.' })
  async read(@Param('payoutId', new JsonSchemaValidationPipe(identifier)) payoutId: string): Promise<Omit<PayoutView, 'outcome'>> {
    const rows: Parameters<typeof toPayoutRecord>[0][] = await this.dataSource.query(
      `SELECT ${payoutColumns} FROM ledger_payouts WHERE payout_id = $1`,
      [payoutId],
    );
    if (!rows[0]) throw new ProblemException({ status: HttpStatus.NOT_FOUND, code: 'NOT_FOUND', title: 'Not found', detail: `Payout ${payoutId} was not found.` });
    return withoutOutcome(viewOf('duplicate', toPayoutRecord(rows[0])));
  }
}

function withoutOutcome(payout: PayoutView): Omit<PayoutView, 'outcome'> {
  const { outcome: _outcome, ...rest } = payout;
  return rest;
}

function viewOf(outcome: PayoutView['outcome'], payout: PayoutRecord): PayoutView {
  return {
    outcome,
    payoutId: payout.payoutId,
    merchantId: payout.merchantId,
    amount: payout.amount.toString(),
    currency: payout.currency,
    status: payout.status,
    requestedBy: payout.requestedBy,
    entryId: payout.entryId,
    expiresAt: payout.expiresAt,
  };
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
        APPROVAL_EXPIRED: 'payoutId',
        APPROVAL_NOT_PENDING: 'payoutId',
      };
      const statuses: Partial<Record<typeof result.code, number>> = {
        PAYOUT_NOT_FOUND: HttpStatus.NOT_FOUND,
        SECOND_OPERATOR_REQUIRED: HttpStatus.FORBIDDEN,
        APPROVAL_EXPIRED: HttpStatus.CONFLICT,
        APPROVAL_NOT_PENDING: HttpStatus.CONFLICT,
      };
      const status = statuses[result.code] ?? HttpStatus.UNPROCESSABLE_ENTITY;
      throw new ProblemException({ status, code: result.code, title: 'Payout not posted', detail: `The payout cannot be posted: ${result.code}.`, errors: [{ field: fields[result.code], code: result.code, message: 'cannot be paid out' }] });
    }
  }
}
