import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AdminActor, AdminActorOf, AdminOnly, JsonSchemaValidationPipe } from '@settle/platform';
import { adminProblem } from '../admin-http/problems';
import { currency, identifier, positiveAmount } from '../admin-http/schemas';
import { type HeldAnswer, makerOnly, movementAnswer } from '../maker-checker/movement-answer';
import { type FundingRejection } from './fund-wallet.decider';
import { type FundingRequest, FundWalletHandler } from './fund-wallet.handler';

const fundingSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['clientKey', 'consumerAccountId', 'amount', 'currency'],
  properties: { clientKey: identifier, consumerAccountId: identifier, amount: positiveAmount, currency },
};

const rejectedFields: Record<FundingRejection, string> = {
  UNKNOWN_ACCOUNT: 'consumerAccountId',
  CURRENCY_MISMATCH: 'currency',
  AMOUNT_OUT_OF_RANGE: 'amount',
  BALANCE_OUT_OF_RANGE: 'amount',
};

/** An operator tops up a wallet (docs/ledger.md, "Admin API"); audited, under maker–checker. */
@ApiTags('admin')
@Controller('admin')
export class FundWalletController {
  constructor(private readonly handler: FundWalletHandler) {}

  @Post('fundings')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.funding.create', { role: 'maker' })
  @ApiOperation({ summary: 'Tops up a wallet; idempotent by clientKey (the same key with other content is 409); above the limits it waits for a checker (outcome pending-approval).' })
  async fund(@Body(new JsonSchemaValidationPipe<FundingRequest>(fundingSchema)) body: FundingRequest, @AdminActorOf() maker: AdminActor): Promise<{ outcome: 'posted' | 'duplicate'; entryId: string } | HeldAnswer> {
    const result = await this.handler.fund(body, makerOnly(maker), maker.requestId);
    return movementAnswer(result, 'clientKey', (code) => adminProblem(HttpStatus.UNPROCESSABLE_ENTITY, code, 'Funding rejected', rejectedFields[code], 'cannot be funded'));
  }
}
