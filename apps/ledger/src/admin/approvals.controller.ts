import { Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type SqlPool } from '@settle/messaging';
import { type AdminActor, AdminActorOf, AdminOnly, type Clock, CLOCK, JsonSchemaValidationPipe, ProblemException, SQL_POOL } from '@settle/platform';
import { type ApprovalDecision, ApprovalsHandler, listApprovals, loadApproval } from './approvals.handler';
import { type ApprovalRecord } from './maker-checker';

const identifier = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const approvalStatuses = ['pending', 'approved', 'rejected', 'expired', 'failed'] as const;

/** What an operator sees of a held movement, before and after it is decided. */
export interface ApprovalView {
  approvalId: string;
  kind: ApprovalRecord['kind'];
  /** `expired` as soon as the deadline passed, even before anyone touched the row. */
  status: ApprovalRecord['status'];
  reasons: readonly string[];
  request: Readonly<Record<string, string>>;
  amount: string;
  currency: string;
  account: string;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  outcomeCode: string | null;
  entryId: string | null;
}

export function approvalView(approval: ApprovalRecord, now: string): ApprovalView {
  const lapsed = approval.status === 'pending' && Date.parse(approval.expiresAt) <= Date.parse(now);
  return {
    approvalId: approval.approvalId,
    kind: approval.kind,
    status: lapsed ? 'expired' : approval.status,
    reasons: approval.reasons,
    request: approval.command,
    amount: approval.amount.toString(),
    currency: approval.currency,
    account: approval.accountKey,
    requestedBy: approval.maker.operatorId,
    requestedAt: approval.requestedAt,
    expiresAt: approval.expiresAt,
    decidedBy: approval.checker?.operatorId ?? null,
    decidedAt: approval.decidedAt,
    outcomeCode: approval.outcomeCode,
    entryId: approval.entryId,
  };
}

/** Movements held for a second operator (docs/ledger.md, "Admin"): list, read, approve, reject. Audited. */
@ApiTags('admin')
@Controller('admin/approvals')
export class ApprovalsController {
  constructor(
    private readonly handler: ApprovalsHandler,
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @AdminOnly('ledger.admin.approval.list')
  @ApiOperation({ summary: 'Approvals by status (default pending and not expired: oldest first), at most 100.' })
  async list(
    @Query(new JsonSchemaValidationPipe<{ status?: ApprovalRecord['status'] }>({ type: 'object', additionalProperties: false, properties: { status: { enum: approvalStatuses } } }))
    query: { status?: ApprovalRecord['status'] },
  ): Promise<{ approvals: ApprovalView[] }> {
    const now = this.clock.now().toISOString();
    const approvals = await listApprovals(this.pool, query.status ?? 'pending', now);
    return { approvals: approvals.map((approval) => approvalView(approval, now)) };
  }

  @Get(':approvalId')
  @AdminOnly('ledger.admin.approval.read')
  @ApiOperation({ summary: 'One held movement: what was asked, by whom, why it waits, and how it ended.' })
  async read(@Param('approvalId', new JsonSchemaValidationPipe(identifier)) approvalId: string): Promise<ApprovalView> {
    const approval = await loadApproval(this.pool, approvalId);
    if (approval === null) throw refusal({ outcome: 'refused', code: 'APPROVAL_NOT_FOUND', approval });
    return approvalView(approval, this.clock.now().toISOString());
  }

  @Post(':approvalId/approval')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.approval.approve', { role: 'checker' })
  @ApiOperation({ summary: 'A checker other than the maker approves: the movement posts once; a repeated approval finds it.' })
  async approve(@Param('approvalId', new JsonSchemaValidationPipe(identifier)) approvalId: string, @AdminActorOf() checker: AdminActor): Promise<{ outcome: 'approved' | 'duplicate'; approval: ApprovalView }> {
    return this.answer(await this.handler.approve(approvalId, checker));
  }

  @Post(':approvalId/rejection')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.approval.reject', { role: 'checker' })
  @ApiOperation({ summary: 'A checker rejects a pending movement: nothing posts; a repeated rejection finds it.' })
  async reject(@Param('approvalId', new JsonSchemaValidationPipe(identifier)) approvalId: string, @AdminActorOf() checker: AdminActor): Promise<{ outcome: 'rejected' | 'duplicate'; approval: ApprovalView }> {
    return this.answer(await this.handler.reject(approvalId, checker));
  }

  private answer<Outcome extends 'approved' | 'rejected'>(decision: ApprovalDecision): { outcome: Outcome | 'duplicate'; approval: ApprovalView } {
    if (decision.outcome === 'refused' || decision.outcome === 'failed') throw refusal(decision);
    return { outcome: decision.repeated ? 'duplicate' : (decision.outcome as Outcome), approval: approvalView(decision.approval, this.clock.now().toISOString()) };
  }
}

function refusal(decision: Extract<ApprovalDecision, { outcome: 'refused' | 'failed' }>): ProblemException {
  if (decision.outcome === 'failed') {
    const code = decision.approval.outcomeCode ?? 'APPROVAL_FAILED';
    return new ProblemException({ status: HttpStatus.UNPROCESSABLE_ENTITY, code, title: 'Approved movement not posted', detail: `The approval was recorded but the movement can no longer post: ${code}.`, errors: [{ field: 'approvalId', code, message: 'can no longer post' }] });
  }
  const statuses = { APPROVAL_NOT_FOUND: HttpStatus.NOT_FOUND, APPROVAL_NOT_PENDING: HttpStatus.CONFLICT, APPROVAL_EXPIRED: HttpStatus.CONFLICT, SECOND_OPERATOR_REQUIRED: HttpStatus.FORBIDDEN } as const;
  const detail = decision.approval ? `Approval ${decision.approval.approvalId} is ${decision.approval.status}: ${decision.code}.` : 'No such approval.';
  return new ProblemException({ status: statuses[decision.code], code: decision.code, title: 'Approval refused', detail, errors: [{ field: 'approvalId', code: decision.code, message: 'cannot be decided this way' }] });
}
