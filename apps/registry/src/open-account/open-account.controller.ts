import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AdminOnly,
  AdminOperator,
  currentRequestId,
  JsonSchemaValidationPipe,
} from '@settle/platform';
import { createdOrProblem } from '../adapters/admin-problems';
import { accountSchema } from '../adapters/http-schemas';
import { type NewAccount, OpenAccountHandler } from './open-account.handler';

/** An operator opens a consumer account (docs/registry.md, Admin API); audited by @AdminOnly. */
@ApiTags('admin')
@Controller('admin')
export class OpenAccountController {
  constructor(private readonly handler: OpenAccountHandler) {}

  @Post('accounts')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.account.create', { role: 'maker' })
  @ApiOperation({
    summary: 'Opens a consumer account (idempotent by accountId); publishes account.opened.',
  })
  async createAccount(
    @Body(new JsonSchemaValidationPipe<NewAccount>(accountSchema)) body: NewAccount,
    @AdminOperator() operatorId: string,
  ) {
    return createdOrProblem(
      await this.handler.open(body, operatorId, currentRequestId() ?? null),
      'accountId',
    );
  }
}
