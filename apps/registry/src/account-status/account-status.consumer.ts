import { Inject, Injectable } from '@nestjs/common';
import {
  eventCause,
  type EventConsumer,
  type EventsOf,
  Outbox,
  type SqlExecutor,
  unexpectedEvent,
} from '@settle/messaging';
import { type Clock, CLOCK } from '@settle/platform';
import { loadAccountDevicesOffline, saveDeviceOffline } from '../adapters/postgres/registry-store';
import { offlineCapabilityEvent } from '../adapters/registry-events';
import { decideOffline } from '../domain/offline-capability';

/**
 * The ledger's overdraft events (DESIGN §6): `account.overdrawn` suspends the offline capability of every
 * device of the account, `account.back-in-funds` lifts that suspension (an operator's stays). The
 * account's flag is kept too, so a device added while overdrawn starts suspended. Events of one account
 * arrive in order (keyed by account id).
 */
@Injectable()
export class AccountStatusConsumer implements EventConsumer {
  readonly name = 'account-status';
  readonly topics = ['ledger.account-status.v1'] as const;

  constructor(
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  readonly handle = async (
    sql: SqlExecutor,
    events: EventsOf<AccountStatusConsumer['topics']>,
  ): Promise<void> => {
    for (const { envelope } of events) {
      let accountId: string;
      let overdrawn: boolean;
      switch (envelope.type) {
        case 'account.overdrawn':
          accountId = envelope.payload.accountId;
          overdrawn = true;
          break;
        case 'account.back-in-funds':
          accountId = envelope.payload.accountId;
          overdrawn = false;
          break;
        default:
          throw unexpectedEvent(envelope, 'the registry does not handle this event here');
      }
      const now = this.clock.now().toISOString();
      await sql.query('UPDATE registry_accounts SET overdrawn = $2 WHERE account_id = $1', [
        accountId,
        overdrawn,
      ]);
      for (const device of await loadAccountDevicesOffline(sql, accountId)) {
        const decision = decideOffline(device.state, {
          kind: overdrawn ? 'account-overdrawn' : 'account-back-in-funds',
        });
        if (decision.outcome === 'unchanged') continue;
        await saveDeviceOffline(sql, { ...device, state: decision.state }, now);
        await this.outbox.append(sql, [
          offlineCapabilityEvent(
            device,
            decision.state,
            decision.reason,
            eventCause(envelope, now),
          ),
        ]);
      }
    }
  };
}
