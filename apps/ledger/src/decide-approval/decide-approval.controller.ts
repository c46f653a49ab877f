import { Controller, HttpCode, HttpStatus, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  type AdminActor,
  AdminActorOf,
  AdminOnly,
  type Clock,
  CLOCK,
  JsonSchemaValidationPipe,
} from '@settle/platform';
import { adminProblem } from '../admin-http/problems';
import { identifier } from '../admin-http/schemas';
import { approvalView, type ApprovalView } from '../maker-checker/approval-view';
import { type ApprovalDecision, DecideApprovalHandler } from './decide-approval.handler';

/** A checker approves or rejects a held movement (docs/ledger.md, "Maker–checker"). Audited. */
@ApiTags('admin')
@Controller('admin/approvals')
export class DecideApprovalController {
  constructor(
    private readonly handler: DecideApprovalHandler,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post(':approvalId/approval')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.approval.approve', { role: 'checker' })
  @ApiOperation({
    summary:
      'A checker other than the maker approves: the movement posts once; a repeated approval finds it.',
  })
  async approve(
    @Param('approvalId', new JsonSchemaValidationPipe(identifier)) approvalId: string,
    @AdminActorOf() checker: AdminActor,
  ): Promise<{ outcome: 'approved' | 'duplicate'; approval: ApprovalView }> {
    return this.answer(await this.handler.approve(approvalId, checker));
  }

  @Post(':approvalId/rejection')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.approval.reject', { role: 'checker' })
  @ApiOperation({
    summary: 'A checker rejects a pending movement: nothing posts; a repeated rejection finds it.',
  })
  async reject(
    @Param('approvalId', new JsonSchemaValidationPipe(identifier)) approvalId: string,
    @AdminActorOf() checker: AdminActor,
  ): Promise<{ outcome: 'rejected' | 'duplicate'; approval: ApprovalView }> {
    return this.answer(await this.handler.reject(approvalId, checker));
  }

  private answer<Outcome extends 'approved' | 'rejected'>(
    decision: ApprovalDecision,
  ): { outcome: Outcome | 'duplicate'; approval: ApprovalView } {
    if (decision.outcome === 'refused' || decision.outcome === 'failed') throw refusal(decision);
    return {
      outcome: decision.repeated ? 'duplicate' : (decision.outcome as Outcome),
      approval: approvalView(decision.approval, this.clock.now().toISOString()),
    };
  }
}

const refusalStatuses = {
  APPROVAL_NOT_FOUND: HttpStatus.NOT_FOUND,
  APPROVAL_NOT_PENDING: HttpStatus.CONFLICT,
  APPROVAL_EXPIRED: HttpStatus.CONFLICT,
  SECOND_OPERATOR_REQUIRED: HttpStatus.FORBIDDEN,
} as const;

function refusal(decision: Extract<ApprovalDecision, { outcome: 'refused' | 'failed' }>) {
  if (decision.outcome === 'failed') {
    // The approval was recorded, but the movement can no longer post: the decider's code.
    const code = decision.approval.outcomeCode ?? 'APPROVAL_FAILED';
    return adminProblem(
      HttpStatus.UNPROCESSABLE_ENTITY,
      code,
      'Approved movement not posted',
      'approvalId',
      'can no longer post',
    );
  }
  return adminProblem(
    refusalStatuses[decision.code],
    decision.code,
    'Approval refused',
    'approvalId',
    'cannot be decided this way',
  );
}
