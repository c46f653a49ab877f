import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  type AdminActor,
  AdminActorOf,
  AdminOnly,
  JsonSchemaValidationPipe,
} from '@settle/platform';
import { adminProblem } from '../admin-http/problems';
import { currency, identifier, positiveAmount } from '../admin-http/schemas';
import { type HeldAnswer, makerOnly, movementAnswer } from '../maker-checker/movement-answer';
import { type FundingRejection } from './fund-wallet.decider';
import { type FundingRequest, FundWalletHandler } from './fund-wallet.handler';

/**
 * The bank transfer's id as the bank gives it (a SEPA end-to-end id is at most 35 of these
 * characters): 1–64 characters, letters, digits and `. _ : / -`, starting with a letter or digit.
 * ASCII only, so comparing without case means the same in the decider and in PostgreSQL.
 */
const externalReference = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$',
} as const;

const fundingSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['clientKey', 'consumerAccountId', 'amount', 'currency', 'externalReference'],
  properties: {
    clientKey: identifier,
    consumerAccountId: identifier,
    amount: positiveAmount,
    currency,
    externalReference,
  },
};

const rejectedFields: Record<FundingRejection, string> = {
  UNKNOWN_ACCOUNT: 'consumerAccountId',
  CURRENCY_MISMATCH: 'currency',
  AMOUNT_OUT_OF_RANGE: 'amount',
  BALANCE_OUT_OF_RANGE: 'amount',
  EXTERNAL_REFERENCE_USED: 'externalReference',
  EXTERNAL_REFERENCE_PENDING: 'externalReference',
};

/** A reference another funding credited (or holds, waiting for a checker) is a conflict with stored state (409, like a reused key); the rest cannot be funded (422). */
function refusal(code: FundingRejection) {
  if (code === 'EXTERNAL_REFERENCE_USED')
    return adminProblem(
      HttpStatus.CONFLICT,
      code,
      'Funding rejected',
      rejectedFields[code],
      'was already credited to this account by another funding',
    );
  if (code === 'EXTERNAL_REFERENCE_PENDING')
    return adminProblem(
      HttpStatus.CONFLICT,
      code,
      'Funding rejected',
      rejectedFields[code],
      'is claimed by another funding of this account that waits for a checker',
    );
  return adminProblem(
    HttpStatus.UNPROCESSABLE_ENTITY,
    code,
    'Funding rejected',
    rejectedFields[code],
    'cannot be funded',
  );
}

/** An operator tops up a wallet (docs/ledger.md, "Admin API"); audited, under maker–checker. */
@ApiTags('admin')
@Controller('admin')
export class FundWalletController {
  constructor(private readonly handler: FundWalletHandler) {}

  @Post('fundings')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.funding.create', { role: 'maker' })
  @ApiOperation({
    summary:
      'Tops up a wallet; idempotent by clientKey (the same key with other content is 409); externalReference (the bank transfer id) credits an account once (409 EXTERNAL_REFERENCE_USED, or EXTERNAL_REFERENCE_PENDING while another funding of it waits for a checker); above the limits it waits for a checker (outcome pending-approval).',
  })
  async fund(
    @Body(new JsonSchemaValidationPipe<FundingRequest>(fundingSchema)) body: FundingRequest,
    @AdminActorOf() maker: AdminActor,
  ): Promise<{ outcome: 'posted' | 'duplicate'; entryId: string } | HeldAnswer> {
    const result = await this.handler.fund(body, makerOnly(maker), maker.requestId);
    return movementAnswer(result, 'clientKey', refusal);
  }
}
