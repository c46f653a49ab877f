import { Body, Controller, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, AdminOperator, JsonSchemaValidationPipe } from '@settle/platform';
import { notFound } from '../adapters/admin-problems';
import { enrolmentCodeRequestSchema } from '../adapters/http-schemas';
import { type EnrolmentSubject } from '../domain/enrolment-code';
import { IssueEnrolmentCodeHandler } from './issue-enrolment-code.handler';

/** An operator issues an enrolment code (docs/registry.md, Enrolment); audited by @AdminOnly. */
@ApiTags('admin')
@Controller('admin')
export class IssueEnrolmentCodeController {
  constructor(private readonly handler: IssueEnrolmentCodeHandler) {}

  @Post('enrolment-codes')
  @AdminOnly('registry.admin.enrolment-code.issue', { role: 'maker' })
  @ApiOperation({
    summary:
      'Issues a single-use, expiring enrolment code for one device or one terminal; the code is shown only in this answer, with the id that revokes it.',
  })
  async issueEnrolmentCode(
    @Body(new JsonSchemaValidationPipe<{ subject: EnrolmentSubject }>(enrolmentCodeRequestSchema))
    body: { subject: EnrolmentSubject },
    @AdminOperator() operatorId: string,
  ) {
    const result = await this.handler.issue(body.subject, operatorId);
    if (result.outcome === 'unknown-subject')
      throw notFound(`${body.subject.kind} ${body.subject.id}`, 'subject.id');
    return {
      codeId: result.codeId,
      code: result.code,
      subject: body.subject,
      expiresAt: result.expiresAt,
    };
  }
}
