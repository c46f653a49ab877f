import { Inject, Injectable } from '@nestjs/common';
import { type OfflineCapability } from '@settle/contracts';
import { inTransaction, Outbox, requestCause, type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, SQL_POOL } from '@settle/platform';
import { applyOfflineCommand } from '../adapters/offline-writer';
import { capabilityOf } from '../domain/offline-capability';

export type SetOfflineCapabilityResult =
  | { readonly outcome: 'applied'; readonly capability: OfflineCapability }
  | { readonly outcome: 'unknown-device' };

/**
 * An operator suspends or re-enables a device's offline payments. Only the operator's flag moves: the
 * answer is the resulting capability, still suspended while the account is overdrawn or the key suspended.
 */
@Injectable()
export class SetOfflineCapabilityHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  set(
    deviceId: string,
    capability: OfflineCapability,
    requestId: string | null,
  ): Promise<SetOfflineCapabilityResult> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now().toISOString();
      const state = await applyOfflineCommand(
        sql,
        this.outbox,
        deviceId,
        { kind: 'set-operator-capability', capability },
        requestCause(requestId, now),
      );
      if (!state) return { outcome: 'unknown-device' };
      return { outcome: 'applied', capability: capabilityOf(state) };
    });
  }
}
