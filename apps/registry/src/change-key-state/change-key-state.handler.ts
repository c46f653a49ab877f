import { Inject, Injectable } from '@nestjs/common';
import { keyLifecycleChangedV1 } from '@settle/contracts';
import { inTransaction, Outbox, requestCause, type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, SQL_POOL } from '@settle/platform';
import { applyOfflineCommand } from '../adapters/offline-writer';
import { keyPayload, loadKeys, saveHistories } from '../adapters/postgres/registry-store';
import { registryEvent } from '../adapters/registry-events';
import {
  currentState,
  decideKeyTransition,
  type KeyCommand,
  type KeyTransitionRefusal,
} from '../domain/key-lifecycle';
import { offlineCommandForKeyChange } from '../domain/offline-capability';

export type ChangeKeyStateResult =
  | { readonly outcome: 'changed' | 'unchanged'; readonly key: ReturnType<typeof keyPayload> }
  | { readonly outcome: 'refused'; readonly code: KeyTransitionRefusal; readonly state: string }
  | { readonly outcome: 'unknown-key' };

/**
 * An operator suspends, reactivates or revokes a key: its whole history in key.lifecycle-changed, and
 * for a device's payment key the device's offline capability follows, in the same transaction.
 */
@Injectable()
export class ChangeKeyStateHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  change(
    keyId: string,
    command: KeyCommand,
    requestId: string | null,
  ): Promise<ChangeKeyStateResult> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now().toISOString();
      const [key] = await loadKeys(sql, [keyId]);
      if (!key) return { outcome: 'unknown-key' };
      const result = decideKeyTransition(key.history, command, now);
      if (result.outcome === 'refused') return result;
      const changed = { ...key, history: result.history };
      if (result.outcome === 'changed') {
        const cause = requestCause(requestId, now);
        await saveHistories(sql, [changed]);
        await this.outbox.append(sql, [
          registryEvent(keyLifecycleChangedV1, keyPayload(changed), cause),
        ]);
        const offline = offlineCommandForKeyChange(
          key,
          currentState(changed.history),
          currentState(key.history),
        );
        if (offline) await applyOfflineCommand(sql, this.outbox, key.owner.id, offline, cause);
      }
      return { outcome: result.outcome, key: keyPayload(changed) };
    });
  }
}
