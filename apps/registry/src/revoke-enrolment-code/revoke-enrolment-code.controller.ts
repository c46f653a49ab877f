import { Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, AdminOperator, JsonSchemaValidationPipe } from '@settle/platform';
import { adminProblem, notFound } from '../adapters/admin-problems';
import { uuid } from '../adapters/http-schemas';
import { RevokeEnrolmentCodeHandler } from './revoke-enrolment-code.handler';

/** An operator revokes an unused enrolment code by its id (docs/registry.md, Enrolment); audited by @AdminOnly. */
@ApiTags('admin')
@Controller('admin')
export class RevokeEnrolmentCodeController {
  constructor(private readonly handler: RevokeEnrolmentCodeHandler) {}

  @Post('enrolment-codes/:codeId/revoke')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.enrolment-code.revoke', { role: 'maker' })
  @ApiOperation({
    summary:
      'Revokes an unused enrolment code: it obtains no challenge and registers no key from now on (410 ENROLMENT_CODE_REVOKED).',
  })
  async revoke(
    @Param('codeId', new JsonSchemaValidationPipe(uuid)) codeId: string,
    @AdminOperator() operatorId: string,
  ) {
    const result = await this.handler.revoke(codeId, operatorId);
    switch (result.outcome) {
      case 'unknown-code':
        throw notFound(`Enrolment code ${codeId}`, 'codeId');
      case 'refused':
        throw adminProblem(
          HttpStatus.CONFLICT,
          result.code,
          'Enrolment code not revoked',
          'codeId',
          'the code was already used to register keys; revoke those keys instead',
        );
      case 'revoked':
      case 'unchanged':
        return { outcome: result.outcome, codeId: result.codeId, revokedAt: result.revokedAt };
    }
  }
}
