import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type OfflineLimitV1 } from '@settle/contracts';
import { inTransaction, Outbox, requestCause, type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, SERVICE_CONFIG, SQL_POOL } from '@settle/platform';
import { applyOfflineCommand } from '../adapters/offline-writer';
import { loadDeviceOffline } from '../adapters/postgres/registry-store';
import { type RegistrySettings } from '../config';
import { limitsNeedSecondOperator } from '../domain/offline-capability';

export type SetOfflineLimitsResult =
  | { readonly outcome: 'applied'; readonly limits: readonly OfflineLimitV1[] }
  | { readonly outcome: 'pending-approval'; readonly changeId: string }
  | { readonly outcome: 'unknown-device' };

/**
 * Applies a device's new limits at once, or (any cap above SETTLE_REGISTRY_LIMIT_APPROVAL_THRESHOLD)
 * records a change a second operator must approve (approve-limit-change/).
 */
@Injectable()
export class SetOfflineLimitsHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: RegistrySettings,
  ) {}

  set(
    deviceId: string,
    limits: readonly OfflineLimitV1[],
    operatorId: string,
    requestId: string | null,
  ): Promise<SetOfflineLimitsResult> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now().toISOString();
      const device = await loadDeviceOffline(sql, deviceId);
      if (!device) return { outcome: 'unknown-device' };
      if (
        limitsNeedSecondOperator(
          limits,
          BigInt(this.config.SETTLE_REGISTRY_LIMIT_APPROVAL_THRESHOLD),
        )
      ) {
        const changeId = randomUUID();
        await sql.query(
          `INSERT INTO registry_offline_limit_changes (change_id, device_id, limits, requested_by, requested_at, status) VALUES ($1, $2, $3, $4, $5, 'pending')`,
          [changeId, deviceId, JSON.stringify(limits), operatorId, now],
        );
        return { outcome: 'pending-approval', changeId };
      }
      const applied = await applyOfflineCommand(
        sql,
        this.outbox,
        deviceId,
        { kind: 'set-limits', limits },
        requestCause(requestId, now),
      );
      return { outcome: 'applied', limits: applied?.limits ?? limits };
    });
  }
}
