import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AdminActor, AdminActorOf, AdminOnly, JsonSchemaValidationPipe, ProblemException } from '@settle/platform';
import { heldAnswer, type HeldAnswer, makerOnly } from '../admin/held-answer';
import { type Gated } from '../admin/maker-checker';
import { type UndoResult } from './refund-payment.decider';
import { RefundPaymentHandler } from './refund-payment.handler';

const identifier = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;

interface RefundRequest {
  clientKey: string;
  originalEntryId: string;
  amount: string;
}
const refundSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['clientKey', 'originalEntryId', 'amount'],
  properties: { clientKey: identifier, originalEntryId: identifier, amount: { type: 'string', pattern: '^[1-9][0-9]{0,18}$' } },
};

/** Refunds and reversals of settled payments (docs/ledger.md, "Refunds and reversals"). Audited. */
@ApiTags('admin')
@Controller('admin')
export class RefundPaymentController {
  constructor(private readonly handler: RefundPaymentHandler) {}

  @Post('refunds')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.refund.create', { role: 'maker' })
  @ApiOperation({ summary: 'Refunds part or all of a settled payment (never more than what is left); idempotent by clientKey; above the limits it waits for a checker.' })
  async refund(@Body(new JsonSchemaValidationPipe<RefundRequest>(refundSchema)) body: RefundRequest, @AdminActorOf() maker: AdminActor): Promise<{ outcome: 'posted' | 'duplicate'; entryId: string } | HeldAnswer> {
    return answer(await this.handler.refund(body, makerOnly(maker), maker.requestId), 'clientKey');
  }

  @Post('entries/:entryId/reversal')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.reversal.create', { role: 'maker' })
  @ApiOperation({ summary: 'Reverses a payment posted in error (every posting on the other side); a second call finds the first reversal; above the limits it waits for a checker.' })
  async reverse(@Param('entryId', new JsonSchemaValidationPipe(identifier)) entryId: string, @AdminActorOf() maker: AdminActor): Promise<{ outcome: 'posted' | 'duplicate'; entryId: string } | HeldAnswer> {
    return answer(await this.handler.reverse(entryId, makerOnly(maker), maker.requestId), 'entryId');
  }
}

function answer(result: Gated<UndoResult>, keyField: string): { outcome: 'posted' | 'duplicate'; entryId: string } | HeldAnswer {
  switch (result.outcome) {
    case 'pending-approval':
      return heldAnswer(result);
    case 'posted':
      return { outcome: 'posted', entryId: result.entry.entryId };
    case 'duplicate':
      if (result.conflicting) {
        throw new ProblemException({ status: HttpStatus.CONFLICT, code: 'IDEMPOTENCY_KEY_REUSED', title: 'Client key reused', detail: `This ${keyField} was used for a different request.`, errors: [{ field: keyField, code: 'IDEMPOTENCY_KEY_REUSED', message: 'was used for a different request' }] });
      }
      return { outcome: 'duplicate', entryId: result.entryId };
    case 'rejected': {
      const field = result.code === 'AMOUNT_OUT_OF_RANGE' || result.code === 'REFUND_EXCEEDS_REMAINING' ? 'amount' : keyField === 'entryId' ? 'entryId' : 'originalEntryId';
      const status = result.code === 'ORIGINAL_NOT_FOUND' ? HttpStatus.NOT_FOUND : HttpStatus.UNPROCESSABLE_ENTITY;
      throw new ProblemException({ status, code: result.code, title: 'Not posted', detail: `The entry cannot be posted: ${result.code}.`, errors: [{ field, code: result.code, message: 'cannot be undone this way' }] });
    }
  }
}
