import { Inject, Injectable } from '@nestjs/common';
import { inTransaction, type SqlExecutor, type SqlPool } from '@settle/messaging';
import { type AdminActor, type Clock, CLOCK, SQL_POOL } from '@settle/platform';
import { assert } from '../domain/assert';
import { FundWalletHandler } from '../fund-wallet/fund-wallet.handler';
import { decideApproval, loadApproval } from '../maker-checker/approval-store';
import {
  type ApprovalRecord,
  type KeyConflict,
  type MovementActors,
  recordBusinessFields,
  type Gated,
} from '../maker-checker/maker-checker';
import { PayOutHandler } from '../pay-out/pay-out.handler';
import { RefundPaymentHandler } from '../refund-payment/refund-payment.handler';

/** Why an approval or rejection was refused. Closed set, append-only. */
export type ApprovalRefusal =
  'APPROVAL_NOT_FOUND' | 'APPROVAL_NOT_PENDING' | 'APPROVAL_EXPIRED' | 'SECOND_OPERATOR_REQUIRED';

export type ApprovalDecision =
  /** `repeated`: the same decision was taken before (approve and reject are idempotent). */
  | {
      readonly outcome: 'approved' | 'rejected';
      readonly approval: ApprovalRecord;
      readonly repeated: boolean;
    }
  /** Approved, but the movement can no longer post (e.g. more than is left to refund): status failed. */
  | { readonly outcome: 'failed'; readonly approval: ApprovalRecord }
  | {
      readonly outcome: 'refused';
      readonly code: ApprovalRefusal;
      readonly approval: ApprovalRecord | null;
    };

/**
 * A checker's decisions on held movements, each in one transaction holding the approval's row lock:
 * two checkers approving at once wait for each other and the second finds it approved, so an
 * approval posts exactly once. An approval replays the maker's request through the same handler
 * (decided again under the partition lock, with today's balances), recording both operators.
 */
@Injectable()
export class DecideApprovalHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly fundWallet: FundWalletHandler,
    private readonly refunds: RefundPaymentHandler,
    private readonly payouts: PayOutHandler,
  ) {}

  approve(approvalId: string, checker: AdminActor): Promise<ApprovalDecision> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now().toISOString();
      const approval = await loadApproval(sql, approvalId, true);
      if (approval === null) return { outcome: 'refused', code: 'APPROVAL_NOT_FOUND', approval };
      if (approval.status === 'approved') return { outcome: 'approved', approval, repeated: true };
      if (approval.status !== 'pending')
        return { outcome: 'refused', code: 'APPROVAL_NOT_PENDING', approval };
      if (Date.parse(now) >= Date.parse(approval.expiresAt)) {
        return {
          outcome: 'refused',
          code: 'APPROVAL_EXPIRED',
          approval: await decideApproval(sql, approvalId, {
            status: 'expired',
            checker: null,
            now,
          }),
        };
      }
      if (checker.operatorId === approval.maker.operatorId)
        return { outcome: 'refused', code: 'SECOND_OPERATOR_REQUIRED', approval };
      const actors: MovementActors = {
        maker: approval.maker,
        checker: { operatorId: checker.operatorId, auditId: checker.auditId, approvalId },
      };
      const posted = await this.carryOut(sql, approval, actors, checker.requestId);
      if (posted.entryId === undefined) {
        await recordBusinessFields(sql, checker.auditId, approval, { entryId: null, approvalId });
        return {
          outcome: 'failed',
          approval: await decideApproval(sql, approvalId, {
            status: 'failed',
            checker,
            now,
            outcomeCode: posted.code,
          }),
        };
      }
      return {
        outcome: 'approved',
        approval: await decideApproval(sql, approvalId, {
          status: 'approved',
          checker,
          now,
          entryId: posted.entryId,
        }),
        repeated: false,
      };
    });
  }

  reject(approvalId: string, checker: AdminActor): Promise<ApprovalDecision> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now().toISOString();
      const approval = await loadApproval(sql, approvalId, true);
      if (approval === null) return { outcome: 'refused', code: 'APPROVAL_NOT_FOUND', approval };
      if (approval.status === 'rejected') return { outcome: 'rejected', approval, repeated: true };
      if (approval.status !== 'pending')
        return { outcome: 'refused', code: 'APPROVAL_NOT_PENDING', approval };
      await recordBusinessFields(sql, checker.auditId, approval, { entryId: null, approvalId });
      return {
        outcome: 'rejected',
        approval: await decideApproval(sql, approvalId, { status: 'rejected', checker, now }),
        repeated: false,
      };
    });
  }

  /** Replays the maker's request with the checker's approval; the entry id, or why nothing posted. */
  private async carryOut(
    sql: SqlExecutor,
    approval: ApprovalRecord,
    actors: MovementActors,
    requestId: string,
  ): Promise<{ entryId?: string; code: string }> {
    const result = await this.replay(sql, approval, actors, requestId);
    assert(result.outcome !== 'pending-approval', 'an approved movement is never held again');
    switch (result.outcome) {
      case 'posted':
        return { entryId: result.entry.entryId, code: 'POSTED' };
      case 'duplicate':
        return { code: 'ALREADY_POSTED' };
      case 'rejected':
        return { code: result.code };
    }
  }

  private replay(
    sql: SqlExecutor,
    approval: ApprovalRecord,
    actors: MovementActors,
    requestId: string,
  ): Promise<
    Gated<
      | { outcome: 'posted'; entry: { entryId: string } }
      | { outcome: 'duplicate' }
      | { outcome: 'rejected'; code: string }
      | KeyConflict
    >
  > {
    const field = (name: string): string => {
      const value = approval.command[name];
      assert(value !== undefined, `a held ${approval.kind} names its ${name}`);
      return value;
    };
    switch (approval.kind) {
      case 'funding': {
        // Held before ledger migration 0008, a funding named no bank transfer: it cannot post unchecked, the maker asks again with one.
        const externalReference = approval.command['externalReference'];
        if (externalReference === undefined)
          return Promise.resolve({ outcome: 'rejected', code: 'EXTERNAL_REFERENCE_REQUIRED' });
        return this.fundWallet.fundIn(
          sql,
          {
            clientKey: field('clientKey'),
            consumerAccountId: field('consumerAccountId'),
            amount: field('amount'),
            currency: field('currency'),
            externalReference,
          },
          actors,
          requestId,
        );
      }
      case 'refund':
        return this.refunds.refundIn(
          sql,
          {
            clientKey: field('clientKey'),
            originalEntryId: field('originalEntryId'),
            amount: field('amount'),
          },
          actors,
          requestId,
        );
      case 'reversal':
        return this.refunds.reverseIn(sql, field('originalEntryId'), actors, requestId);
      case 'payout':
        return this.payouts.payOutIn(
          sql,
          {
            clientKey: field('clientKey'),
            merchantId: field('merchantId'),
            amount: field('amount'),
            currency: field('currency'),
          },
          actors,
        );
    }
  }
}
