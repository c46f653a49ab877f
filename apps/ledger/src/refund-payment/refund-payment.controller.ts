import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  type AdminActor,
  AdminActorOf,
  AdminOnly,
  JsonSchemaValidationPipe,
} from '@settle/platform';
import { adminProblem } from '../admin-http/problems';
import { identifier, positiveAmount } from '../admin-http/schemas';
import { type HeldAnswer, makerOnly, movementAnswer } from '../maker-checker/movement-answer';
import { type UndoRejection } from './refund-payment.decider';
import { type RefundRequest, RefundPaymentHandler } from './refund-payment.handler';

const refundSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['clientKey', 'originalEntryId', 'amount'],
  properties: { clientKey: identifier, originalEntryId: identifier, amount: positiveAmount },
};

/** Refunds and reversals of settled payments (docs/ledger.md, "Refunds and reversals"). Audited. */
@ApiTags('admin')
@Controller('admin')
export class RefundPaymentController {
  constructor(private readonly handler: RefundPaymentHandler) {}

  @Post('refunds')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.refund.create', { role: 'maker' })
  @ApiOperation({
    summary:
      'Refunds part or all of a settled payment (never more than what is left); idempotent by clientKey; above the limits it waits for a checker.',
  })
  async refund(
    @Body(new JsonSchemaValidationPipe<RefundRequest>(refundSchema)) body: RefundRequest,
    @AdminActorOf() maker: AdminActor,
  ): Promise<{ outcome: 'posted' | 'duplicate'; entryId: string } | HeldAnswer> {
    return movementAnswer(
      await this.handler.refund(body, makerOnly(maker), maker.requestId),
      'clientKey',
      (code) => undoRefused(code, 'originalEntryId'),
    );
  }

  @Post('entries/:entryId/reversal')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.reversal.create', { role: 'maker' })
  @ApiOperation({
    summary:
      'Reverses a payment posted in error (every posting on the other side); a second call finds the first reversal; above the limits it waits for a checker.',
  })
  async reverse(
    @Param('entryId', new JsonSchemaValidationPipe(identifier)) entryId: string,
    @AdminActorOf() maker: AdminActor,
  ): Promise<{ outcome: 'posted' | 'duplicate'; entryId: string } | HeldAnswer> {
    return movementAnswer(
      await this.handler.reverse(entryId, makerOnly(maker), maker.requestId),
      'entryId',
      (code) => undoRefused(code, 'entryId'),
    );
  }
}

const amountRefusals: readonly UndoRejection[] = [
  'AMOUNT_OUT_OF_RANGE',
  'REFUND_EXCEEDS_REMAINING',
  'BALANCE_OUT_OF_RANGE',
];

/** The refused undo as a problem naming a refund's amount, or the payment (`originalField`) it would undo. */
function undoRefused(code: UndoRejection, originalField: 'originalEntryId' | 'entryId') {
  const field =
    originalField === 'originalEntryId' && amountRefusals.includes(code) ? 'amount' : originalField;
  const status =
    code === 'ORIGINAL_NOT_FOUND' ? HttpStatus.NOT_FOUND : HttpStatus.UNPROCESSABLE_ENTITY;
  return adminProblem(status, code, 'Not posted', field, 'cannot be undone this way');
}
