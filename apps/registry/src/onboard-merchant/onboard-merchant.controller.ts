import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AdminOnly,
  AdminOperator,
  currentRequestId,
  JsonSchemaValidationPipe,
} from '@settle/platform';
import { createdOrProblem } from '../adapters/admin-problems';
import { merchantSchema } from '../adapters/http-schemas';
import { type NewMerchant, OnboardMerchantHandler } from './onboard-merchant.handler';

/** An operator onboards a merchant (docs/registry.md, Admin API); audited by @AdminOnly. */
@ApiTags('admin')
@Controller('admin')
export class OnboardMerchantController {
  constructor(private readonly handler: OnboardMerchantHandler) {}

  @Post('merchants')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.merchant.create', { role: 'maker' })
  @ApiOperation({
    summary: 'Onboards a merchant (idempotent by merchantId); publishes merchant.onboarded.',
  })
  async createMerchant(
    @Body(new JsonSchemaValidationPipe<NewMerchant>(merchantSchema)) body: NewMerchant,
    @AdminOperator() operatorId: string,
  ) {
    return createdOrProblem(
      await this.handler.onboard(body, operatorId, currentRequestId() ?? null),
      'merchantId',
    );
  }
}
