import { Inject, Injectable } from '@nestjs/common';
import { type OfflineLimitV1 } from '@settle/contracts';
import { inTransaction, Outbox, requestCause, type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, SQL_POOL } from '@settle/platform';
import { applyOfflineCommand } from '../adapters/offline-writer';
import { type ApprovalRefusal, decideApproval } from '../domain/offline-capability';

export type ApproveLimitChangeResult =
  | {
      readonly outcome: 'applied';
      readonly deviceId: string;
      readonly limits: readonly OfflineLimitV1[];
    }
  | { readonly outcome: 'refused'; readonly code: ApprovalRefusal }
  | { readonly outcome: 'unknown-change' };

/**
 * A second operator applies a pending limit change (set-offline-limits/). The change row is locked, so
 * two approvals racing decide once; the requester may not approve (domain and table constraint).
 */
@Injectable()
export class ApproveLimitChangeHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  approve(
    changeId: string,
    operatorId: string,
    requestId: string | null,
  ): Promise<ApproveLimitChangeResult> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now().toISOString();
      const { rows } = await sql.query<{
        device_id: string;
        limits: OfflineLimitV1[];
        requested_by: string;
        decided_at: Date | null;
      }>(
        'SELECT device_id, limits, requested_by, decided_at FROM registry_offline_limit_changes WHERE change_id = $1 FOR UPDATE',
        [changeId],
      );
      const change = rows[0];
      if (!change) return { outcome: 'unknown-change' };
      const approval = decideApproval(
        { requestedBy: change.requested_by, decidedAt: change.decided_at?.toISOString() ?? null },
        operatorId,
      );
      if (!approval.ok) return { outcome: 'refused', code: approval.code };
      await sql.query(
        `UPDATE registry_offline_limit_changes SET status = 'approved', decided_by = $2, decided_at = $3 WHERE change_id = $1`,
        [changeId, operatorId, now],
      );
      const applied = await applyOfflineCommand(
        sql,
        this.outbox,
        change.device_id,
        { kind: 'set-limits', limits: change.limits },
        requestCause(requestId, now),
      );
      return {
        outcome: 'applied',
        deviceId: change.device_id,
        limits: applied?.limits ?? change.limits,
      };
    });
  }
}
