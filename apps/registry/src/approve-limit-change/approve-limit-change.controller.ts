import { Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AdminOnly,
  AdminOperator,
  currentRequestId,
  JsonSchemaValidationPipe,
} from '@settle/platform';
import { adminProblem, notFound } from '../adapters/admin-problems';
import { uuid } from '../adapters/http-schemas';
import { ApproveLimitChangeHandler } from './approve-limit-change.handler';

/**
 * A checker approves a pending limit change (docs/registry.md, Second operator); audited by @AdminOnly.
 * The role says who may check; the handler that the checker is not the operator who asked.
 */
@ApiTags('admin')
@Controller('admin')
export class ApproveLimitChangeController {
  constructor(private readonly handler: ApproveLimitChangeHandler) {}

  @Post('offline-limit-changes/:changeId/approve')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.offline-limits.approve', { role: 'checker' })
  @ApiOperation({
    summary: 'Applies a pending limit change; only a checker other than the requester may.',
  })
  async approveLimitChange(
    @Param('changeId', new JsonSchemaValidationPipe(uuid)) changeId: string,
    @AdminOperator() operatorId: string,
  ) {
    const result = await this.handler.approve(changeId, operatorId, currentRequestId() ?? null);
    switch (result.outcome) {
      case 'applied':
        return result;
      case 'unknown-change':
        throw notFound(`Change ${changeId}`, 'changeId');
      case 'refused':
        throw result.code === 'SECOND_OPERATOR_REQUIRED'
          ? adminProblem(
              HttpStatus.FORBIDDEN,
              result.code,
              'Second operator required',
              'changeId',
              'must be approved by an operator other than the requester',
            )
          : adminProblem(
              HttpStatus.CONFLICT,
              result.code,
              'Already decided',
              'changeId',
              'was already decided',
            );
    }
  }
}
