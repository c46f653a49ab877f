import { Controller, Get, HttpStatus, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type SqlPool } from '@settle/messaging';
import { AdminOnly, type Clock, CLOCK, JsonSchemaValidationPipe, SQL_POOL } from '@settle/platform';
import { adminProblem } from '../admin-http/problems';
import { identifier } from '../admin-http/schemas';
import { listApprovals, loadApproval } from '../maker-checker/approval-store';
import { approvalView, type ApprovalView } from '../maker-checker/approval-view';
import { type ApprovalStatus } from '../maker-checker/maker-checker';

const approvalStatuses: readonly ApprovalStatus[] = [
  'pending',
  'approved',
  'rejected',
  'expired',
  'failed',
];
const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { status: { enum: approvalStatuses } },
};

/** Movements held for a checker, read before anyone decides (docs/ledger.md, "Maker–checker"): two reads, no handler. Audited. */
@ApiTags('admin')
@Controller('admin/approvals')
export class HeldMovementsController {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @AdminOnly('ledger.admin.approval.list')
  @ApiOperation({
    summary: 'Approvals by status (default pending and not expired: oldest first), at most 100.',
  })
  async list(
    @Query(new JsonSchemaValidationPipe<{ status?: ApprovalStatus }>(listQuerySchema))
    query: {
      status?: ApprovalStatus;
    },
  ): Promise<{ approvals: ApprovalView[] }> {
    const now = this.clock.now().toISOString();
    const approvals = await listApprovals(this.pool, query.status ?? 'pending', now);
    return { approvals: approvals.map((approval) => approvalView(approval, now)) };
  }

  @Get(':approvalId')
  @AdminOnly('ledger.admin.approval.read')
  @ApiOperation({
    summary: 'One held movement: what was asked, by whom, why it waits, and how it ended.',
  })
  async read(
    @Param('approvalId', new JsonSchemaValidationPipe(identifier)) approvalId: string,
  ): Promise<ApprovalView> {
    const approval = await loadApproval(this.pool, approvalId);
    if (approval === null)
      throw adminProblem(
        HttpStatus.NOT_FOUND,
        'APPROVAL_NOT_FOUND',
        'Approval not found',
        'approvalId',
        'names no approval',
      );
    return approvalView(approval, this.clock.now().toISOString());
  }
}
